"""Write docs/claims.md, the claims ledger, from docs/claims.yml, and check the ledger against the
notebooks and the source article.

The ledger lists every code listing and every substantive claim of the source article: its words in
Chinese, a translation, the notebook section that runs or checks it, and the verdict (holds / holds
with a caveat / wrong, with the erratum / not checked). docs/claims.yml is the source; the notebook
headings it links to are named in one place, its `notebook_sections` map.

    python ci/claims.py            # write docs/claims.md
    python ci/claims.py --check    # exit 1 if docs/claims.md is stale or the ledger is out of sync

The checks (also run by tests/test_claims.py): every section the ledger names exists in its notebook;
every `wrong` verdict points at an `> **Erratum.**` note of that section, and every erratum of the
notebooks is cited by the ledger; and, where the article's text is found (shared/source-article.zh.txt
in the repository or a folder above it, or the file named by $CONV_ARTICLE; it is not part of the
repository), that it is the version the ledger was written from, that every quote is an exact
substring of it, that the entries follow its order and that every code listing in it is in the ledger.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import sys
from pathlib import Path

import errata
import nbread as student  # notebook reading (shared with ci/errata.py)

ROOT = student.ROOT
SOURCE = ROOT / "docs" / "claims.yml"
OUT = ROOT / "docs" / "claims.md"
ARTICLE_NAME = "source-article.zh.txt"
KINDS = ("listing", "claim")
VERDICTS = {"holds": "holds", "caveat": "holds with a caveat", "wrong": "wrong", "unchecked": "not checked"}
# Code in the article's running text (scraping put every listing on the same line as the prose): class
# and function definitions, imports, module constructors and calls of torch functions. Every match
# must lie inside a `listing` entry.
CODE = re.compile(r"class \w+\(nn\.Module\)|def \w+\(|\bimport torch|from torch\w* import|"
                  r"\bnn\.[A-Z]\w*\(|\bnn\.functional\.\w+\(|\btorch\.[a-z_]\w*\(|\bplt\.\w+\(")


# --- reading --------------------------------------------------------------------------------
def load(path: Path = SOURCE) -> dict:
    import yaml

    return yaml.safe_load(path.read_text(encoding="utf-8"))


def find_article() -> Path | None:
    """The article's text: $CONV_ARTICLE, or shared/source-article.zh.txt in the repository or above it."""
    if os.environ.get("CONV_ARTICLE"):
        return Path(os.environ["CONV_ARTICLE"])
    for folder in [ROOT, *ROOT.parents]:
        if (folder / "shared" / ARTICLE_NAME).is_file():
            return folder / "shared" / ARTICLE_NAME
    return None


def notebook_sections(path: Path) -> dict[str, list[int]]:
    """Every `##` and `###` heading of a notebook -> the indices of the cells of its section (up to
    the next heading of the same or a higher level)."""
    nb = student.load(path)
    marks = []  # (cell index, level, heading)
    for i, cell in enumerate(nb["cells"]):
        for level in (2, 3):
            marks += [(i, level, h) for h in student.headings(cell, level)]
    out: dict[str, list[int]] = {}
    for k, (i, level, heading) in enumerate(marks):
        end = next((j for j, lv, _ in marks[k + 1:] if lv <= level and j > i), len(nb["cells"]))
        out.setdefault(heading, list(range(i, max(end, i + 1))))
    return out


def erratum_notes(path: Path, cells: list[int]) -> list[str]:
    nb = student.load(path)
    return [note for i in cells if nb["cells"][i]["cell_type"] == "markdown"
            for note in errata.notes(student.src(nb["cells"][i]))]


# --- checks ---------------------------------------------------------------------------------
def structure_problems(ledger: dict) -> list[str]:
    """The YAML itself: fields, kinds, verdicts, ids, keys."""
    out = []
    sections, places = ledger.get("article_sections", {}), ledger.get("notebook_sections", {})
    seen = set()
    for e in ledger.get("entries", []):
        tag = e.get("id", "?")
        if tag in seen:
            out.append(f"{tag}: duplicate id")
        seen.add(tag)
        missing = [f for f in ("id", "kind", "section", "zh", "en", "where", "verdict", "note") if f not in e]
        if missing:
            out.append(f"{tag}: missing {', '.join(missing)}")
            continue
        if e["kind"] not in KINDS:
            out.append(f"{tag}: kind {e['kind']!r} is not one of {KINDS}")
        if not re.fullmatch(r"L\d\d" if e["kind"] == "listing" else r"C\d\d", tag):
            out.append(f"{tag}: ids are L01… for listings and C01… for claims")
        if e["verdict"] not in VERDICTS:
            out.append(f"{tag}: verdict {e['verdict']!r} is not one of {list(VERDICTS)}")
        if e["section"] not in sections:
            out.append(f"{tag}: article section {e['section']!r} is not in article_sections")
        for key in e["where"]:
            if key not in places:
                out.append(f"{tag}: notebook section {key!r} is not in notebook_sections")
        if (e["verdict"] == "unchecked") != (not e["where"]):
            out.append(f"{tag}: 'where' is empty exactly when the verdict is 'unchecked'")
        if (e["verdict"] == "wrong") != bool(e.get("erratum")):
            out.append(f"{tag}: 'erratum' is given exactly when the verdict is 'wrong'")
        if "zh_end" in e and e["kind"] != "listing":
            out.append(f"{tag}: only listings have zh_end")
    return out


def notebook_problems(ledger: dict, folder: Path = student.NOTEBOOKS) -> list[str]:
    """Headings that do not exist, `wrong` verdicts without their erratum, errata the ledger misses."""
    out, cache = [], {}
    places = ledger["notebook_sections"]

    def section(key):
        name, heading = places[key]
        if name not in cache:
            path = folder / name
            cache[name] = notebook_sections(path) if path.is_file() else None
        found = cache[name]
        if found is None:
            return None, f"notebook_sections[{key!r}]: notebook {name} does not exist"
        if heading not in found:
            near = [h for h in found if h.split(" ")[0] == heading.split(" ")[0]]
            return None, (f"notebook_sections[{key!r}]: {name} has no heading {heading!r}"
                          + (f" (same number: {near[0]!r})" if near and near[0][0].isdigit() else "")
                          + ": re-point it in docs/claims.yml")
        return found[heading], None

    for key in places:
        _, problem = section(key)
        if problem:
            out.append(problem)
    cited = set()
    for e in ledger["entries"]:
        if e.get("verdict") != "wrong":
            continue
        notes = []
        for key in e["where"]:
            cells, _ = section(key)
            if cells is not None:
                notes += [(places[key][0], n) for n in erratum_notes(folder / places[key][0], cells)]
        if not notes:
            out.append(f"{e['id']}: verdict 'wrong' but no '> **Erratum.**' note in {', '.join(e['where'])}")
            continue
        for phrase in e["erratum"]:
            hits = [(name, n) for name, n in notes if phrase in n]
            if not hits:
                out.append(f"{e['id']}: no Erratum note in {', '.join(e['where'])} contains {phrase!r}")
            cited |= set(hits)
    for path in student.discover(folder):
        for note in erratum_notes(path, list(range(len(student.load(path)["cells"])))):
            if (path.name, note) not in cited:
                out.append(f"{path.name}: the erratum {note[:90]!r}… is cited by no 'wrong' entry "
                           "of the ledger")
    return out


def code_spans(text: str) -> list[tuple[int, str]]:
    """(position, what) of every piece of code in the article's text."""
    return [(m.start(), m.group()) for m in CODE.finditer(text)]


def listing_span(text: str, e: dict) -> tuple[int, int] | None:
    start = text.find(e["zh"])
    if start < 0:
        return None
    if "zh_end" not in e:
        return start, start + len(e["zh"])
    end = text.find(e["zh_end"], start)
    return (start, end + len(e["zh_end"])) if end >= 0 else None


def article_problems(ledger: dict, text: str) -> list[str]:
    """Quotes not in the article, entries out of its order, listings the ledger misses."""
    out = []
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if digest != ledger.get("article_sha256"):
        out.append(f"the article's sha256 is {digest}, the ledger was written from "
                   f"{ledger.get('article_sha256')}")
    for key, sec in ledger["article_sections"].items():
        if text.count(sec["zh"]) != 1:
            out.append(f"article_sections[{key!r}]: {sec['zh']!r} occurs {text.count(sec['zh'])} times "
                       "in the article")
    positions = []
    for e in ledger["entries"]:
        for field in ("zh", "zh_end"):
            if field in e and e[field] not in text:
                out.append(f"{e['id']}: {field} {e[field]!r} is not an exact substring of the article")
        if e["zh"] in text:
            positions.append((text.find(e["zh"]), e["id"], e["section"]))
            if text.count(e["zh"]) > 1:
                out.append(f"{e['id']}: {e['zh']!r} occurs {text.count(e['zh'])} times: quote more of it")
    order = [tag for _, tag, _ in sorted(positions)]
    if order != [tag for _, tag, _ in positions]:
        out.append("the entries are not in the article's order; in that order: " + ", ".join(order))
    starts = sorted((text.find(sec["zh"]), key) for key, sec in ledger["article_sections"].items())
    for pos, tag, sec in positions:
        inside = [key for s, key in starts if s <= pos]
        if inside and inside[-1] != sec:
            out.append(f"{tag}: quoted from article section {inside[-1]!r}, filed under {sec!r}")
    spans = [(e["id"], listing_span(text, e)) for e in ledger["entries"] if e["kind"] == "listing"]
    for tag, span in spans:
        if span is None:
            out.append(f"{tag}: the listing's text (zh … zh_end) is not found in the article")
    for pos, _ in code_spans(text):
        if not any(span and span[0] <= pos < span[1] for _, span in spans):
            out.append(f"code at character {pos} of the article ({text[pos:pos + 60]!r}) is in no "
                       "listing entry")
    return out


def all_problems(ledger: dict, article: Path | None = None) -> list[str]:
    problems = structure_problems(ledger)
    if problems:
        return problems
    problems += notebook_problems(ledger)
    if article is not None:
        problems += article_problems(ledger, article.read_text(encoding="utf-8"))
    return problems


# --- rendering ------------------------------------------------------------------------------
def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").strip()


def link(place: list[str], prefix: str = "../notebooks/") -> str:
    name, heading = place
    short = errata.short_heading(heading)
    text = f"{name[:2]} §{short}" if re.match(r"\d", short) else f"{name[:2]} › {short}"
    return f"[{text}]({prefix}{name}#{student.anchor(heading)})"


def quote(e: dict) -> str:
    if e["kind"] == "listing":
        return f"`{e['zh']}` … `{e['zh_end']}`" if "zh_end" in e else f"`{e['zh']}`"
    return e["zh"]


def render(ledger: dict) -> str:
    entries, places = ledger["entries"], ledger["notebook_sections"]
    counts = {kind: {v: sum(e["kind"] == kind and e["verdict"] == v for e in entries) for v in VERDICTS}
              for kind in KINDS}
    n = {kind: sum(counts[kind].values()) for kind in KINDS}
    lines = [
        "# The article's claims, checked (文章论断核对表)",
        "",
        "<!-- generated by python ci/claims.py from docs/claims.yml: do not edit by hand -->",
        "",
        "Every code listing and every substantive claim or recommendation of the source article, "
        "in the article's order: its words in Chinese as scraped (the scraping lost `=`, `+`, quotes "
        "and `->`; the translations put them back), the notebook section that runs or checks it, and "
        "the verdict. A wrong one links to the notebook section whose **Erratum** note says what is "
        "true (all of them are also in the [errata index](../README.md#errata-index-文章勘误索引)).",
        "",
        f"**{n['listing']} listings and {n['claim']} claims.**",
        "",
        "| | " + " | ".join(VERDICTS.values()) + " | total |",
        "|---|" + "---:|" * (len(VERDICTS) + 1),
    ]
    for kind in KINDS:
        lines.append(f"| {kind}s | " + " | ".join(str(counts[kind][v]) for v in VERDICTS) + f" | {n[kind]} |")
    lines.append("| all | " + " | ".join(str(sum(counts[k][v] for k in KINDS)) for v in VERDICTS)
                 + f" | {sum(n.values())} |")
    todo = [e for e in entries if e["verdict"] == "unchecked"]
    if todo:
        lines += ["", "Not checked by any notebook: "
                  + "; ".join(f"{e['id']} ({e['zh']})" for e in todo) + "."]
    lines += ["", "Article sections: " + " · ".join(
        f"[{sec['zh']}](#{key})" for key, sec in ledger["article_sections"].items()), ""]
    for key, sec in ledger["article_sections"].items():
        rows = [e for e in entries if e["section"] == key]
        if not rows:
            continue
        lines += [f'<a id="{key}"></a>', "", f"## {sec['zh']} — {sec['en']}", "",
                  "| # | the article | in English | verdict | what the notebooks show | where |",
                  "|---|---|---|---|---|---|"]
        for e in rows:
            where = ", ".join(link(places[k]) for k in e["where"]) or "–"
            verdict = VERDICTS[e["verdict"]]
            if e["verdict"] == "wrong":  # the erratum sits in the first section named
                verdict = f"**{verdict}** ([erratum]({link(places[e['where'][0]]).split('](', 1)[1]})"
            lines.append(f"| {e['id']} | {_cell(quote(e))} | {_cell(e['en'])} | {verdict} "
                         f"| {_cell(e['note'])} | {_cell(where)} |")
        lines.append("")
    return "\n".join(lines)


def write(ledger: dict, out: Path = OUT, check: bool = False) -> bool:
    """Write (or, with check, compare) docs/claims.md; True when it was already up to date."""
    text = render(ledger) + "\n"
    fresh = out.is_file() and out.read_text(encoding="utf-8") == text
    if not fresh and not check:
        out.write_text(text, encoding="utf-8")
    return fresh


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only compare and check; exit 1 if anything is off")
    args = ap.parse_args(argv)
    ledger = load()
    article = find_article()
    problems = all_problems(ledger, article)
    for p in problems:
        print(f"PROBLEM: {p}", file=sys.stderr)
    if structure_problems(ledger):
        return 1
    fresh = write(ledger, check=args.check)
    if args.check and not fresh:
        print("STALE: docs/claims.md differs from docs/claims.yml (run: python ci/claims.py)",
              file=sys.stderr)
    n = len(ledger["entries"])
    state = "up to date" if fresh else "stale" if args.check else "written"
    print(f"claims ledger: {n} entries, docs/claims.md {state}"
          f"; article {'checked' if article else 'not found (quotes and listings not checked)'}"
          f"; {len(problems)} problem(s)")
    return 1 if problems or (args.check and not fresh) else 0


if __name__ == "__main__":
    sys.exit(main())
