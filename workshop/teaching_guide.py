"""Regenerate the generated parts of the workshop guide, docs/teaching.md.

docs/teaching.md is hand-written text with generated parts between marker lines
(`<!-- generated:NAME:start -->` ... `<!-- generated:NAME:end -->`), made from
  * the notebooks: their sections, exercises and errata;
  * docs/teaching/timings.json: CPU seconds per section and the slowest cells of each notebook,
    from the runner's last successful run of it (ci/run_notebooks.py merges them in);
  * docs/teaching/NN.yml: hand-written notes per notebook (goals, prerequisites, exercise levels,
    common questions, teaching tips, and under `workshop:` the sections and exercises each plan
    takes). A new notebook needs one (copy 01.yml);
  * workshop/minutes.py: each section's minutes, estimated from its content (words, code lines,
    cells, figures) at stated rates. The plans add up these minutes and the exercises' minutes,
    and take a notebook's `if_time` sections while the day still fits.

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
import minutes  # noqa: E402
import nbread  # noqa: E402
import preflight  # noqa: E402
import student  # noqa: E402

ROOT = student.ROOT
DOCS = ROOT / "docs"
GUIDE = DOCS / "teaching.md"
BLOCKS = DOCS / "teaching"
TIMINGS = BLOCKS / "timings.json"
LAST_RUN = ROOT / "ci" / "last-run.json"
LEVELS = ("basic", "intermediate", "advanced")
# The computing column shows the reference machine's seconds and this many times them: the
# pre-flight check warns above it (preflight.SLOW), so no laptop it calls READY is slower. (A second
# 2-core machine, quiet, ran the whole series at 1.05x the reference's times.)
SLOW_LAPTOP = preflight.SLOW
HALF_DAY_LIMIT, FULL_DAY_LIMIT = 3 * 60 + 30, 8 * 60 + 30  # minutes, breaks (and lunch) included
PLAN_KEYS = ("half_day", "full_day")
MODES = ("teach", "demo", "if_time")


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


def resolve_section(nb: dict, ref) -> tuple[str | None, str]:
    """A plan's reference to a section, its number (5) or a piece of its heading ("Fashion-MNIST"):
    (the heading, "") or (None, why not)."""
    titles = [t for t, _ in student.sections(nb) if t != nbread.SETUP_SECTION]
    if isinstance(ref, int) and not isinstance(ref, bool):
        hits = [t for t in titles if nbread.section_number(t) == ref]
    else:
        hits = find_section(nb, str(ref))
    if len(hits) != 1:
        return None, f"matches {len(hits)} headings"
    if minutes.is_closing(hits[0]) or minutes.is_always(hits[0]):
        return None, "is taken (or left out) by every plan anyway"
    return hits[0], ""


def plan_choice(block: dict | None, key: str) -> dict | None:
    """The `workshop.<key>` entry of a notebook's notes: None when the plan leaves it out."""
    entry = ((block or {}).get("workshop") or {}).get(key)
    return entry if isinstance(entry, dict) else None


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
    problems += [f"{where}: exercise {k} has no minutes" for k, e in enumerate(levels, 1)
                 if not isinstance(e.get("minutes"), int)]
    for q in block.get("questions") or []:
        hits = find_section(nb, str(q.get("section", "")))
        if len(hits) != 1:
            problems.append(f"{where}: question {q.get('q')!r} names section {q.get('section')!r}, "
                            f"which matches {len(hits)} headings of {name}")
    work = block.get("workshop") or {}
    for key in PLAN_KEYS:
        entry = work.get(key)
        if entry is None:
            continue
        if not isinstance(entry, dict) or set(entry) - {*MODES, "exercises"}:
            problems.append(f"{where}: workshop.{key} must map {', '.join(MODES)} and exercises to lists")
            continue
        for mode in MODES:
            for ref in entry.get(mode) or []:
                title, why = resolve_section(nb, ref)
                if title is None:
                    problems.append(f"{where}: workshop.{key}.{mode} names section {ref!r}, which {why}")
        numbers = [k for k, _ in student.exercises(nb)]
        problems += [f"{where}: workshop.{key}.exercises names exercise {k!r}, which {name} lacks"
                     for k in entry.get("exercises") or [] if k not in numbers]
    return problems


def tips_problems(block: dict | None, name: str) -> list[str]:
    """docs/teaching/NN.yml: 3 to 5 teaching tips (workshop.tips), written by the notebook's author."""
    tips = ((block or {}).get("workshop") or {}).get("tips") or []
    if 3 <= len(tips) <= 5:
        return []
    return [f"docs/teaching/{name[:2]}.yml: {len(tips)} teaching tips under workshop.tips (3 to 5 wanted)"]


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


def fmt_min(m: float) -> str:
    m = round(m)
    return f"{m} min" if m < 90 else f"{m // 60} h {m % 60:02d} min"


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
        self.content = dict(minutes.section_content(self.nb))

    @property
    def seconds(self) -> float | None:
        return self.entry["seconds"] if self.entry else None

    @property
    def short_title(self) -> str:
        return self.title.split(" (")[0]

    def walkthrough(self) -> float:
        return sum(c.minutes() for t, c in self.content.items() if not minutes.is_closing(t))

    def exercise_minutes(self, k: int) -> int:
        levels = (self.block or {}).get("exercises") or []
        return int((levels[k - 1] if 0 < k <= len(levels) else {}).get("minutes") or 0)

    def section_seconds(self) -> dict[str, float]:
        """Runner seconds per section (only when the timings match the notebook)."""
        if not self.fresh:
            return {}
        return {s["title"]: s["seconds"] for s in (self.entry or {}).get("sections", [])}

    def catch_up_seconds(self) -> dict[str, float]:
        """For each section, the seconds Run All Above from its heading re-runs (all that comes before)."""
        timed, out, total = self.section_seconds(), {}, 0.0
        if not timed:
            return {}
        for title, _ in student.sections(self.nb):
            out[title] = total
            total += timed.get(title, 0.0)
        return out


class Block:
    """A notebook's part in a plan: the sections taught, shown as a demo and added if time allows,
    and the exercises set."""

    def __init__(self, book: Book, choice: dict):
        self.book = book
        resolve = lambda refs: [t for t in (resolve_section(book.nb, r)[0] for r in refs or []) if t]  # noqa: E731
        self.teach, self.demo = resolve(choice.get("teach")), resolve(choice.get("demo"))
        self.optional, self.added = resolve(choice.get("if_time")), []
        self.exercises = [k for k in choice.get("exercises") or []
                          if k in {n for n, _ in student.exercises(book.nb)}]

    def always(self) -> list[str]:
        return [t for t in self.book.content if minutes.is_always(t)]

    def sections(self) -> list[str]:
        """Every section the plan runs, in notebook order."""
        taken = set(self.teach) | set(self.demo) | set(self.added) | set(self.always())
        return [t for t in self.book.content if t in taken]

    def minutes(self) -> int:
        """The content minutes of what the plan takes, the Summary read (its code not run: it may
        tabulate sections the plan skips), plus the exercises' minutes."""
        c, rate = self.book.content, minutes.RATES["prose_wpm"]
        m = sum(c[t].minutes() if t == nbread.SETUP_SECTION else c[t].words / rate for t in self.always())
        m += sum(c[t].minutes() for t in [*self.teach, *self.added])
        m += sum(c[t].demo_minutes() for t in self.demo)
        m += sum(self.book.exercise_minutes(k) for k in self.exercises)
        return int(-(-m // 5) * 5)  # up to whole 5 minutes

    def what(self) -> str:
        """`sections 1, 2 and 4; 3 as a demo; exercise 1; skip 5` (section numbers)."""
        n = lambda titles: _numbers([nbread.section_number(t) for t in titles])  # noqa: E731
        taught = sorted([*self.teach, *self.added], key=list(self.book.content).index)
        skipped = [t for t in self.book.content if t not in self.sections() and not minutes.is_closing(t)]
        parts = [f"teach {n(taught)}" if taught else "",
                 f"run {n(self.demo)} as a demo" if self.demo else "",
                 f"exercise{'s' if len(self.exercises) > 1 else ''} {_numbers(self.exercises)}"
                 if self.exercises else "no exercise",
                 f"skip {n(skipped)}" if skipped else ""]
        return "; ".join(p for p in parts if p)


def _numbers(ns: list, digits: int = 1) -> str:
    """[1, 2, 3, 5] -> "1–3 and 5"; [2, 4, 6, 7] -> "2, 4, 6 and 7"; digits=2: "01–03 and 05"."""
    runs: list[list[int]] = []
    for x in sorted(x for x in ns if x is not None):
        if runs and x == runs[-1][-1] + 1:
            runs[-1].append(x)
        else:
            runs.append([x])
    f = lambda x: f"{x:0{digits}d}"  # noqa: E731
    out = [f"{f(r[0])}–{f(r[-1])}" if len(r) > 2 else f(x)
           for r in runs for x in (r if len(r) <= 2 else r[:1])]
    return ", ".join(out[:-1]) + f" and {out[-1]}" if len(out) > 1 else (out[0] if out else "")


PLANS = {  # key: (title, limit in minutes, lunch, welcome minutes, wrap-up minutes)
    "half_day": ("Half day (about 3½ hours)", HALF_DAY_LIMIT, False, 20, 10),
    "full_day": ("Full day", FULL_DAY_LIMIT, True, 20, 15),
}


def plan(books: list[Book], key: str) -> list[Block]:
    """The blocks of one plan: each notebook's choice, then its `if_time` sections, in notebook
    order, each taken if the whole day still fits the plan's limit."""
    blocks = [Block(b, c) for b in books if (c := plan_choice(b.block, key)) is not None]
    for block in blocks:
        for title in block.optional:
            block.added.append(title)
            if _schedule(plan_rows(blocks, key), PLANS[key][2])[1] > PLANS[key][1]:
                block.added.pop()
    return blocks


def plans(paths: list[Path] | None = None) -> dict[str, list[tuple[Book, list[str], list[int]]]]:
    """For each plan, (notebook, sections it runs, exercises it sets): the skip paths to check."""
    bs = books(paths)
    return {key: [(b.book, b.sections(), b.exercises) for b in plan(bs, key)] for key in PLAN_KEYS}


def _cpu(b: Book) -> str:
    if b.seconds is None:
        return "—"
    return f"{fmt_s(b.seconds)} (up to {fmt_s(b.seconds * SLOW_LAPTOP)} on a laptop {SLOW_LAPTOP:g}× slower)"


def plan_rows(blocks: list[Block], key: str) -> list[tuple[str, str, int, str]]:
    _, _, _, welcome, wrap = PLANS[key]
    start = [("Welcome; pre-flight check; student copies open", "`python workshop/preflight.py` on "
              "every laptop (it was sent the week before); Colab for those it sends there", welcome, "")]
    rows = [(f"[{_cell(b.book.short_title)}](#{_gh_anchor(b.book.title)})", b.what(), b.minutes(),
             _cpu(b.book)) for b in blocks]
    end = [("Wrap-up", "questions, the errata index, where to go next", wrap, "")]
    return start + rows + end


def render_overview(books: list[Book]) -> str:
    lines = ["| notebook | walkthrough (estimate) | exercises | CPU time (reference) | peak MiB | errata "
             "| student copy |", "|---|---:|---:|---:|---:|---:|---|"]
    for b in books:
        time_ = fmt_s(b.seconds) + ("" if b.fresh else " (stale)") if b.entry else "not timed yet"
        peak = f"{b.entry['peak_mib']:,}" if b.entry else "—"
        ex = student.exercises(b.nb)
        ex_min = sum(b.exercise_minutes(k) for k, _ in ex)
        lines.append(f"| [{_cell(b.title)}](#{_gh_anchor(b.title)}) | {fmt_min(b.walkthrough())} | "
                     f"{len(ex)} ({ex_min} min) | {time_} | {peak} | {len(b.errata)} | "
                     f"[{b.name}]({_link(b.name, folder='../notebooks/student')}) |")
    total = sum(b.seconds or 0 for b in books)
    ex_total = sum(b.exercise_minutes(k) for b in books for k, _ in student.exercises(b.nb))
    lines.append(f"| **all {len(books)}** | **{fmt_min(sum(b.walkthrough() for b in books))}** | "
                 f"{sum(len(student.exercises(b.nb)) for b in books)} ({fmt_min(ex_total)}) | "
                 f"**{fmt_s(total)}** | | {sum(len(b.errata) for b in books)} | |")
    timed = sorted({(b.entry["date"], b.entry["machine"]) for b in books if b.entry})
    where = "; ".join(f"{d} on {m}" for d, m in timed) or "not timed yet"
    r = minutes.RATES
    return "\n".join(lines) + (
        f"\n\n*Walkthrough*: the minutes to teach the notebook from its content, without exercises or "
        f"questions ({r['prose_wpm']} words of prose a minute, {r['code_lines_per_min']} lines of taught "
        f"code a minute, {r['per_code_cell']:g} min per code cell, {r['per_figure']:g} min per figure; "
        f"see \"Where the minutes come from\" below). *CPU time*: the runner's (`bash ci/run.sh`), a "
        f"fresh kernel per notebook, CPU only: {where}.")


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
    for k, (block, what, mins, cpu) in enumerate(blocks):
        if k and not lunched and t >= 12 * 60:
            rows.append(f"| {clock(t)} | **lunch** | | | |")
            t, since_break, lunched = t + 60, 0, True
        elif k and since_break >= 90 and k < len(blocks) - 1:  # no break just before the wrap-up
            rows.append(f"| {clock(t)} | *break* | | | |")
            t, since_break = t + 15, 0
        rows.append(f"| {clock(t)} | {block} | {_cell(what)} | {mins} min | {cpu} |")
        t, since_break = t + mins, since_break + mins
    rows.append(f"| {clock(t)} | end | | | |")
    return "\n".join(rows), t - 9 * 60


def render_plans(books: list[Book]) -> str:
    out = []
    for key in PLAN_KEYS:
        name, limit, lunch, _, _ = PLANS[key]
        blocks = plan(books, key)
        table, total = _schedule(plan_rows(blocks, key), lunch)
        left = [b.name[:2] for b in books if plan_choice(b.block, key) is None]
        content = sum(b.minutes() for b in blocks)
        out += [f"#### {name}", "",
                "| time | block | what | minutes | computing, whole notebook (reference; a slow laptop) |",
                "|---|---|---|---:|---|", table, "",
                f"{total // 60} h {total % 60:02d} min with breaks, {content} min of it in the notebooks"
                + (f"; left out: notebook{'s' if len(left) > 1 else ''} {_numbers([int(x) for x in left], 2)}"
                   " (for self-study)" if left else "")
                + (f". **Over the {fmt_min(limit)} limit: take out a section or an exercise.**"
                   if total > limit else "."), ""]
    return "\n".join(out).rstrip()


def slow_cell_purpose(nb: dict, i: int) -> str:
    """What a code cell does, in a few words: from its first comment, or what its code does, and
    the first sentence of the text above it."""
    cells = nb["cells"]
    cell = cells[i]
    text = student.src(cell).lstrip()
    first_code = next((j for j, c in enumerate(cells) if c["cell_type"] == "code"), None)
    if i == first_code:
        return "the setup cell (importing PyTorch takes most of it)"
    if m := re.match(r"# @title Solution (\d+)", text):
        return f"the worked solution of exercise {m.group(1)}"
    if m := re.match(r"#\s*extra code\s*[–—-]\s*(.+)", text):
        return m.group(1).strip().rstrip(".:")
    if re.search(r"\.backward\(|\boptim\.|\btrain\w*\(|\bfit\w*\(", text):
        kind = "training"
    elif re.search(r"perf_counter|timeit|best_ms|best_of|latency|benchmark", text):
        kind = "timing measurements"
    elif re.search(r"FashionMNIST\(|data_file\(|\.read_csv\(", text):
        kind = "loading data"
    elif re.search(r"\bplt\.|imshow|subplots", text):
        kind = "a figure"
    else:
        kind = "computing"
    section = student.section_of(nb)[i]
    above = next((student.src(cells[j]) for j in range(i - 1, -1, -1)
                  if cells[j]["cell_type"] == "markdown" and student.section_of(nb)[j] == section), "")
    above = "\n".join(ln for ln in above.splitlines() if not ln.startswith("#")).strip()
    sentence = re.split(r"(?<=[.!?])\s", re.sub(r"[*`]|\]\([^)]*\)|\[", "", above), maxsplit=1)[0]
    sentence = " ".join(sentence.split())
    if len(sentence) > 70:
        sentence = sentence[:70].rsplit(" ", 1)[0] + " …"
    return kind + (f" (under “{sentence.rstrip('.:')}”)" if sentence else "")


def _slow_cell_index(nb: dict, record: dict) -> int | None:
    """The cell a timings record names: by its place among the code cells (markdown cells may have
    been added since the run; the code has not, or the timings would be stale)."""
    code = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"]
    if isinstance(record.get("code_cell"), int) and record["code_cell"] < len(code):
        return code[record["code_cell"]]
    i = record.get("cell")
    if isinstance(i, int) and i < len(nb["cells"]) and nb["cells"][i]["cell_type"] == "code":
        return i
    return None


def render_book(b: Book) -> str:
    block = b.block or {}
    out = [f"### {b.title}", ""]
    peak = f", peak {b.entry['peak_mib']:,} MiB" if b.entry else ""
    copy = _link(b.name, folder="../notebooks/student")
    out += [f"[Full notebook]({_link(b.name)}) · [student copy]({copy}) · walkthrough about "
            f"{fmt_min(b.walkthrough())} before exercises"
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
    timed, catch_up = b.section_seconds(), b.catch_up_seconds()
    total = sum(timed.values()) or None
    out += ["**Sections**: the walkthrough estimate, the runner's CPU time, and what *Catching up?* "
            "(Run → Run All Above Selected Cell from the heading) re-runs on the reference machine",
            "", "| section | walkthrough | as a demo | CPU time | share | catching up re-runs |",
            "|---|---:|---:|---:|---:|---:|"]
    for title, _ in student.sections(b.nb):
        sec, c = timed.get(title), b.content[title]
        share = f"{sec / total:.0%}" if sec is not None and total else ""
        link = f"[{_cell(title)}]({_link(b.name, title)})" if title != nbread.SETUP_SECTION else title
        closing = minutes.is_closing(title)
        walk = "—" if closing else f"{c.minutes():.0f} min"
        demo = "" if closing or minutes.is_always(title) else f"{c.demo_minutes():.0f} min"
        up = fmt_s(catch_up.get(title)) if title in catch_up and title != nbread.SETUP_SECTION else ""
        out.append(f"| {link} | {walk} | {demo} | {fmt_s(sec)} | {share} | {up} |")
    out.append("")
    plans_here = [(PLANS[k][0].split(" (")[0], Block(b, c).what()) for k in PLAN_KEYS
                  if (c := plan_choice(b.block, k)) is not None]
    if plans_here:
        out += ["**In the plans**: " + "; ".join(f"{name.lower()}: {what}" for name, what in plans_here)
                + " (the plans above may add sections when the day has room).", ""]
    if b.fresh and b.entry.get("slowest_cells"):
        where = lambda t: f"§{t.split('.')[0]}, " if t[:1].isdigit() else ""  # noqa: E731
        cells = "; ".join(f"{where(c['section'])}{slow_cell_purpose(b.nb, i)}: {fmt_s(c['seconds'])}"
                          for c in b.entry["slowest_cells"] if (i := _slow_cell_index(b.nb, c)) is not None)
        out += [f"**Slowest cells** (start them, then talk): {cells}.", ""]
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
