"""Hunt flaky cells: execute notebooks K times, each in a fresh kernel, and report every cell
that failed at least once, with its errors. A contributor tool (not part of CI): run it on every
new notebook and after every change to data loading (CONTRIBUTING.md).

    python ci/flake_hunt.py notebooks/03_*.ipynb -k 10          # whole notebook, 10 fresh kernels
    python ci/flake_hunt.py notebooks/03_*.ipynb -k 20 --upto 9  # code cells 0..9 only (quick)
    python ci/flake_hunt.py -k 10 -j 2                           # every notebook, 2 kernels at once

Nothing is written back: the committed notebooks stay as they are. Exit status 1 if any cell
failed in any run.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_notebooks import HEADLESS_ENV, discover  # noqa: E402


def code_cell_indices(nb) -> list[int]:
    return [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]


def run_once(path: str, upto: int | None, timeout: int) -> tuple[str, list[tuple[int, str]], float]:
    """Execute one notebook (or its code cells 0..upto) in a fresh kernel.

    Returns (notebook name, [(code cell number, 'Error: message')] for each failed cell, seconds).
    Execution goes on after a failing cell, so that every failing cell of the run is reported.
    """
    import nbformat
    from nbclient import NotebookClient

    os.environ.update(HEADLESS_ENV)
    nb = nbformat.read(path, as_version=4)
    code = code_cell_indices(nb)
    if upto is not None:
        keep = set(code[: upto + 1])
        nb.cells = [c for i, c in enumerate(nb.cells) if c.cell_type != "code" or i in keep]
        code = code_cell_indices(nb)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(Path(path).parent)}})
    t0 = time.perf_counter()
    failures = []
    try:
        client.execute()
    except Exception as exc:  # kernel died or timed out: blame the first cell without output
        failures.append((-1, f"{type(exc).__name__}: {str(exc)[:300]}"))
    for n, i in enumerate(code):
        for out in nb.cells[i].get("outputs", []):
            if out.get("output_type") == "error":
                failures.append((n, f"{out['ename']}: {str(out['evalue'])[:300]}"))
    return Path(path).name, failures, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="*", help="notebooks (default: all in notebooks/)")
    ap.add_argument("-k", type=int, default=10, help="runs per notebook (default 10)")
    ap.add_argument("-j", type=int, default=1, help="kernels at once (default 1)")
    ap.add_argument("--upto", type=int, help="stop after this code cell (0 = the setup cell)")
    ap.add_argument("--timeout", type=int, default=600, help="seconds per cell (default 600)")
    args = ap.parse_args(argv)

    paths = [str(p) for p in discover(args.notebooks)]
    jobs = [p for p in paths for _ in range(args.k)]
    failed: dict[str, dict[int, Counter]] = defaultdict(lambda: defaultdict(Counter))
    runs_failed: Counter = Counter()
    seconds: dict[str, list[float]] = defaultdict(list)
    with ProcessPoolExecutor(max_workers=args.j) as pool:
        for name, failures, secs in pool.map(run_once, jobs, [args.upto] * len(jobs),
                                             [args.timeout] * len(jobs)):
            seconds[name].append(secs)
            runs_failed[name] += bool(failures)
            for cell, error in failures:
                failed[name][cell][error] += 1
            print(f"  {name}: run {len(seconds[name])}/{args.k} "
                  f"{'FAILED' if failures else 'ok'} ({secs:.0f} s)", flush=True)

    scope = "whole notebook" if args.upto is None else f"code cells 0..{args.upto}"
    print(f"\n| notebook | runs ({scope}) | failed runs | cells that failed |")
    print("|---|---:|---:|---|")
    for path in paths:
        name = Path(path).name
        cells = ", ".join(f"code cell {c} ({sum(e.values())}×)" for c, e in sorted(failed[name].items()))
        print(f"| {name} | {len(seconds[name])} | {runs_failed[name]} | {cells or 'none'} |")
    for name, cells in failed.items():
        for cell, errors in sorted(cells.items()):
            for error, n in errors.items():
                print(f"{name} code cell {cell}: {n}× {error}")
    return 1 if any(runs_failed.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
