"""Put the worked solutions of every notebook behind a spoiler boundary (idempotent).

The Solutions section of a full notebook sits right under the exercises. This script makes it a
boundary a reader sees before any answer, and that hides the answers where the reader's tool can:

- the `## N. Solutions (答案)` heading cell gets a spoiler note under the heading (what follows, and
  how to open it); on GitHub and nbviewer, which show everything, the note is the boundary;
- JupyterLab (3.x and 4.x) and Jupyter Notebook 7 open the section collapsed, prose, code and
  outputs alike: the heading cell carries `"jp-MarkdownHeadingCollapsed": true`, which their
  MarkdownCell reads when the notebook is loaded (@jupyterlab/cells, widget.ts), and shows
  "N cells hidden" under the heading;
- Colab opens the section collapsed: the notebook's `metadata.colab.collapsed_sections` lists the
  heading cell's id (the cell's `metadata.id`, set to its nbformat id), the form in which Colab saves
  a collapsed section (googlecolab/colabtools#438). Not tried in Colab from here;
- the solution code cells stay collapsed in both (`source_hidden`, `cellView: form`, CONTRIBUTING);
- the Exercises cell's last paragraph says where the solutions are and how they are hidden.

Outputs are not touched: run it on executed notebooks, nothing needs re-running (nbval compares
outputs only). The student copies (workshop/student.py) drop the note and the collapse again.

    python ci/spoilers.py            # apply to notebooks/NN_*.ipynb
    python ci/spoilers.py --check    # exit 1 if a notebook lacks the boundary
"""

from __future__ import annotations

import argparse
import re
import sys

import nbread

COLLAPSED = "jp-MarkdownHeadingCollapsed"
NOTE_MARK = "> **Spoiler: worked solutions below.**"
NOTE = (NOTE_MARK + " Try each exercise first: the student copy (`notebooks/student/`) has\n"
        "> an empty cell for your answer. This section opens collapsed in JupyterLab (click the arrow\n"
        "> left of this heading, or \"cells hidden\") and in Colab (the arrow left of the heading);\n"
        "> each solution's code is folded as well (in Colab: \"Show code\").")
EXERCISES_NOTE = ("The worked solutions are in the next section, behind a spoiler warning: it opens "
                  "collapsed\nin JupyterLab and Colab. Try each exercise first.")
# the Exercises cell's last paragraph: this script's note, or the one it replaces
OLD_EXERCISES_NOTE = re.compile(r"\n*(?:Solutions are in the next section, collapsed:|"
                                r"The worked solutions are in the next section, behind a spoiler).*\Z", re.S)
NOTE_BLOCK = re.compile(r"\n*" + re.escape(NOTE_MARK) + r".*?(?=\n\n|\Z)", re.S)


def heading_cell(nb: dict) -> dict | None:
    start = nbread.solutions_start(nb)
    return None if start is None else nb["cells"][start]


def exercises_cell(nb: dict) -> dict | None:
    return next((c for c in nb["cells"] if c.get("cell_type") == "markdown"
                 and nbread.EXERCISES_HEADING.search(nbread.src(c))), None)


def apply(nb: dict) -> dict:
    """The notebook with its spoiler boundary (changed in place and returned)."""
    cell = heading_cell(nb)
    if cell is None:
        return nb
    text = NOTE_BLOCK.sub("", nbread.src(cell)).rstrip()
    heading = next(ln for ln in text.splitlines() if nbread.SOLUTIONS_HEADING.match(ln))
    rest = text.split(heading, 1)[1].strip()
    cell["source"] = f"{heading}\n\n{NOTE}" + (f"\n\n{rest}" if rest else "")
    cell["metadata"][COLLAPSED] = True
    cell_id = cell.get("id") or "solutions-heading"
    cell["metadata"]["id"] = cell_id
    colab = nb["metadata"].setdefault("colab", {})
    sections = list(colab.get("collapsed_sections") or [])
    colab["collapsed_sections"] = sections + ([cell_id] if cell_id not in sections else [])
    ex = exercises_cell(nb)
    if ex is not None:
        ex["source"] = OLD_EXERCISES_NOTE.sub("", nbread.src(ex).rstrip()) + "\n\n" + EXERCISES_NOTE
    return nb


def remove(nb: dict) -> dict:
    """The boundary taken out again (the student copies: their answers are empty cells)."""
    cell = heading_cell(nb)
    if cell is not None:
        cell["source"] = NOTE_BLOCK.sub("", nbread.src(cell)).rstrip()
        cell["metadata"].pop(COLLAPSED, None)
        if cell["metadata"].get("id") == cell.get("id", "solutions-heading"):
            cell["metadata"].pop("id")
    colab = nb.get("metadata", {}).get("colab")
    if isinstance(colab, dict):
        colab.pop("collapsed_sections", None)
        if not colab:
            nb["metadata"].pop("colab")
    return nb


def problems(nb: dict) -> list[str]:
    """What is missing of the boundary, as messages."""
    cell = heading_cell(nb)
    if cell is None:
        return ["no `## N. Solutions` heading"]
    out = []
    if NOTE_MARK not in nbread.src(cell):
        out.append("the Solutions heading has no spoiler note")
    if cell["metadata"].get(COLLAPSED) is not True:
        out.append(f"the Solutions heading lacks \"{COLLAPSED}\": true (JupyterLab)")
    cell_id = cell["metadata"].get("id")
    if not cell_id or cell_id not in nb["metadata"].get("colab", {}).get("collapsed_sections", []):
        out.append("metadata.colab.collapsed_sections does not list the Solutions heading (Colab)")
    ex = exercises_cell(nb)
    if ex is not None and not nbread.src(ex).rstrip().endswith(EXERCISES_NOTE):
        out.append("the Exercises cell does not end with the note on where the solutions are")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only check; exit 1 if a boundary is missing")
    ap.add_argument("notebooks", nargs="*", help="default: notebooks/NN_*.ipynb")
    args = ap.parse_args(argv)
    from pathlib import Path

    paths = [Path(p) for p in args.notebooks] or nbread.discover()
    status = 0
    for path in paths:
        nb = nbread.load(path)
        if args.check:
            for p in problems(nb):
                print(f"{path.name}: {p} (run: python ci/spoilers.py)", file=sys.stderr)
                status = 1
            continue
        text = nbread.dumps(apply(nb))
        if text != path.read_text(encoding="utf-8"):
            path.write_text(text, encoding="utf-8")
            print(f"{path.name}: spoiler boundary written")
        else:
            print(f"{path.name}: up to date")
    return status


if __name__ == "__main__":
    sys.exit(main())
