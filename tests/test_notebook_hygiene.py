"""What every committed notebook must look like (DEVELOPERS.md, 'The standard')."""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CJK = re.compile(r"[\u4e00-\u9fff]")
ABSOLUTE_PATH = re.compile(r"(/(root|home|Users|tmp|work|content)/[\w.-]+|[A-Z]:\\\\Users)")


def load(nb: Path) -> dict:
    return json.loads(nb.read_text(encoding="utf-8"))


def code_cells(d: dict) -> list[dict]:
    return [c for c in d["cells"] if c["cell_type"] == "code"]


def src(cell: dict) -> str:
    return "".join(cell["source"])


def test_there_are_notebooks_numbered_in_order():
    assert NOTEBOOKS, "no notebooks in notebooks/"
    prefixes = [nb.name[:3] for nb in NOTEBOOKS]
    assert all(re.fullmatch(r"\d\d_", p) for p in prefixes), prefixes
    assert len(set(prefixes)) == len(prefixes), "two notebooks share a number"


@pytest.fixture(params=NOTEBOOKS, ids=[nb.name for nb in NOTEBOOKS])
def nb(request):
    return request.param


def test_executed_top_to_bottom(nb):
    counts = [c["execution_count"] for c in code_cells(load(nb)) if src(c).strip()]
    assert counts == list(range(1, len(counts) + 1)), "not one clean top-to-bottom run"


def test_no_error_or_stderr_outputs(nb):
    for i, c in enumerate(code_cells(load(nb))):
        for out in c.get("outputs", []):
            assert out["output_type"] != "error", f"code cell {i} has an error output"
            assert not (out["output_type"] == "stream" and out["name"] == "stderr"), (
                f"code cell {i} printed to stderr (a warning or a progress bar): "
                f"{''.join(out['text'])[:200]!r}")


def test_no_absolute_paths_or_user_names(nb):
    hit = ABSOLUTE_PATH.search(nb.read_text(encoding="utf-8"))
    assert hit is None, f"absolute path in sources or outputs: {hit.group(0)}"


def test_clean_metadata(nb):
    d = load(nb)
    assert d["metadata"]["kernelspec"]["name"] == "python3"
    assert "widgets" not in d["metadata"], "widget state saved"
    assert "papermill" not in d["metadata"], "run metadata not stripped (use ci/run_notebooks.py)"
    for c in d["cells"]:
        assert "execution" not in c["metadata"] and "papermill" not in c["metadata"]


def test_title_and_sections_carry_the_chinese_heading(nb):
    d = load(nb)
    first = src(d["cells"][0])
    assert d["cells"][0]["cell_type"] == "markdown" and first.startswith("# "), "no title cell"
    assert CJK.search(first.splitlines()[0]), "the title lacks the article's Chinese heading"
    sections = [line for c in d["cells"] if c["cell_type"] == "markdown"
                for line in src(c).splitlines() if line.startswith("## ")]
    assert len(sections) >= 3, "fewer than three sections"
    for line in sections:
        assert CJK.search(line), f"section heading without the Chinese heading: {line}"


def test_setup_cell_first(nb):
    setup = src(code_cells(load(nb))[0])
    for needed in ["IN_COLAB", "manual_seed", "DEVICE", "cuda", "mps", "__version__",
                   "CONV_NB_HEADLESS"]:
        assert needed in setup, f"the first code cell (setup) lacks {needed}"
    assert nbval_ignores(setup), "the setup cell's output is machine-dependent: mark it ignored"


def test_no_skipped_cells_or_parallel_loaders(nb):
    text = "\n".join(src(c) for c in code_cells(load(nb)))
    assert "NBVAL_SKIP" not in text, "cells must run under nbval"
    assert not re.search(r"num_workers\s*=\s*[1-9]", text), "use num_workers=0 in notebooks"


def nbval_ignores(source: str) -> bool:
    """nbval's own rule: a comment line that is exactly the marker once '#' and spaces are stripped."""
    return any(line.strip().startswith("#") and line.strip().lstrip("#").strip() == "NBVAL_IGNORE_OUTPUT"
               for line in source.splitlines())


def test_nbval_markers_are_ones_nbval_sees(nb):
    for i, c in enumerate(code_cells(load(nb))):
        if "NBVAL_IGNORE_OUTPUT" in src(c):
            assert nbval_ignores(src(c)), (
                f"code cell {i}: write '# NBVAL_IGNORE_OUTPUT' alone on its line, or nbval ignores it")


def test_ignored_outputs_are_backed_by_asserts(nb):
    """A notebook that hides varying outputs from nbval must assert what matters in code."""
    cells = [src(c) for c in code_cells(load(nb))]
    ignored = [s for s in cells[1:] if nbval_ignores(s)]
    if ignored:
        assert any(re.search(r"^\s*assert ", s, re.M) for s in cells), "no assert anywhere"


def test_figures_are_small_pngs(nb):
    assert nb.stat().st_size < 3_000_000, f"{nb.stat().st_size / 1e6:.1f} MB"
    for c in code_cells(load(nb)):
        for out in c.get("outputs", []):
            data = out.get("data", {})
            assert "image/svg+xml" not in data and "image/jpeg" not in data, "use PNG figures"
            if "image/png" in data:
                assert len(data["image/png"]) < 400_000, "a figure over 300 kB: lower its dpi/size"


def test_ci_does_not_relax_nbval():
    for script in (ROOT / "ci").glob("*.sh"):
        assert "nbval-lax" not in script.read_text()
    assert (ROOT / ".ci" / "run").read_text().count("ci/test.sh") == 1
