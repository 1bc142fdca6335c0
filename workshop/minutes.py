"""How long a notebook takes to teach, estimated from its content (the workshop guide's minutes).

A walkthrough estimate: the instructor reads the prose aloud, reads the code that is taught, runs
every code cell and talks over every figure; no questions, no exercises (their minutes come from
docs/teaching/NN.yml). The rates are stated assumptions (docs/teaching.md says where they come
from and what was checked):

- prose: RATES["prose_wpm"] words a minute (Markdown cells; words = tokens with a letter or digit,
  link targets and HTML comments left out);
- code that is taught: RATES["code_lines_per_min"] non-blank lines a minute. Cells that are run but
  not read: the setup cell, `fetch-data` cells and `# extra code` cells (CONTRIBUTING.md: a reader
  may skip them);
- RATES["per_code_cell"] minutes per code cell (run it, look at its output);
- RATES["per_figure"] minutes per figure (a PNG, or an HTML image or animation).

A section shown as a *demo* (run, figures shown, nothing read aloud) counts its code cells and
figures only.

    python workshop/minutes.py          # the table per notebook and section
    python workshop/minutes.py --tts    # the prose read aloud by espeak-ng: counted words a minute

RATES["prose_wpm"] = 90: presentations are paced at 100-150 spoken words a minute (120 taken here),
and a notebook's counted words take more to say than plain English (numbers, formulas, identifiers):
`--tts` reads plain English and each notebook's Markdown with espeak-ng at its rate 120; on
2026-12-02 plain English came out at 134 words a minute and the notebooks at 96-108 counted words
a minute, so 120 spoken words a minute are about 120 x 101 / 134 = 90 counted words.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ci"))
import nbread  # noqa: E402

RATES = {"prose_wpm": 90, "code_lines_per_min": 20, "per_code_cell": 0.5, "per_figure": 1.0}
WORD = re.compile(r"[^\W_]", re.U)  # a token is a word when it holds a letter or a digit
RUN_ONLY_TAGS = {"fetch-data"}
RUN_ONLY_MARK = re.compile(r"^#\s*extra code\b", re.I)


@dataclass
class Content:
    words: int = 0
    code_lines: int = 0  # lines read aloud
    run_only_lines: int = 0
    code_cells: int = 0
    figures: int = 0
    cells: list[int] = field(default_factory=list)

    def minutes(self, rates: dict = RATES) -> float:
        """Walkthrough minutes: prose read, code read, every cell run, every figure discussed."""
        return (self.words / rates["prose_wpm"] + self.code_lines / rates["code_lines_per_min"]
                + self.demo_minutes(rates))

    def demo_minutes(self, rates: dict = RATES) -> float:
        """Minutes as a demo: the cells run and the figures shown, nothing read aloud."""
        return self.code_cells * rates["per_code_cell"] + self.figures * rates["per_figure"]


def prose_words(markdown: str) -> int:
    text = re.sub(r"<!--.*?-->", " ", markdown, flags=re.S)
    text = re.sub(r"\]\([^)]*\)", "] ", text)  # link targets are not read
    text = re.sub(r"!\[[^\]]*\]", " ", text)  # nor image alt texts
    return sum(1 for token in text.split() if WORD.search(token))


def figures(cell: dict) -> int:
    n = 0
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        html = data.get("text/html", "")
        html = html if isinstance(html, str) else "".join(html)
        n += "image/png" in data or bool(re.search(r"<(?:img|video)\b", html))
    return n


def run_only(cell: dict, first_code: bool) -> bool:
    """A code cell that is run but not read aloud: the setup, data fetching, extra code."""
    return (first_code or bool(RUN_ONLY_TAGS & set(nbread.tags(cell)))
            or bool(RUN_ONLY_MARK.match(nbread.src(cell).lstrip())))


def section_content(nb: dict) -> list[tuple[str, Content]]:
    """(section title, its content) for each `## ` section, "(title and setup)" first."""
    first_code = next((i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"), None)
    out = []
    for title, cells in nbread.sections(nb):
        c = Content(cells=list(cells))
        for i in cells:
            cell = nb["cells"][i]
            text = nbread.src(cell)
            if cell["cell_type"] == "markdown":
                c.words += prose_words(text)
            elif cell["cell_type"] == "code":
                lines = sum(1 for ln in text.splitlines() if ln.strip())
                c.code_cells += 1
                c.figures += figures(cell)
                if run_only(cell, i == first_code):
                    c.run_only_lines += lines
                else:
                    c.code_lines += lines
        out.append((title, c))
    return out


def is_closing(title: str) -> bool:
    """Exercises and Solutions: not part of a walkthrough (exercises have their own minutes)."""
    return bool(re.match(r"\d+\.\s+(Exercises|Solutions)\b", title))


def is_always(title: str) -> bool:
    """Parts every plan includes: the title and setup, and the Summary."""
    return title == nbread.SETUP_SECTION or bool(re.match(r"\d+\.\s+Summary\b", title))


def walkthrough_minutes(nb: dict, rates: dict = RATES) -> float:
    return sum(c.minutes(rates) for t, c in section_content(nb) if not is_closing(t))


PLAIN_ENGLISH = ("The quick brown fox jumps over the lazy dog and runs far away into the dark green "
                 "forest today. ") * 30


def speech_minutes(text: str, rate: int = 120) -> float:
    """Minutes espeak-ng (voice en-us, `rate` words a minute as it counts them) takes to say text."""
    import subprocess
    import tempfile
    import wave

    with tempfile.TemporaryDirectory() as tmp:
        src_txt, wav = Path(tmp) / "text.txt", Path(tmp) / "speech.wav"
        src_txt.write_text(text, encoding="utf-8")
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", str(rate), "-w", str(wav), "-f", str(src_txt)],
                       check=True, capture_output=True)
        with wave.open(str(wav)) as w:
            return w.getnframes() / w.getframerate() / 60


def spoken_prose(nb: dict) -> str:
    """A notebook's Markdown as it would be read: no link targets, no markup, no Chinese headings."""
    parts = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            t = re.sub(r"<!--.*?-->", " ", nbread.src(cell), flags=re.S)
            t = re.sub(r"\]\([^)]*\)", "] ", t)
            t = re.sub(r"[#*`|>\[\]_]", " ", t)
            parts.append(re.sub(r"[\u3000-\u9fff\uff00-\uffef]+", " ", t))
    return "\n\n".join(parts)


def tts_check() -> int:
    """Counted words a minute when espeak-ng reads each notebook's prose at its rate 120."""
    plain = len(PLAIN_ENGLISH.split()) / speech_minutes(PLAIN_ENGLISH)
    print(f"espeak-ng, voice en-us, rate 120: plain English {plain:.0f} words/min")
    for path in nbread.discover():
        nb = nbread.load(path)
        words = sum(prose_words(nbread.src(c)) for c in nb["cells"] if c["cell_type"] == "markdown")
        m = speech_minutes(spoken_prose(nb))
        print(f"{path.name}: {words:,} counted words in {m:.1f} min = {words / m:.0f} counted words/min; "
              f"at 120 spoken words/min: {120 * words / m / plain:.0f}")
    return 0


def main(argv: list[str] | None = None) -> int:
    if "--tts" in (sys.argv[1:] if argv is None else argv):
        return tts_check()
    r = RATES
    print(f"rates: prose {r['prose_wpm']} words/min, code {r['code_lines_per_min']} lines/min, "
          f"{r['per_code_cell']} min per code cell, {r['per_figure']} min per figure")
    for path in nbread.discover():
        nb = nbread.load(path)
        print(f"\n{path.name}: {walkthrough_minutes(nb):.0f} min before exercises")
        for title, c in section_content(nb):
            print(f"  {title[:60]:60s} {c.words:5d} words {c.code_lines:4d} lines read "
                  f"{c.code_cells:3d} cells {c.figures:2d} figures  {c.minutes():5.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
