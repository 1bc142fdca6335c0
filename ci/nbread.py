"""Reading the notebooks: cells, sections, headings, exercises (shared by ci/errata.py, the
contributor checks and the workshop kit in workshop/)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
SOLUTIONS_HEADING = re.compile(r"^## \d+\. Solutions\b", re.M)
EXERCISES_HEADING = re.compile(r"^## \d+\. Exercises\b", re.M)
SETUP_SECTION = "(title and setup)"


def discover(folder: Path = NOTEBOOKS) -> list[Path]:
    return sorted(folder.glob("[0-9][0-9]_*.ipynb"))


def load(path: Path) -> dict:
    import nbformat

    return nbformat.read(path, as_version=4)


def dumps(nb: dict) -> str:
    import nbformat

    text = nbformat.writes(nbformat.from_dict(nb))
    return text if text.endswith("\n") else text + "\n"


def rel(path: Path) -> str:
    """path relative to the repository when it is inside it (messages)."""
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def src(cell: dict) -> str:
    s = cell.get("source", "")
    return s if isinstance(s, str) else "".join(s)


def tags(cell: dict) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def headings(cell: dict, level: int = 2) -> list[str]:
    """The texts of the markdown headings of one level in a cell (`## 2. Title` -> `2. Title`)."""
    if cell.get("cell_type") != "markdown":
        return []
    mark = "#" * level + " "
    return [line[len(mark):].strip() for line in src(cell).splitlines() if line.startswith(mark)]


def sections(nb: dict) -> list[tuple[str, list[int]]]:
    """The notebook's `## ` sections in order, each with the indices of its cells; the cells
    before the first heading form the section "(title and setup)"."""
    out: list[tuple[str, list[int]]] = [(SETUP_SECTION, [])]
    for i, cell in enumerate(nb["cells"]):
        for title in headings(cell):
            out.append((title, []))
        out[-1][1].append(i)
    return [s for s in out if s[1] or s[0] != SETUP_SECTION]


def section_of(nb: dict) -> list[str]:
    """For each cell, the title of the `## ` section it belongs to."""
    titles = []
    for title, cells in sections(nb):
        titles += [title] * len(cells)
    return titles


def section_number(title: str) -> int | None:
    """`5. A plain CNN (…)` -> 5; the setup part and unnumbered headings -> None."""
    m = re.match(r"(\d+)\.\s", title)
    return int(m.group(1)) if m else None


def anchor(heading: str) -> str:
    """The link fragment JupyterLab, nbviewer and Colab give a heading: its text, spaces -> '-'."""
    from urllib.parse import quote

    text = re.sub(r"[`*]", "", heading).strip().replace(" ", "-")
    return quote(text, safe="-._~")


def solutions_start(nb: dict) -> int | None:
    """Index of the cell holding the `## N. Solutions` heading, or None."""
    for i, cell in enumerate(nb["cells"]):
        if cell.get("cell_type") == "markdown" and SOLUTIONS_HEADING.search(src(cell)):
            return i
    return None


def exercises(nb: dict) -> list[tuple[int, str]]:
    """The numbered exercises of the `## N. Exercises` section: (number, short title)."""
    found, inside = [], False
    for cell in nb["cells"]:
        text = src(cell) if cell.get("cell_type") == "markdown" else ""
        if headings(cell):
            inside = bool(EXERCISES_HEADING.search(text))
        if not inside:
            continue
        for m in re.finditer(r"^(\d+)\.\s+(.+)$", text, re.M):
            title = re.match(r"\*\*(.+?)\*\*", m.group(2))
            short = title.group(1).rstrip(".") if title else " ".join(m.group(2).split()[:10])
            found.append((int(m.group(1)), short))
    return found
