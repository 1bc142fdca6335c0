"""The *Catching up?* line under each section heading (CONTRIBUTING.md: workshop skip paths).

A participant who skipped or missed a section catches up with Run → Run All Above Selected Cell;
the line under each `## ` heading (but Summary, Exercises and Solutions) says what that re-runs,
without seconds (the workshop guide gives the cost from the runner's timings).

    python ci/catch_up.py --check    # list the sections without the line (exit 1 if any)
    python ci/catch_up.py            # write the lines of LINES below (idempotent)

LINES holds the lines for the notebooks whose authors did not write their own (01 and 03, on
2026-12-02); a notebook's author writes the line in the heading cell directly. Only Markdown
changes: nothing needs re-running.
"""

from __future__ import annotations

import argparse
import re
import sys

import nbread

MARK = "*Catching up?*"
RUN_ALL_ABOVE = f"{MARK} Run → Run All Above Selected Cell"
NO_LINE = ("Summary", "Exercises", "Solutions")
LINES = {  # notebook number: {a piece of the section heading: what Run All Above re-runs}
    "01": {
        "Shapes and the output length": "the setup and data cells only",
        "Conv1d by hand": "§1's shape checks; nothing is trained",
        "JapaneseVowels": "§1–2, shape checks and the hand-written convolution; nothing is trained",
        "StockPredictor": "§1–3, including the JapaneseVowels training of §3",
        "Forecasting real series": "§1–4, including the JapaneseVowels training of §3",
    },
    "03": {
        "Shapes and memory": "the setup cells only",
        "A real clip": "§1's shape and memory checks; nothing is trained",
        "ActionRecognizer": "§1–2, shape checks and the hand-made kernels on the clip; nothing is trained",
        "Motion that 2D cannot see": "§1–3; nothing is trained before this section",
        "seeing time": "§1–4, including the four training runs of §4",
    },
}


def line_for(what: str) -> str:
    return f"{RUN_ALL_ABOVE} (it re-runs {what})."


def missing(nb: dict) -> list[str]:
    """The `## ` headings that should carry the line and do not (in their cell or the next)."""
    out, cells = [], nb["cells"]
    for i, cell in enumerate(cells):
        for title in nbread.headings(cell):
            if any(word in title for word in NO_LINE):
                continue
            text = nbread.src(cell).split(title, 1)[1]
            nxt = cells[i + 1] if i + 1 < len(cells) else None
            if nxt is not None and nxt["cell_type"] == "markdown" and not nbread.src(nxt).startswith("#"):
                text += "\n" + nbread.src(nxt)
            if not re.search(r"^" + re.escape(MARK), text, re.M):
                out.append(title)
    return out


def apply(nb: dict, lines: dict[str, str]) -> list[str]:
    """Write the line under each heading that `lines` names (a piece of the heading -> what it
    re-runs), replacing an earlier line there; returns the headings written."""
    done = []
    for cell in nb["cells"]:
        for title in nbread.headings(cell):
            what = next((w for piece, w in lines.items() if piece.lower() in title.lower()), None)
            if what is None:
                continue
            text = nbread.src(cell)
            head, _, rest = text.partition(f"## {title}")
            body = re.sub(r"\A\s*" + re.escape(MARK) + r".*(?:\n|\Z)", "", rest.lstrip("\n"))
            cell["source"] = f"{head}## {title}\n\n{line_for(what)}" + (f"\n\n{body.lstrip()}" if body.strip()
                                                                          else "")
            done.append(title)
    return done


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only list the sections without the line")
    args = ap.parse_args(argv)
    status = 0
    for path in nbread.discover():
        nb = nbread.load(path)
        if not args.check and path.name[:2] in LINES:
            done = apply(nb, LINES[path.name[:2]])
            text = nbread.dumps(nb)
            if text != path.read_text(encoding="utf-8"):
                path.write_text(text, encoding="utf-8")
                print(f"{path.name}: catch-up lines under {len(done)} headings")
        for title in missing(nb):
            print(f"{path.name}: no catch-up line under '## {title}'", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
