"""The workshop plans' skip paths: does each plan's choice of sections run on its own?

A plan (docs/teaching.md, from docs/teaching/NN.yml) teaches some sections of a notebook and skips
the others. Its path through the notebook is, in order: the cells before the first `## ` section
(title and setup), every `fetch-data` cell, every helpers cell (`# extra code – helpers …`), the
code cells of the sections the plan takes (taught or shown as a demo; not the Summary's, which may
tabulate every section's results), and, when it sets exercises, the Exercises section's code and the
worked solutions of those exercises (what a participant's answer needs).

    python workshop/skip_paths.py             # static: every name each path reads is defined on it
    python workshop/skip_paths.py --execute   # run each path in a fresh kernel (minutes; contributor)
    python workshop/skip_paths.py --execute --plan half_day 03   # one plan, one notebook

The static check (tests/test_teaching_kit.py runs it) reads the cells' names with Python's symtable:
a name a cell reads, directly or through a function or class of an earlier cell that it calls,
must be defined by an earlier cell of the path (or be a builtin). --execute runs the paths for real
(`CONV_NB_HEADLESS=1`, CPU), one kernel per notebook and plan, and reports the first error of each.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ci"))
import nbcheck  # noqa: E402
import nbread  # noqa: E402

HELPERS_MARK = re.compile(r"^#\s*extra code\s*[–—-]\s*helpers\b", re.I)


def is_helpers(cell: dict) -> bool:
    return cell.get("cell_type") == "code" and bool(HELPERS_MARK.match(nbread.src(cell).lstrip()))


def path_cells(nb: dict, sections: list[str], exercises: list[int] = ()) -> list[int]:
    """Indices of the code cells a plan runs, in notebook order (see the module docstring)."""
    taken = {t for t in sections if not re.match(r"\d+\.\s+Summary\b", t)} | {nbread.SETUP_SECTION}
    if exercises:
        taken |= {t for t, _ in nbread.sections(nb) if re.match(r"\d+\.\s+Exercises\b", t)}
    where = nbread.section_of(nb)
    solutions = set()
    start = nbread.solutions_start(nb)
    if start is not None and exercises:
        current = None
        for i in range(start + 1, len(nb["cells"])):
            cell = nb["cells"][i]
            text = nbread.src(cell)
            marks = re.findall(r"\*\*Solution (\d+)\.\*\*", text) if cell["cell_type"] == "markdown" else []
            title = re.match(r"# @title Solution (\d+)", text) if cell["cell_type"] == "code" else None
            current = int(marks[-1]) if marks else int(title.group(1)) if title else current
            if cell["cell_type"] == "code" and current in exercises and "solution" in nbread.tags(cell):
                solutions.add(i)
    return [i for i, cell in enumerate(nb["cells"]) if cell["cell_type"] == "code" and (
        where[i] in taken or "fetch-data" in nbread.tags(cell) or is_helpers(cell) or i in solutions)]


def static_problems(nb: dict, cells: list[int]) -> list[str]:
    """Names the path reads before it defines them, as messages naming cell and section."""
    where = nbread.section_of(nb)
    found = nbcheck.undefined_names([nbread.src(nb["cells"][i]) for i in cells])
    return [f"cell {cells[k]} ({short(where[cells[k]])}) needs {', '.join(names)}" for k, names in found]


def short(title: str) -> str:
    n = nbread.section_number(title)
    return f"§{n}" if n is not None else title


def execute(nb: dict, cells: list[int], cwd: Path, timeout: int = 600) -> str | None:
    """Run the path in a fresh kernel; the first error as text, or None."""
    import copy

    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    run = copy.deepcopy(nb)
    run["cells"] = [run["cells"][i] for i in cells]
    for cell in run["cells"]:
        cell["outputs"], cell["execution_count"] = [], None
    os.environ.update({"CONV_NB_HEADLESS": "1", "PYTHONHASHSEED": "0"})
    try:
        NotebookClient(nbformat.from_dict(run), timeout=timeout, startup_timeout=180,
                       kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()
    except CellExecutionError as exc:
        lines = [ln for ln in str(exc).strip().splitlines() if ln.strip()]
        return re.sub(r"\x1b\[[0-9;]*m", "", lines[-1] if lines else str(exc))[:300]
    return None


def main(argv: list[str] | None = None) -> int:
    import teaching_guide as tg

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--execute", action="store_true", help="run each path in a fresh kernel")
    ap.add_argument("--plan", choices=tg.PLAN_KEYS, help="only this plan")
    ap.add_argument("notebooks", nargs="*", help="only these notebooks (their numbers: 03 05)")
    args = ap.parse_args(argv)
    bad = 0
    for plan, chosen in tg.plans().items():
        if args.plan and plan != args.plan:
            continue
        for book, sections, exercises in chosen:
            if args.notebooks and book.name[:2] not in args.notebooks:
                continue
            cells = path_cells(book.nb, sections, exercises)
            label = (f"{plan}: {book.name} (sections {', '.join(short(s) for s in sections) or 'none'}; "
                     f"exercises {', '.join(map(str, exercises)) or 'none'}; {len(cells)} code cells)")
            problems = static_problems(book.nb, cells)
            if args.execute:
                t0 = time.perf_counter()
                error = execute(book.nb, cells, book.path.parent)
                problems += [f"executed: {error}"] if error else []
                label += f", executed in {time.perf_counter() - t0:.0f} s"
            bad += bool(problems)
            print(("FAIL " if problems else "ok   ") + label)
            for p in problems:
                print(f"       {p}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
