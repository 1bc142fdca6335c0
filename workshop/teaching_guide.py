"""Regenerate the generated parts of the workshop guide, docs/teaching.md.

docs/teaching.md is hand-written text with generated parts between marker lines
(`<!-- generated:NAME:start -->` ... `<!-- generated:NAME:end -->`), made from
  * the notebooks: their sections, exercises and errata;
  * docs/teaching/timings.json: CPU seconds per section and the slowest cells of each notebook,
    from the runner's last successful run of it (ci/run_notebooks.py merges them in);
  * docs/teaching/NN.yml: hand-written notes per notebook (goals, prerequisites, exercise levels,
    common questions, minutes in the workshop plans). A new notebook needs one (copy 01.yml).

    python workshop/teaching_guide.py                   # rewrite the generated parts of docs/teaching.md
    python workshop/teaching_guide.py --check           # exit 1 if anything is stale or missing
    python workshop/teaching_guide.py --all             # also the student copies and the errata index
    python workshop/teaching_guide.py --merge-last-run  # first take ci/last-run.json's timings
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ci"))
import errata  # noqa: E402 (ci/: the README's errata index)
import student  # noqa: E402

ROOT = student.ROOT
DOCS = ROOT / "docs"
GUIDE = DOCS / "teaching.md"
BLOCKS = DOCS / "teaching"
TIMINGS = BLOCKS / "timings.json"
LAST_RUN = ROOT / "ci" / "last-run.json"
LEVELS = ("basic", "intermediate", "advanced")
SLOW_LAPTOP = 3  # a second 2-core machine ran 01-03 2.4-3x slower than the reference (README)
HALF_DAY_LIMIT, FULL_DAY_LIMIT = 4 * 60, 8 * 60 + 30  # minutes, breaks included


# --- inputs --------------------------------------------------------------------------------
def code_sha256(nb: dict) -> str:
    """Fingerprint of a notebook's code: timings are stale once it changes."""
    code = [student.src(c) for c in nb["cells"] if c["cell_type"] == "code"]
    return hashlib.sha256("\n\x00".join(code).encode()).hexdigest()


def read_timings(path: Path = TIMINGS) -> dict:
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8")).get("notebooks", {})


def write_timings(entries: dict, path: Path = TIMINGS) -> None:
    data = {"_generated_by": "ci/run_notebooks.py after a successful run (per notebook; "
                             "python workshop/teaching_guide.py --merge-last-run): do not edit",
            "notebooks": dict(sorted(entries.items()))}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


def machine() -> str:
    try:
        from importlib.metadata import version

        torch = f", torch {version('torch')}"
    except Exception:
        torch = ""
    return (f"{platform.machine()}, {os.cpu_count()} CPU cores, "
            f"python {platform.python_version()}{torch}")


def merge_timings(rows: list[dict], notebooks: Path = student.NOTEBOOKS, path: Path = TIMINGS) -> list[str]:
    """Take the successful rows of a runner result into the timings file (dropping notebooks that
    no longer exist); return the names taken."""
    entries = {k: v for k, v in read_timings(path).items() if (notebooks / k).is_file()}
    merged = []
    for row in rows:
        nb_path = notebooks / row.get("notebook", "")
        if row.get("status") != "ok" or "sections" not in row or not nb_path.is_file():
            continue
        entries[row["notebook"]] = {
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d"), "machine": machine(),
            "seconds": row["seconds"], "peak_mib": row["peak_mib"],
            "code_sha256": code_sha256(student.load(nb_path)),
            "sections": row["sections"], "slowest_cells": row.get("slowest_cells", [])}
        merged.append(row["notebook"])
    if merged:
        write_timings(entries, path)
    return merged


def block_path(nb_path: Path, blocks: Path = BLOCKS) -> Path:
    return blocks / f"{nb_path.name[:2]}.yml"


def read_block(nb_path: Path, blocks: Path = BLOCKS) -> dict | None:
    import yaml

    path = block_path(nb_path, blocks)
    if not path.exists():
        return None
    try:
        block = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        return {"_error": f"not valid YAML: {' '.join(str(exc).split())}"}
    return block if isinstance(block, dict) else {"_error": "not a mapping"}


def find_section(nb: dict, piece: str) -> list[str]:
    return [t for t, _ in student.sections(nb) if piece.lower() in t.lower()]


def block_problems(nb: dict, block: dict | None, name: str) -> list[str]:
    """What is missing or wrong in a notebook's hand-written block."""
    where = f"docs/teaching/{name[:2]}.yml"
    if block is None:
        return [f"{where} is missing: write it (copy docs/teaching/01.yml) for {name}"]
    if "_error" in block:
        return [f"{where}: {block['_error']}"]
    problems = [f"{where}: no {key}" for key in ("goals", "prerequisites", "questions")
                if not block.get(key)]
    n_ex, levels = len(student.exercises(nb)), block.get("exercises") or []
    if len(levels) != n_ex:
        problems.append(f"{where}: {len(levels)} exercise levels for {n_ex} exercises in {name}")
    problems += [f"{where}: exercise {k} level {e.get('level')!r} is not one of {LEVELS}"
                 for k, e in enumerate(levels, 1) if e.get("level") not in LEVELS]
    for q in block.get("questions") or []:
        hits = find_section(nb, str(q.get("section", "")))
        if len(hits) != 1:
            problems.append(f"{where}: question {q.get('q')!r} names section {q.get('section')!r}, "
                            f"which matches {len(hits)} headings of {name}")
    work = block.get("workshop") or {}
    if not isinstance(work.get("full_day"), int) or not isinstance(work.get("half_day", 0), int):
        problems.append(f"{where}: workshop.full_day (and half_day) must be minutes")
    return problems


def timing_problems(nb: dict, entry: dict | None, name: str) -> list[str]:
    fix = f"run: bash ci/run.sh notebooks/{name}"
    if entry is None:
        return [f"{name} has no timings in docs/teaching/timings.json ({fix})"]
    if entry.get("code_sha256") != code_sha256(nb):
        return [f"{name}: its code changed since the timed run ({fix})"]
    now = [t for t, _ in student.sections(nb) if t != "(title and setup)"]
    timed = [s["title"] for s in entry["sections"] if s["title"] != "(title and setup)"]
    if now != timed:
        return [f"{name}: its sections changed since the timed run ({fix})"]
    return []


# --- rendering -----------------------------------------------------------------------------
def fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def _link(name: str, section: str | None = None, folder: str = "../notebooks") -> str:
    return f"{folder}/{name}" + (f"#{student.anchor(section)}" if section else "")


class Book:
    """One notebook with everything the guide says about it."""

    def __init__(self, path: Path, timings: dict, blocks: Path = BLOCKS):
        self.path, self.name = path, path.name
        self.nb = student.load(path)
        self.block = read_block(path, blocks)
        self.entry = timings.get(self.name)
        self.fresh = not timing_problems(self.nb, self.entry, self.name)
        first = self.nb["cells"][0] if self.nb["cells"] else {}
        self.title = next(iter(student.headings(first, level=1)), self.name)
        self.errata = errata.find_errata([path])

    @property
    def seconds(self) -> float | None:
        return self.entry["seconds"] if self.entry else None

    def minutes(self, key: str) -> int:
        return int(((self.block or {}).get("workshop") or {}).get(key) or 0)


def render_overview(books: list[Book]) -> str:
    lines = ["| notebook | CPU time (reference) | peak MiB | exercises | errata | student copy |",
             "|---|---:|---:|---:|---:|---|"]
    for b in books:
        time_ = fmt_s(b.seconds) + ("" if b.fresh else " (stale)") if b.entry else "not timed yet"
        peak = f"{b.entry['peak_mib']:,}" if b.entry else "—"
        lines.append(f"| [{_cell(b.title)}](#{_gh_anchor(b.title)}) | {time_} | {peak} | "
                     f"{len(student.exercises(b.nb))} | {len(b.errata)} | "
                     f"[{b.name}]({_link(b.name, folder='../notebooks/student')}) |")
    total = sum(b.seconds or 0 for b in books)
    lines.append(f"| **all {len(books)}** | **{fmt_s(total)}** | | "
                 f"{sum(len(student.exercises(b.nb)) for b in books)} | "
                 f"{sum(len(b.errata) for b in books)} | |")
    timed = sorted({(b.entry["date"], b.entry["machine"]) for b in books if b.entry})
    where = "; ".join(f"{d} on {m}" for d, m in timed) or "not timed yet"
    return "\n".join(lines) + (f"\n\nCPU times are the runner's (`bash ci/run.sh`), a fresh kernel per "
                               f"notebook, CPU only: {where}.")


def _gh_anchor(heading: str) -> str:
    """GitHub's anchor of a markdown heading in docs/teaching.md (lowercase, punctuation dropped)."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _schedule(blocks: list[tuple[str, str, int, str]], lunch: bool) -> tuple[str, int]:
    """Clock times for (block, what, minutes, cpu) rows from 09:00, with a 15-min break after
    90 min of work (none before the last block) and, in a full day, a 60-min lunch at the first
    boundary after 12:00."""
    t, since_break, lunched, rows = 9 * 60, 0, not lunch, []
    clock = lambda m: f"{m // 60:02d}:{m % 60:02d}"  # noqa: E731
    for k, (block, what, minutes, cpu) in enumerate(blocks):
        if k and not lunched and t >= 12 * 60:
            rows.append(f"| {clock(t)} | **lunch** | | |")
            t, since_break, lunched = t + 60, 0, True
        elif k and since_break >= 90 and k < len(blocks) - 1:  # no break just before the wrap-up
            rows.append(f"| {clock(t)} | *break* | | |")
            t, since_break = t + 15, 0
        rows.append(f"| {clock(t)} | {block} | {_cell(what)} | {cpu} |")
        t, since_break = t + minutes, since_break + minutes
    rows.append(f"| {clock(t)} | end | | |")
    return "\n".join(rows), t - 9 * 60


def _cpu(b: Book) -> str:
    if b.seconds is None:
        return "—"
    return f"{fmt_s(b.seconds)} (≈ {fmt_s(b.seconds * SLOW_LAPTOP)} on a slow laptop)"


def plan_blocks(books: list[Book], key: str) -> list[tuple[str, str, int, str]]:
    start = [("Welcome; pre-flight check; student copies open", "`python workshop/preflight.py` on every "
              "laptop (it was sent the week before); Colab links for those it sends there",
              30 if key == "full_day" else 20, "")]
    rows = []
    for b in books:
        minutes = b.minutes(key)
        if minutes:
            cover = ((b.block or {}).get("workshop") or {}).get(
                "half_day_cover" if key == "half_day" else "full_day_cover", "all sections, exercises")
            rows.append((f"[{_cell(b.title.split(' (')[0])}](#{_gh_anchor(b.title)})", cover, minutes,
                         _cpu(b)))
    end = [("Wrap-up", "questions, the errata index, where to go next", 15 if key == "full_day" else 10,
            "")]
    return start + rows + end


def render_plans(books: list[Book]) -> str:
    out = []
    for key, name, lunch, limit in [("half_day", "Half day (about 3½ hours)", False, HALF_DAY_LIMIT),
                                    ("full_day", "Full day", True, FULL_DAY_LIMIT)]:
        table, total = _schedule(plan_blocks(books, key), lunch)
        left = [b.name[:2] for b in books if not b.minutes(key)]
        out += [f"#### {name}", "",
                "| time | block | what | CPU time of the whole notebook (reference) |",
                "|---|---|---|---|", table, "",
                f"{total // 60} h {total % 60:02d} min with breaks"
                + (f"; left out: notebooks {', '.join(left)} (for self-study)" if left else "")
                + (f". **Over the {limit // 60} h limit: shorten a block.**" if total > limit else "."), ""]
    return "\n".join(out).rstrip()


def render_book(b: Book) -> str:
    block = b.block or {}
    out = [f"### {b.title}", ""]
    peak = f", peak {b.entry['peak_mib']:,} MiB" if b.entry else ""
    copy = _link(b.name, folder="../notebooks/student")
    out += [f"[Full notebook]({_link(b.name)}) · [student copy]({copy})"
            + (f" · CPU time {fmt_s(b.seconds)} on the reference machine{peak}" if b.entry else
               f" · not timed yet (`bash ci/run.sh notebooks/{b.name}`)")
            + ("" if b.fresh or not b.entry else " (**stale**: re-run the notebook with `bash ci/run.sh`)"),
            ""]
    if not block or "_error" in block:
        block = {}
        out += [f"*No hand-written notes yet: write `docs/teaching/{b.name[:2]}.yml`.*", ""]
    for key, label in [("goals", "Learning goals"), ("prerequisites", "Prerequisites")]:
        if block.get(key):
            out += [f"**{label}**", ""] + [f"- {x}" for x in block[key]] + [""]
    timed = {s["title"]: s["seconds"] for s in (b.entry or {}).get("sections", [])} if b.fresh else {}
    total = sum(timed.values()) or None
    out += ["**Sections and CPU time** (runner, per section; the rest of the notebook's time is "
            "starting the kernel)", "", "| section | CPU time | share |", "|---|---:|---:|"]
    for title, _ in student.sections(b.nb):
        sec = timed.get(title)
        share = f"{sec / total:.0%}" if sec is not None and total else ""
        link = f"[{_cell(title)}]({_link(b.name, title)})" if title != "(title and setup)" else title
        out.append(f"| {link} | {fmt_s(sec)} | {share} |")
    out.append("")
    if b.fresh and b.entry.get("slowest_cells"):
        where = lambda t: f"§{t.split('.')[0]}" if t[:1].isdigit() else "the setup"  # noqa: E731
        cells = "; ".join(f"cell {c['cell']} in {where(c['section'])} "
                          f"(`{_cell(c['first_line'])[:60]}`) {fmt_s(c['seconds'])}"
                          for c in b.entry["slowest_cells"])
        out += [f"**Slowest cells**: {cells}.", ""]
    levels = block.get("exercises") or []
    out += ["**Exercises**", "", "| # | exercise | level | minutes |", "|---:|---|---|---:|"]
    for k, title in student.exercises(b.nb):
        lv = levels[k - 1] if k - 1 < len(levels) else {}
        out.append(f"| {k} | {_cell(title)} | {lv.get('level', '—')} | {lv.get('minutes', '—')} |")
    out.append("")
    if block.get("questions"):
        out += ["**Common questions**", "", "| question | short answer | answered in |", "|---|---|---|"]
        for q in block["questions"]:
            hits = find_section(b.nb, str(q.get("section", "")))
            where = f"[§{errata.short_heading(hits[0])}]({_link(b.name, hits[0])})" if len(hits) == 1 else "?"
            out.append(f"| {_cell(q.get('q', ''))} | {_cell(q.get('a', ''))} | {where} |")
        out.append("")
    if b.errata:
        out += [f"**Errata of the article shown here**: {len(b.errata)} (see the "
                "[errata index](../README.md#errata-index-文章勘误索引)).", ""]
    tips = (block.get("workshop") or {}).get("tips") or []
    if tips:
        out += ["**Teaching tips**", ""] + [f"- {t}" for t in tips] + [""]
    return "\n".join(out).rstrip()


def books(paths: list[Path] | None = None, timings: dict | None = None, blocks: Path = BLOCKS) -> list[Book]:
    timings = read_timings() if timings is None else timings
    return [Book(p, timings, blocks) for p in (student.discover() if paths is None else paths)]


def render_regions(bs: list[Book]) -> dict[str, str]:
    return {"overview": render_overview(bs), "plans": render_plans(bs),
            "notebooks": "\n\n".join(render_book(b) for b in bs)}


def replace_regions(text: str, regions: dict[str, str]) -> str:
    for name, body in regions.items():
        start, end = f"<!-- generated:{name}:start -->", f"<!-- generated:{name}:end -->"
        if start not in text or end not in text:
            raise ValueError(f"docs/teaching.md lacks the markers {start} / {end}")
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        text = f"{head}{start}\n{body}\n{end}{tail}"
    return text


def update_guide(guide: Path = GUIDE, check: bool = False, **kw) -> bool:
    """Rewrite (or, with check, compare) the generated parts; True when already up to date."""
    text = guide.read_text(encoding="utf-8")
    new = replace_regions(text, render_regions(books(**kw)))
    if new != text and not check:
        guide.write_text(new, encoding="utf-8")
    return new == text


def problems(paths: list[Path] | None = None) -> list[str]:
    """Everything that makes the guide incomplete: missing notes, stale timings."""
    out, timings = [], read_timings()
    for path in student.discover() if paths is None else paths:
        nb = student.load(path)
        out += block_problems(nb, read_block(path), path.name)
        out += timing_problems(nb, timings.get(path.name), path.name)
    return out


def regenerate_all(rows: list[dict] | None = None) -> list[str]:
    """What the runner calls after a successful run; returns lines to print."""
    lines = []
    written = student.write_all()
    lines.append(f"student copies: {len(written)} in notebooks/student/")
    if rows:
        merged = merge_timings(rows)
        lines.append(f"timings: {', '.join(merged) or 'none'} merged into docs/teaching/timings.json")
    lines.append(f"workshop guide: docs/teaching.md {'up to date' if update_guide() else 'updated'}")
    try:
        same = errata.update_readme()
        lines.append(f"errata index: {len(errata.find_errata())} errata, README.md "
                     f"{'up to date' if same else 'updated'}")
    except errata.MarkersMissing as exc:
        lines.append(f"errata index NOT written: {exc}")
    lines += [f"teaching kit, to do: {p}" for p in problems()]
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only check; exit 1 if stale or incomplete")
    ap.add_argument("--all", action="store_true", help="also the student copies and the errata index")
    ap.add_argument("--merge-last-run", action="store_true", help="take ci/last-run.json's timings first")
    args = ap.parse_args(argv)
    if args.merge_last_run:
        rows = json.loads(LAST_RUN.read_text()) if LAST_RUN.exists() else []
        print(f"timings merged: {', '.join(merge_timings(rows)) or 'none'}")
    if args.check:
        todo = problems()
        if not update_guide(check=True):
            todo.append("docs/teaching.md is stale (run: python workshop/teaching_guide.py)")
        todo += student.stale()
        for p in todo:
            print(f"STALE/MISSING {p}", file=sys.stderr)
        return 1 if todo else 0
    if args.all:
        for line in regenerate_all():
            print(line)
        return 0
    print(f"docs/teaching.md {'up to date' if update_guide() else 'updated'}")
    for p in problems():
        print(f"to do: {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
