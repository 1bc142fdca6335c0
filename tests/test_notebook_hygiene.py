"""What every committed notebook must look like (DEVELOPERS.md, 'The standard')."""

import ast
import functools
import json
import re
import subprocess
from pathlib import Path

import pytest
import spoilers
from nbcheck import (
    cross_quotes,
    missing_numbers,
    normal_number,
    numbers,
    printed_numbers,
    python_source,
    timing_asserts,
)

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


IGNORE = "nbval-ignore-output"
CONTRIBUTING = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
UNIX_ONLY = {"resource", "fcntl", "termios", "pwd", "grp"}



def tags(cell: dict) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def ignored(cell: dict) -> bool:
    return IGNORE in tags(cell)


def setup_template() -> str:
    return CONTRIBUTING.split("## The setup cell")[1].split("```python\n")[1].split("```")[0]


def without_colab_body(source: str) -> str:
    """The setup cell with the body of `if IN_COLAB:` (the notebook's own install line) removed."""
    return re.sub(r"(if IN_COLAB:.*\n)(?:[ \t]+.*\n)+", r"\1", source.rstrip("\n") + "\n")


def test_setup_cell_is_the_one_in_contributing(nb):
    setup = code_cells(load(nb))[0]
    assert without_colab_body(src(setup)) == without_colab_body(setup_template()), (
        "the first code cell must be CONTRIBUTING.md's setup cell (only the IN_COLAB body may differ)")
    assert ignored(setup), f"the setup cell's output is machine-dependent: tag it {IGNORE}"


def test_colab_installs_are_pinned_as_in_requirements(nb):
    pins = dict(line.split("==") for line in (ROOT / "requirements.txt").read_text().splitlines()
                if "==" in line and not line.startswith("#"))
    for pkg, version in re.findall(r"([A-Za-z0-9_.-]+)==([\w.]+)", src(code_cells(load(nb))[0])):
        assert pins.get(pkg) == version, (
            f"Colab installs {pkg}=={version}, requirements.txt pins {pins.get(pkg)}")


def test_no_skipped_cells_or_parallel_loaders(nb):
    d = load(nb)
    text = "\n".join(src(c) for c in code_cells(d))
    assert "nbval-skip" not in [t for c in d["cells"] for t in tags(c)], "cells must run under nbval"
    assert not re.search(r"num_workers\s*=\s*[1-9]", text), "use num_workers=0 in notebooks"


def test_nbval_markers_are_tags_not_comments(nb):
    for i, c in enumerate(load(nb)["cells"]):
        assert "NBVAL_" not in src(c), f"cell {i}: use the cell tag {IGNORE}, not an NBVAL_ comment"


def test_ignored_outputs_are_backed_by_asserts(nb):
    """A notebook that hides varying outputs from nbval must assert what matters in code."""
    cells = code_cells(load(nb))
    if any(ignored(c) for c in cells[1:-1]):
        assert any(re.search(r"^\s*assert ", src(c), re.M) for c in cells), "no assert anywhere"


def test_no_assert_on_a_time_or_a_timing_ratio(nb):
    """Time is measured by the runner; an assert on seconds fails on a slower laptop, and one on a
    ratio of two timings fails when another program shares the cores (CONTRIBUTING.md). Print the
    measurement with a verdict computed from it instead (what counts as a timing: ci/nbcheck.py)."""
    found = timing_asserts([src(c) for c in code_cells(load(nb))])
    assert not found, "asserts on timings (print a verdict instead): " + "; ".join(
        f"code cell {k}: {text}" for k, text in found)


def unguarded_unix_imports(source: str) -> set[str]:
    """Unix-only modules imported outside the body of a `try:` in this cell source."""
    tree = ast.parse(python_source(source))
    guarded = {id(n) for t in ast.walk(tree) if isinstance(t, ast.Try)
               for stmt in t.body for n in ast.walk(stmt)}
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in guarded:
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
            found |= UNIX_ONLY.intersection(n.split(".")[0] for n in names if n)
    return found


def test_no_unguarded_unix_only_imports(nb):
    """Run All must not fail on Windows: resource, fcntl, ... only inside try/except ImportError."""
    for i, c in enumerate(code_cells(load(nb))):
        bad = unguarded_unix_imports(src(c))
        assert not bad, f"code cell {i}: unguarded import of Unix-only {bad}"


def section_headings(d: dict) -> list[tuple[int, str]]:
    return [(i, line) for i, c in enumerate(d["cells"]) if c["cell_type"] == "markdown"
            for line in src(c).splitlines() if line.startswith("## ")]


def test_ends_with_summary_exercises_solutions(nb):
    last = [h for _, h in section_headings(load(nb))][-3:]
    want = ["Summary (小结)", "Exercises (练习)", "Solutions (答案)"]
    assert len(last) == 3 and all(w in h for w, h in zip(want, last, strict=True)), (
        f"the last three sections must be {want}, found {last}")


def test_solutions_come_after_the_exercises_collapsed(nb):
    d = load(nb)
    start = section_headings(d)[-1][0]  # the Solutions heading
    for i, c in enumerate(d["cells"]):
        if i <= start:
            assert "solution" not in tags(c), f"cell {i} is tagged solution before the Solutions section"
    body = d["cells"][start + 1:-1]  # the last cell is the run summary
    assert any(c["cell_type"] == "code" for c in body), "no solution code"
    for c in body:
        assert "solution" in tags(c), f"cell in Solutions without the solution tag: {src(c)[:60]!r}"
        if c["cell_type"] == "code":
            meta = c["metadata"]
            assert meta.get("jupyter", {}).get("source_hidden") is True, "solution code not collapsed"
            assert meta.get("cellView") == "form", "solution code not hidden in Colab (cellView form)"
            assert src(c).startswith("# @title Solution"), "start solution code with '# @title Solution k'"


def test_solutions_behind_a_spoiler_boundary(nb):
    """The worked solutions open collapsed in JupyterLab and Colab, under a spoiler note that
    GitHub shows too (ci/spoilers.py writes it; CONTRIBUTING.md: how every notebook ends)."""
    problems = spoilers.problems(load(nb))
    assert not problems, "; ".join(problems) + " (run: python ci/spoilers.py)"


def test_last_cell_reports_time_and_peak_memory(nb):
    last = load(nb)["cells"][-1]
    assert last["cell_type"] == "code" and "peak_memory_mib" in src(last) and "NOTEBOOK_T0" in src(last)
    assert ignored(last)


def test_data_is_fetched_by_tagged_cells(nb):
    """Notebooks that read the data cache get it in `fetch-data` cells (tests/test_standalone.py)."""
    cells = code_cells(load(nb))
    uses_data = any(re.search(r"\bDATA\b", src(c)) for c in cells[1:])
    if uses_data:
        assert any("fetch-data" in tags(c) for c in cells), "reads DATA but has no fetch-data cell"


def test_figures_are_small_pngs(nb):
    assert nb.stat().st_size < 5_000_000, f"{nb.stat().st_size / 1e6:.1f} MB: keep notebooks under 5 MB"
    for c in code_cells(load(nb)):
        for out in c.get("outputs", []):
            data = out.get("data", {})
            assert "image/svg+xml" not in data and "image/jpeg" not in data, "use PNG figures"
            if "image/png" in data:
                assert len(data["image/png"]) < 400_000, "a figure over 300 kB: lower its dpi/size"


CATCH_UP = re.compile(r"^\*Catching up\?\*", re.M)
NO_CATCH_UP = ("Summary", "Exercises", "Solutions")


def catch_up_problems(d: dict) -> list[str]:
    """Sections (but Summary, Exercises, Solutions) without a `*Catching up?*` line under their
    heading (in the heading's cell or the markdown cell right after it), or with one that quotes
    seconds (time figures live in the runner's table and the guide)."""
    problems = []
    for i, heading in section_headings(d):
        if any(word in heading for word in NO_CATCH_UP):
            continue
        after = src(d["cells"][i]).split(heading, 1)[1]
        nxt = d["cells"][i + 1] if i + 1 < len(d["cells"]) else None
        if nxt is not None and nxt["cell_type"] == "markdown" and not src(nxt).startswith("#"):
            after += "\n" + src(nxt)
        line = next((ln for ln in after.splitlines() if CATCH_UP.match(ln)), None)
        if line is None:
            problems.append(f"{heading}: no '*Catching up?*' line under it")
        elif re.search(r"\d\s*(?:s|sec|secs|seconds|min|minutes)\b", line):
            problems.append(f"{heading}: its catch-up line quotes a time ({line[:80]!r}); the guide has them")
    return problems


def test_each_section_says_how_to_catch_up(nb):
    """Workshop skip paths (docs/teaching.md): a participant who skipped or missed a section runs
    Run → Run All Above Selected Cell; the line under each heading says what that re-runs."""
    problems = catch_up_problems(load(nb))
    assert not problems, "; ".join(problems)


@functools.lru_cache
def printed(path: Path) -> frozenset:
    return frozenset(printed_numbers(load(path)))


BY_NUMBER = {p.name[:2]: p for p in NOTEBOOKS}


def test_figures_quoted_from_another_notebook_are_printed_there(nb):
    """A figure quoted from another notebook sits in the text of a Markdown link to it, exactly as
    that notebook prints it (thousands separators and trailing zeros aside): re-running the other
    notebook must not leave a stale quote behind."""
    problems = []
    for i, c in enumerate(load(nb)["cells"]):
        if c["cell_type"] != "markdown":
            continue
        for text, other in cross_quotes(src(c), nb.name[:2]):
            if other not in BY_NUMBER:
                problems.append(f"cell {i}: [{text}] links to notebook {other}, which does not exist")
                continue
            missing = missing_numbers(text, printed(BY_NUMBER[other]))
            if missing:
                problems.append(f"cell {i}: [{text}] quotes {missing}, which {BY_NUMBER[other].name} "
                                "does not print")
    assert not problems, "; ".join(problems)


def readme_headlines() -> dict[str, str]:
    """The README's notebook table: {"01": headline result, ...}."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("## The notebooks", 1)[1].split("\n#", 1)[0]
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in table.splitlines()
            if line.startswith("|")]
    col = rows[0].index("headline result")
    return {r[0]: r[col] for r in rows[2:] if re.fullmatch(r"\d\d", r[0])}


def test_readme_headline_figures_are_printed_by_their_notebook():
    """Every number in the README's "headline result" column appears in that notebook's outputs."""
    headlines = readme_headlines()
    assert set(headlines) == set(BY_NUMBER), "the README's table and notebooks/ list different notebooks"
    problems = [f"{k}: {missing}, not printed by {BY_NUMBER[k].name}" for k, text in sorted(headlines.items())
                if (missing := missing_numbers(text, printed(BY_NUMBER[k])))]
    assert not problems, "README headline figures the notebooks do not print: " + "; ".join(problems)


PLACEHOLDER = "OWNER" + "/REPO"  # spelled so that this file does not hold it


def test_no_hosting_placeholder_left():
    """Instructions work from a clone wherever it is hosted: no placeholder for the hosting account."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           cwd=ROOT, capture_output=True, text=True, check=True).stdout.split("\0")
    hits = []
    for name in filter(None, files):
        path = ROOT / name
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # binary files, or a file deleted but not yet committed
        hits += [f"{name}:{n}" for n, line in enumerate(text.splitlines(), 1) if PLACEHOLDER in line]
    assert not hits, f"{PLACEHOLDER} placeholder in: {', '.join(hits)}"


def test_ci_does_not_relax_nbval():
    for script in [*(ROOT / "ci").glob("*.sh"), *(ROOT / "workshop").glob("*.sh")]:
        assert "nbval-lax" not in script.read_text()
    assert (ROOT / ".ci" / "run").read_text().count("ci/test.sh") == 1


def test_the_checkers_themselves():
    """The rules above catch what they are meant to, and let the allowed forms through."""
    refused = ["assert cnn_seconds < 120", "assert train_time <= 90.5, t", "assert 60 > elapsed",
               "assert t_pil / t_mem > 2", "assert latency_ms < 5", "assert speedup > 1.5",
               "assert np.median(overshare) > 1.5", 'assert cost["Conv3d"]["best_ms"] > 2 * base',
               "assert time_share > 3 * flop_share", "assert all(s < 3 for s in step_seconds)"]
    for line in refused:
        assert timing_asserts([line]), line
    # names that hold timings because of how they were computed, across cells
    assert timing_asserts(["t0 = time.perf_counter()\nwork()\nt_a = time.perf_counter() - t0",
                           "assert t_a < 1"])
    best_of = ("def best_of(fn):\n    times = []\n    for _ in range(3):\n        t0 = time.perf_counter()\n"
               "        fn()\n        times.append(time.perf_counter() - t0)\n    return min(times)")
    assert timing_asserts([best_of, "t_pil, t_mem = best_of(f), best_of(g)\nr = t_pil / t_mem",
                           "assert r > 2"])
    assert timing_asserts(["for i, (med, best) in compare_latency(fns).items():\n    grid[i] = best",
                           "sub = [g for g in grid]\nassert sub[-1] / sub[0] > 3"])
    allowed = ["assert acc >= 0.9", "assert t_flops > s_flops", "assert abs(t_stat) > 2",
               "assert np.all(np.diff(t_stretch) == 5)", 'assert changed["one image at a time"] > 0.01',
               "assert flop_ratio > 10", 'assert best["acc"] > 0.8', "%timeit f()\nassert x > 1"]
    for line in allowed:
        assert not timing_asserts([line]), line
    # a function returning (accuracy, seconds): only the seconds are a timing
    train = "def train(m):\n    t0 = time.perf_counter()\n    return 0.9, time.perf_counter() - t0"
    assert not timing_asserts([train, "acc, secs = train(m)\nassert acc > 0.8"])
    assert timing_asserts([train, "acc, secs = train(m)\nassert secs > 0.8"])
    # figures quoted across notebooks, and the README's numbers
    assert [normal_number(t) for t in ("1,619", "0.90", "−8.1", "100.0")] == ["1619", "0.9", "8.1", "100"]
    assert numbers("[notebook 01 §1](x): 0.912 test accuracy on 1,234 images, section 3") == [
        "0.912", "1,234"]
    quotes = cross_quotes("[0.912 test accuracy](02_conv2d_image_classifier.ipynb#5.-A) and "
                          "[notebook 01 §1](01_conv1d_time_series.ipynb#1.-S), [0.5](05_x.ipynb)", "05")
    assert quotes == [("0.912 test accuracy", "02")]
    assert missing_numbers("0.9120 accuracy, 1,234 images", {"0.912", "1234"}) == []
    assert missing_numbers("18.7 vs 38.9", {"18.74", "38.91"}) == ["18.7", "38.9"]  # no rounding
    nb = {"cells": [{"cell_type": "markdown", "source": "## 1. A (甲)\n\n*Catching up?* Run All Above."},
                    {"cell_type": "markdown", "source": "## 2. B (乙)"},
                    {"cell_type": "markdown", "source": "Text.\n\n*Catching up?* Run All Above (12 s)."},
                    {"cell_type": "markdown", "source": "## 3. Summary (小结)"}]}
    assert catch_up_problems(nb) == ["## 2. B (乙): its catch-up line quotes a time "
                                     "('*Catching up?* Run All Above (12 s).'); the guide has them"]
    assert without_colab_body("if IN_COLAB:  # x\n    %pip install -q av==1\nA = 1\n") == (
        "if IN_COLAB:  # x\nA = 1\n")
    assert unguarded_unix_imports("import resource\n") == {"resource"}
    assert unguarded_unix_imports("from fcntl import flock\n%pip install x\n") == {"fcntl"}
    assert not unguarded_unix_imports("try:\n    import resource\nexcept ImportError:\n    pass\n")
