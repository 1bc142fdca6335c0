"""Execute the notebooks headless with papermill and print a summary table.

Each notebook runs in a fresh kernel, in its own child process, so that the
kernel's peak memory can be read from that child's rusage once the kernel has
exited. On success the executed notebook replaces the committed one (with
papermill's per-cell timestamps stripped, so a rerun only changes what a
reader sees). On failure the committed notebook is left alone, the executed
copy goes to ci/failed/, and the failing cell is named. After a successful run the
student copies, the workshop guide's timings and the README's errata index are regenerated
(workshop/teaching_guide.py), and then the Chinese edition (ci/zh.py build).

    python ci/run_notebooks.py                 # all notebooks in notebooks/
    python ci/run_notebooks.py notebooks/01_*  # some of them
    python ci/run_notebooks.py --device cuda --out /tmp/gpu-run   # on a GPU (see below)

--device cuda (or mps) runs the notebooks with CONV_NB_DEVICE set, so their setup cell opts in to
that device; it needs --out, a folder for the executed copies: the committed notebooks, made on the
CPU, are never written by a GPU run, and the teaching kit is not regenerated. Its table is the
README's "seconds, GPU" column. A notebook fails there as anywhere: an assert (an accuracy floor)
that does not hold on the GPU names its cell.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORKSHOP = ROOT / "workshop"  # the workshop kit: student copies, guide (regenerated after a run)
NOTEBOOKS = ROOT / "notebooks"
FAILED = ROOT / "ci" / "failed"
LAST_RUN = ROOT / "ci" / "last-run.json"

# Set for every kernel we start (the runner's and the nbval tests'): notebooks
# hide their live progress bars when this is "1", so committed outputs hold
# only the per-epoch summaries.
HEADLESS_ENV = {"CONV_NB_HEADLESS": "1", "PYTHONHASHSEED": "0"}


def discover(paths: list[str] | None = None) -> list[Path]:
    if paths:
        return [Path(p).resolve() for p in paths]
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def maxrss_mib(ru_maxrss: int) -> float:
    """ru_maxrss is KiB on Linux and bytes on macOS."""
    return ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)


def strip_run_noise(nb: dict) -> dict:
    """Drop what changes on every run but is no output: papermill's and nbclient's timestamps,
    and the split of printed text into stream chunks (it depends on timing), by merging
    consecutive stream outputs of the same name as Jupyter shows them."""
    nb.get("metadata", {}).pop("papermill", None)
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {})
        meta.pop("papermill", None)
        meta.pop("execution", None)
        if meta.get("tags") == []:
            meta.pop("tags")
        merged = []
        for out in cell.get("outputs", []):
            prev = merged[-1] if merged else None
            if (out.get("output_type") == "stream" and prev is not None
                    and prev.get("output_type") == "stream" and prev["name"] == out["name"]):
                prev["text"] = "".join(prev["text"]) + "".join(out["text"])
            else:
                merged.append(out)
        if "outputs" in cell:
            cell["outputs"] = merged
    return nb


def section_timings(nb: dict, slowest: int = 3) -> dict:
    """Seconds per `## ` section and the slowest code cells, from papermill's per-cell durations
    (read before strip_run_noise drops them; docs/teaching.md shows them)."""
    sections, cells, title, ordinal = {"(title and setup)": 0.0}, [], "(title and setup)", -1
    for i, cell in enumerate(nb.get("cells", [])):
        source = "".join(cell.get("source", ""))
        if cell.get("cell_type") == "markdown":
            for line in source.splitlines():
                if line.startswith("## "):
                    title = line[3:].strip()
                    sections.setdefault(title, 0.0)
            continue
        ordinal += 1
        seconds = (cell.get("metadata", {}).get("papermill", {}).get("duration")) or 0.0
        sections[title] += seconds
        first = next((ln for ln in source.splitlines() if ln.strip()), "")
        cells.append({"cell": i, "code_cell": ordinal, "seconds": round(seconds, 1), "section": title,
                      "first_line": first[:100]})
    cells.sort(key=lambda c: -c["seconds"])
    return {"sections": [{"title": t, "seconds": round(s, 1)} for t, s in sections.items()],
            "slowest_cells": cells[:slowest]}


def execute_one(path: Path, failed_dir: Path = FAILED, dest: Path | None = None) -> dict:
    """Run in the child process: execute one notebook, report as a dict. On success the executed
    notebook replaces `path`, or goes to `dest` when given."""
    import nbformat
    import papermill as pm

    out = failed_dir / path.name
    out.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    result = {"notebook": path.name, "status": "ok", "error": None}
    try:
        pm.execute_notebook(str(path), str(out), cwd=str(path.parent), kernel_name="python3",
                            progress_bar=False, log_output=False,
                            request_save_on_cell_execute=False)
    except pm.PapermillExecutionError as exc:
        where = f"cell {exc.exec_count} (index {exc.cell_index})"
        result.update(status="FAILED", error=f"{where}: {exc.ename}: {exc.evalue}")
    except Exception as exc:  # kernel died, notebook unreadable, ...
        result.update(status="FAILED", error=f"{type(exc).__name__}: {exc}")
    result["seconds"] = round(time.perf_counter() - t0, 1)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the kernel, once it has exited
    result["peak_mib"] = round(maxrss_mib(usage.ru_maxrss))
    # CPU seconds barely change when other programs share the cores (wall seconds do):
    # compare these between runs made on a busy machine
    result["cpu_seconds"] = round(usage.ru_utime + usage.ru_stime, 1)
    if result["status"] == "ok":
        nb = nbformat.read(out, as_version=4)
        result.update(section_timings(nb))
        nb = strip_run_noise(nb)
        nbformat.write(nb, dest or path)
        out.unlink()
    else:
        result["failed_copy"] = os.path.relpath(out, ROOT)
    return result


def run_child(path: Path, failed_dir: Path = FAILED, device: str | None = None,
              dest: Path | None = None) -> dict:
    env = {**os.environ, **HEADLESS_ENV}
    if device:
        env["CONV_NB_DEVICE"] = device  # read by every notebook's setup cell
    extra = ["--dest", str(dest)] if dest else []
    proc = subprocess.run([sys.executable, __file__, "--one", str(path),
                           "--failed-dir", str(failed_dir), *extra],
                          capture_output=True, text=True, env=env)
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return {"notebook": path.name, "status": "FAILED", "seconds": None, "peak_mib": None,
                "error": f"runner crashed (exit {proc.returncode}): {proc.stderr.strip()[-800:]}"}


def format_table(rows: list[dict]) -> str:
    lines = ["| notebook | status | seconds | CPU seconds | peak MiB |", "|---|---|---:|---:|---:|"]
    for r in rows:
        secs = "" if r.get("seconds") is None else f"{r['seconds']:.1f}"
        cpu = "" if r.get("cpu_seconds") is None else f"{r['cpu_seconds']:.1f}"
        mib = "" if r.get("peak_mib") is None else f"{r['peak_mib']:,}"
        lines.append(f"| {r['notebook']} | {r['status']} | {secs} | {cpu} | {mib} |")
    total = sum(r.get("seconds") or 0 for r in rows)
    cpu_total = sum(r.get("cpu_seconds") or 0 for r in rows)
    lines.append(f"| **total** | | {total:.1f} | {cpu_total:.1f} | |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="*", help="notebooks to run (default: all)")
    ap.add_argument("--no-kit", action="store_true",
                    help="do not regenerate student copies, guide timings and errata index "
                         "(while several notebooks are being revised at once)")
    ap.add_argument("--device", help="run with CONV_NB_DEVICE set (cuda, mps); needs --out")
    ap.add_argument("--out", type=Path, help="write the executed notebooks here, not over the committed "
                                             "ones (and do not regenerate the teaching kit)")
    ap.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--dest", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--failed-dir", type=Path, default=FAILED, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(execute_one(args.one.resolve(), args.failed_dir, args.dest)))
        return 0
    if args.device and args.device != "cpu" and not args.out:
        ap.error("--device needs --out: the committed notebooks hold the CPU run's outputs")

    paths = discover(args.notebooks)
    if not paths:
        print("No notebooks found in notebooks/.", file=sys.stderr)
        return 1
    rows = []
    out_dir = args.out.resolve() if args.out else None
    failed_dir = out_dir / "failed" if out_dir else FAILED
    if out_dir:
        out_dir.mkdir(parents=True, exist_ok=True)
    for path in paths:
        print(f"running {path.name}{f' on {args.device}' if args.device else ''} ...", flush=True)
        row = run_child(path, failed_dir, args.device, out_dir / path.name if out_dir else None)
        rows.append(row)
        if row["status"] != "ok":
            print(f"  FAILED at {row['error']}", flush=True)
            if row.get("failed_copy"):
                print(f"  executed copy with the error: {row['failed_copy']}", flush=True)
    print()
    print(format_table(rows))
    print(f"\n{platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, "
          f"python {platform.python_version()}" + (f", CONV_NB_DEVICE={args.device}" if args.device else ""))
    ok = all(r["status"] == "ok" for r in rows)
    if out_dir:  # a run beside the committed notebooks: its own record, no kit
        (out_dir / "run.json").write_text(json.dumps({"device": args.device or "cpu", "rows": rows},
                                                     indent=1) + "\n")
        print(f"executed notebooks and run.json in {out_dir}")
        return 0 if ok else 1
    if not args.no_kit:
        LAST_RUN.write_text(json.dumps(rows, indent=1) + "\n")
    if ok and not args.no_kit:
        regenerate_teaching_kit(rows)
    return 0 if ok else 1


def regenerate_teaching_kit(rows: list[dict]) -> None:
    """After a successful run: the student copies, the workshop guide's timings and the README's
    errata index (workshop/teaching_guide.py), then the Chinese edition (ci/zh.py). A failure here
    is reported, not fatal: the tests (tests/test_teaching_kit.py, tests/test_zh.py) fail on
    whatever is left stale."""
    print()
    try:
        if str(WORKSHOP) not in sys.path:
            sys.path.insert(0, str(WORKSHOP))
        import teaching_guide

        for line in teaching_guide.regenerate_all(rows):
            print(line)
    except Exception as exc:  # a broken guide block must not hide a good run's table
        print(f"teaching kit NOT regenerated ({type(exc).__name__}: {exc}); "
              "fix it and run: python workshop/teaching_guide.py --all", file=sys.stderr)
    try:  # the Chinese edition: the new outputs under the same translations (tests/test_zh.py)
        import zh

        written = zh.build()
        print(f"Chinese edition: {len(written)} file(s) regenerated in notebooks/zh/ and README.zh.md")
    except Exception as exc:
        print(f"Chinese edition NOT regenerated ({type(exc).__name__}: {exc}); "
              "fix it and run: python ci/zh.py build", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
