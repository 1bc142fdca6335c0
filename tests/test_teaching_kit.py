"""The workshop kit (workshop/: student copies, guide, pre-flight check, offline kit) and the
README's errata index (ci/errata.py).

Real notebooks are checked for staleness and conventions; the machinery is tested on small
synthetic notebooks built in tmp_path. One test needs PyPI and skips without it.
"""

import base64
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import errata
import minutes
import nbformat
import offline_kit
import preflight
import pytest
import run_notebooks as rn
import skip_paths
import spoilers
import student
import teaching_guide as tg
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = student.discover()
IDS = [p.name for p in NOTEBOOKS]


# --- helpers --------------------------------------------------------------------------------
def md(text, tags=None):
    cell = nbformat.v4.new_markdown_cell(text)
    if tags:
        cell.metadata["tags"] = tags
    return cell


def code(text, tags=None, hidden=False, output=None):
    cell = nbformat.v4.new_code_cell(text)
    if tags:
        cell.metadata["tags"] = tags
    if hidden:
        cell.metadata["jupyter"] = {"source_hidden": True}
        cell.metadata["cellView"] = "form"
    if output is not None:
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=output)]
        cell.execution_count = 1
    return cell


def synthetic(solution_cells=None, after=None):
    """A small notebook in the series' shape: title, setup, a section with an erratum, summary,
    exercises, solutions, run summary."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        md("# 09 · A test notebook (测试笔记本)\n\nWhat you will do."),
        code("import time\nNOTEBOOK_T0 = time.perf_counter()\nx = 2", output="setup\n"),
        md("## 1. Shapes by hand (手写形状)\n\nText."),
        code("y = x * 3\nprint(y)", output="6\n"),
        md("> **Erratum.** The article says that 2 + 2 = 5, e.g. in its section 1. It is 4: "
           "see the\n> cell above.\n\nThe corrected code:"),
        md("## 2. Summary (小结)\n\n- **bold rule**"),
        md("## 3. Exercises (练习)\n\n1. **Double it.** Compute 2y.\n2. **Name it.** Store it as `z`."
           "\n\nSolutions are in the next section, collapsed: in JupyterLab click the bar left of a "
           "cell (or\nView → Expand All Code), in Colab click \"Show code\"."),
        md("## 4. Solutions (答案)"),
        *(solution_cells if solution_cells is not None else [
            md("**Solution 1.** Multiply.", tags=["solution"]),
            code("# @title Solution 1\nprint(2 * y)", tags=["solution", "nbval-ignore-output"],
                 hidden=True, output="12\n"),
            md("It doubles.\n\n**Solution 2.** Assign.", tags=["solution"]),
            code("# @title Solution 2\nz = 2 * y", tags=["solution"], hidden=True),
            code("assert z == 12", tags=["solution"], hidden=True),
        ]),
        *(after or []),
        code("# extra code – how long this notebook took and its peak memory\n"
             "print(f'{time.perf_counter() - NOTEBOOK_T0:.0f} s')", tags=["nbval-ignore-output"],
             output="0 s\n"),
    ]
    return nb


def write(nb, path):
    nbformat.write(nb, path)
    return path


def tiny_wheel(folder: Path, name="tinykit", version="0.1") -> Path:
    """A minimal pure-Python wheel, built by hand (no network, no build tools)."""
    files = {f"{name}/__init__.py": b"VALUE = 42\n",
             f"{name}-{version}.dist-info/METADATA":
                 f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
             f"{name}-{version}.dist-info/WHEEL":
                 b"Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    digest = lambda b: base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b"=").decode()  # noqa: E731
    record = "".join(f"{p},sha256={digest(b)},{len(b)}\n" for p, b in files.items())
    files[f"{name}-{version}.dist-info/RECORD"] = (record + f"{name}-{version}.dist-info/RECORD,,\n").encode()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as z:
        for p, b in files.items():
            z.writestr(p, b)
    return path


# --- student copies: the real ones ----------------------------------------------------------
def test_student_copies_are_up_to_date(tmp_path):
    student.write_all(NOTEBOOKS, out_dir=tmp_path)
    fresh = sorted(p.name for p in tmp_path.iterdir())
    committed = sorted(p.name for p in student.STUDENT.iterdir() if p.name != "__pycache__")
    assert committed == fresh, "notebooks/student/ holds other files: run python workshop/student.py"
    for name in fresh:
        assert (student.STUDENT / name).read_text(encoding="utf-8") == (tmp_path / name).read_text(
            encoding="utf-8"), f"notebooks/student/{name} is stale: run python workshop/student.py"


@pytest.fixture(params=NOTEBOOKS, ids=IDS)
def nb_path(request):
    return request.param


def test_student_copy_differs_only_in_solutions_and_outputs(nb_path):
    """Outputs, solutions, the Exercises note, and the spoiler boundary (ci/spoilers.py) aside."""
    full = spoilers.remove(student.load(nb_path))
    copy = student.load(student.student_path(nb_path))
    assert {k: v for k, v in copy.metadata.items() if k != "student_copy"} == full.metadata
    assert len(copy.cells) == len(full.cells)
    for i, (a, b) in enumerate(zip(full.cells, copy.cells, strict=True)):
        if b.get("outputs") or b.get("execution_count"):
            pytest.fail(f"cell {i} of the student copy has outputs")
        if student.is_solution(a):
            assert student.is_solution(b) and b.source != a.source, f"cell {i}: solution not replaced"
            continue
        if a.cell_type == "markdown" and student.EXERCISES_HEADING.search(a.source):
            assert "collapsed" in a.source and "collapsed" not in b.source, f"cell {i}: exercises note"
            assert b.source.startswith(spoilers.OLD_EXERCISES_NOTE.sub("", a.source).rstrip())
            continue
        strip = lambda c: {k: v for k, v in c.items() if k not in ("outputs", "execution_count")}  # noqa: E731
        assert strip(a) == strip(b), f"cell {i} differs but is no solution cell"


def test_solutions_are_tagged_and_nothing_leaks(nb_path):
    problems = student.leaks(student.load(nb_path))
    assert not problems, f"{nb_path.name}: " + "; ".join(problems)


def test_no_cell_depends_on_a_solution(nb_path):
    problems = student.solution_dependencies(student.load(nb_path))
    assert not problems, f"{nb_path.name}: " + "; ".join(problems)


def test_student_copies_run_where_they_differ():
    """Each copy's setup cell and every cell from its Solutions heading on, in one fresh kernel
    (%reset between notebooks). The cells before the heading are the full notebook's, which nbval
    executes; STUDENT_COPIES=full bash ci/test.sh runs the copies top to bottom as well."""
    nb, owner = nbformat.v4.new_notebook(), []
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for path in NOTEBOOKS:
        copy = student.load(student.student_path(path))
        start = student.solutions_start(copy) or len(copy.cells) - 1
        setup = next(c for c in copy.cells if c.cell_type == "code")
        cells = [code("%reset -f"), setup] + [c for c in copy.cells[start:] if c.cell_type == "code"]
        nb.cells += cells
        owner += [path.name] * len(cells)
    NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(student.STUDENT)}}).execute()
    errors = [f"{owner[i]}: {o['ename']}: {o['evalue']}" for i, c in enumerate(nb.cells)
              for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert not errors, errors


# --- student copies: the machinery, on synthetic notebooks ----------------------------------
def test_make_student_replaces_solutions_only():
    nb = synthetic()
    copy = student.make_student(nb, "09_test.ipynb")
    assert copy.metadata["student_copy"]["source"] == "../09_test.ipynb"
    assert all(not c.get("outputs") and c.get("execution_count") is None
               for c in copy.cells if c.cell_type == "code")
    by_source = {i: c.source for i, c in enumerate(copy.cells)}
    assert by_source[8].startswith("**Solution 1.** *Your answer here.*")
    assert by_source[9] == "# Exercise 1: write your solution here (see the Exercises section)\n..."
    assert by_source[10].startswith("**Solution 2.**") and "It doubles" not in by_source[10]
    assert by_source[11].startswith("# Exercise 2: write")
    assert by_source[12].startswith("# Exercise 2 (continued): write")
    assert "source_hidden" not in json.dumps(copy.cells[9].metadata)
    assert "cellView" not in copy.cells[9].metadata
    for i in range(8):
        if i != 6:  # the Exercises cell: its note about collapsed solutions is rewritten
            assert copy.cells[i].source == nb.cells[i].source
    assert "collapsed" in nb.cells[6].source and "collapsed" not in by_source[6]
    assert by_source[6].endswith("the worked solutions are in the full notebook, "
                                 "[`09_test.ipynb`](../09_test.ipynb).")
    assert by_source[6].startswith("## 3. Exercises (练习)\n\n1. **Double it.**")
    assert nb.cells[9].source.startswith("# @title"), "the input notebook was changed"


def test_spoiler_boundary_is_idempotent_and_left_out_of_student_copies(tmp_path):
    nb = synthetic()
    assert spoilers.problems(nb) == [
        "the Solutions heading has no spoiler note",
        "the Solutions heading lacks \"jp-MarkdownHeadingCollapsed\": true (JupyterLab)",
        "metadata.colab.collapsed_sections does not list the Solutions heading (Colab)",
        "the Exercises cell does not end with the note on where the solutions are"]
    once = spoilers.apply(json.loads(json.dumps(nb)))
    assert spoilers.problems(once) == []
    twice = spoilers.apply(json.loads(json.dumps(once)))
    assert twice == once, "applying it again changes nothing"
    heading = once["cells"][7]
    assert heading["source"].startswith("## 4. Solutions (答案)\n\n> **Spoiler: worked solutions below.**")
    assert heading["metadata"]["jp-MarkdownHeadingCollapsed"] is True
    assert once["metadata"]["colab"]["collapsed_sections"] == [heading["metadata"]["id"]]
    assert once["cells"][6]["source"].endswith(spoilers.EXERCISES_NOTE)
    assert [c["outputs"] for c in once["cells"] if c["cell_type"] == "code"] == [
        c["outputs"] for c in nb.cells if c["cell_type"] == "code"], "outputs are not touched"
    a = student.make_student(nbformat.from_dict(once), "09_test.ipynb")
    b = student.make_student(nb, "09_test.ipynb")
    assert student.dumps(a) == student.dumps(b), "the student copy has no boundary"
    path = write(nbformat.from_dict(once), tmp_path / "09_test.ipynb")
    assert spoilers.main(["--check", str(path)]) == 0
    assert spoilers.main([str(path)]) == 0 and student.load(path) == nbformat.from_dict(once)


def test_synthetic_student_copy_runs_top_to_bottom(tmp_path):
    copy = student.make_student(synthetic(), "09_test.ipynb")
    NotebookClient(copy, timeout=120, kernel_name="python3").execute()  # raises on any error


def test_leaks_are_found():
    assert student.leaks(synthetic()) == []
    untagged = synthetic(solution_cells=[md("**Solution 1.** x", tags=["solution"]), code("print(1)")])
    assert any("not tagged" in p for p in student.leaks(untagged))
    no_heading = synthetic()
    no_heading.cells[7] = md("## 4. Answers (答案)")
    assert any("no `## N. Solutions" in p for p in student.leaks(no_heading))


def test_dependencies_on_solutions_are_found():
    assert student.solution_dependencies(synthetic()) == []
    bad = synthetic(after=[code("print(z + y)")])
    problems = student.solution_dependencies(bad)
    assert len(problems) == 1 and "z (cell" in problems[0] and "y" not in problems[0].split(":")[1]


def test_write_all_drops_orphans_and_reports_staleness(tmp_path):
    books, out = tmp_path / "books", tmp_path / "student"
    books.mkdir()
    a = write(synthetic(), books / "09_test.ipynb")
    out.mkdir()
    (out / "08_gone.ipynb").write_text("{}")
    student.write_all([a], out_dir=out)
    assert sorted(p.name for p in out.iterdir()) == ["09_test.ipynb", "README.md", "conftest.py"]
    assert student.stale([a], out_dir=out) == []
    nb = synthetic()
    nb.cells[3].source = "y = x * 4"
    write(nb, a)
    assert student.stale([a], out_dir=out) == [f"{out / '09_test.ipynb'} is stale"]


def test_exercises_are_read_from_the_exercises_section():
    assert student.exercises(synthetic()) == [(1, "Double it"), (2, "Name it")]


# --- errata index ---------------------------------------------------------------------------
def test_readme_errata_index_is_in_sync():
    text = errata.README.read_text(encoding="utf-8")
    assert errata.START in text and errata.END in text, "README.md lacks the errata-index markers"
    assert errata.update_readme(check=True), "README's errata index is stale: run python ci/errata.py"


def test_erratum_first_sentence_states_the_article_claim():
    """The index's 'claim' column is each note's first sentence (CONTRIBUTING: errata)."""
    bad = [f"{e.notebook} §{errata.short_heading(e.section)}: {e.claim[:70]!r}"
           for e in errata.find_errata() if not e.claim.startswith("The article")]
    assert not bad, "first sentence should state the article's claim ('The article ...'): " + "; ".join(bad)


def test_errata_are_extracted_from_synthetic_notebooks(tmp_path):
    path = write(synthetic(), tmp_path / "09_test.ipynb")
    [e] = errata.find_errata([path])
    assert e.article_section == "测试笔记本 › 手写形状"
    assert e.claim == "The article says that 2 + 2 = 5, e.g. in its section 1."
    assert e.truth == "It is 4: see the cell above."
    table = errata.render([e])
    assert "| 1 | 测试笔记本 › 手写形状 | The article says" in table
    assert "[09 §1 Shapes by hand](notebooks/09_test.ipynb#1.-Shapes-by-hand-%28" in table


def test_errata_script_refuses_a_readme_without_markers(tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text("# no markers here\n")
    assert errata.main(["--readme", str(readme)]) == 1
    assert "errata-index:start" in capsys.readouterr().err
    readme.write_text(f"intro\n{errata.START}\nold\n{errata.END}\nafter\n")
    path = write(synthetic(), tmp_path / "09_test.ipynb")
    assert errata.update_readme(readme, [path]) is False
    assert errata.update_readme(readme, [path], check=True) is True
    text = readme.read_text()
    assert text.startswith("intro\n") and text.endswith(f"{errata.END}\nafter\n") and "old" not in text


def test_split_claim_and_chinese_heading():
    assert errata.split_claim("The article says 0.5 s, i.e. fast. Wrong.") == (
        "The article says 0.5 s, i.e. fast.", "Wrong.")
    zh = "三维卷积(Conv3D)分析视频片段"
    assert errata.chinese_heading(f"03 · Conv3D ({zh})") == zh
    assert errata.chinese_heading("5.1 Glucose") == ""


# --- workshop guide -------------------------------------------------------------------------
def test_guide_is_up_to_date():
    assert tg.update_guide(check=True), "docs/teaching.md is stale: run python workshop/teaching_guide.py"


def test_every_notebook_has_notes_and_fresh_timings():
    problems = tg.problems()
    assert not problems, "\n".join(problems)


def test_plans_fit_a_half_and_a_full_day():
    """The plans add up the sections' walkthrough minutes (from the notebooks' content) and the
    exercises' minutes; the half day fits 3½ hours with its break, the full day 8½ with lunch."""
    books = tg.books()
    for key, limit in [("half_day", tg.HALF_DAY_LIMIT), ("full_day", tg.FULL_DAY_LIMIT)]:
        blocks = tg.plan(books, key)
        assert blocks, f"no notebook is in the {key} plan"
        _, total = tg._schedule(tg.plan_rows(blocks, key), lunch=key == "full_day")
        assert total <= limit, (f"the {key} plan takes {total} min (limit {limit}): take a section or an "
                                f"exercise out of workshop.{key} in docs/teaching/NN.yml")
        for b in blocks:
            assert b.minutes() >= sum(b.book.exercise_minutes(k) for k in b.exercises) + 5


PLAN_PATHS = [(key, book, sections, exercises) for key, chosen in tg.plans().items()
              for book, sections, exercises in chosen]


@pytest.mark.parametrize("key, book, sections, exercises", PLAN_PATHS,
                         ids=[f"{k}-{b.name[:2]}" for k, b, _, _ in PLAN_PATHS])
def test_skip_paths_run_without_the_skipped_sections(key, book, sections, exercises):
    """Each plan runs its notebook's setup, data and helper cells, then only the sections it takes
    (and the solutions of its exercises): every name those cells read must be defined on that path.
    (Static, with symtable; `python workshop/skip_paths.py --execute` runs the paths for real.)"""
    cells = skip_paths.path_cells(book.nb, sections, exercises)
    problems = skip_paths.static_problems(book.nb, cells)
    assert not problems, f"{key} plan, {book.name}: " + "; ".join(problems) + (
        ". Move what later sections use into an early helpers cell "
        "(`# extra code – helpers used in later sections`), or change the plan")


@pytest.fixture(params=NOTEBOOKS, ids=IDS)
def nb_block(request):
    return request.param, tg.read_block(request.param)


def test_every_notebook_has_3_to_5_teaching_tips(nb_block):
    path, block = nb_block
    problems = tg.tips_problems(block, path.name)
    assert not problems, problems[0]


def test_walkthrough_minutes_from_content():
    nb = synthetic()
    nb.cells[3].outputs.append(nbformat.v4.new_output("display_data", data={"image/png": "iVBO"}))
    content = dict(minutes.section_content(nb))
    first = content["1. Shapes by hand (手写形状)"]
    assert (first.code_cells, first.code_lines, first.figures) == (1, 2, 1)
    assert first.words == minutes.prose_words(nb.cells[2].source) + minutes.prose_words(nb.cells[4].source)
    setup = content["(title and setup)"]
    assert setup.code_lines == 0 and setup.run_only_lines == 3, "the setup cell is run, not read"
    r = minutes.RATES
    assert first.minutes() == first.words / r["prose_wpm"] + 2 / r["code_lines_per_min"] + r[
        "per_code_cell"] + r["per_figure"]
    assert first.demo_minutes() == r["per_code_cell"] + r["per_figure"]
    assert minutes.prose_words("A [link](http://x.org/a b) and `code`, <!-- hidden --> | 12 |") == 5
    assert minutes.is_closing("3. Exercises (练习)") and not minutes.is_closing("2. Summary (小结)")


def test_plan_blocks_choose_sections_and_fill_the_day(tmp_path):
    blocks = tmp_path / "blocks"
    blocks.mkdir()
    path = write(synthetic(), tmp_path / "09_test.ipynb")
    (blocks / "09.yml").write_text(
        "goals: [g]\nprerequisites: [p]\n"
        "exercises: [{level: basic, minutes: 5}, {level: basic, minutes: 7}]\n"
        "questions: [{q: 'Why?', a: Because., section: Shapes by}]\n"
        "workshop:\n  half_day: {demo: [1], exercises: [2]}\n"
        "  full_day: {if_time: [Shapes by hand], exercises: [1, 2]}\n")
    [book] = tg.books([path], {}, blocks)
    nb = student.load(path)
    assert tg.block_problems(nb, book.block, path.name) == []
    half, = tg.plan([book], "half_day")
    assert half.what() == "run 1 as a demo; exercise 2" and half.sections()[0] == "(title and setup)"
    full, = tg.plan([book], "full_day")
    assert full.added == ["1. Shapes by hand (手写形状)"], "an if_time section is taken when the day has room"
    assert full.what() == "teach 1; exercises 1 and 2"
    assert full.minutes() % 5 == 0 and full.minutes() >= 12
    cells = skip_paths.path_cells(nb, full.sections(), full.exercises)
    assert [nb.cells[i].source.split("\n")[0] for i in cells] == [
        "import time", "y = x * 3", "# @title Solution 1", "# @title Solution 2", "assert z == 12"]
    assert skip_paths.static_problems(nb, skip_paths.path_cells(nb, [], [1])) == [
        "cell 9 (§4) needs y"], "solution 1 needs section 1's y"
    bad = {"workshop": {"half_day": {"teach": [7, "nowhere", "Summary"], "exercises": [3]}}}
    problems = tg.block_problems(nb, {**book.block, **bad}, path.name)
    assert any("section 7, which matches 0 headings" in p for p in problems)
    assert any("'nowhere', which matches 0 headings" in p for p in problems)
    assert any("'Summary', which is taken (or left out) by every plan anyway" in p for p in problems)
    assert any("exercise 3, which 09_test.ipynb lacks" in p for p in problems)
    assert tg._numbers([1, 2, 3, 5]) == "1–3 and 5" and tg._numbers([2, 4, 6, 7]) == "2, 4, 6 and 7"


def test_slow_cells_are_named_by_section_and_purpose():
    nb = synthetic()
    assert tg.slow_cell_purpose(nb, 1) == "the setup cell (importing PyTorch takes most of it)"
    assert tg.slow_cell_purpose(nb, 9) == "the worked solution of exercise 1"
    nb.cells[3].source = "for epoch in range(3):\n    loss.backward()"
    assert tg.slow_cell_purpose(nb, 3) == "training (under “Text”)"
    nb.cells[3].source = "# extra code – time the two loaders, best of 3\nbest_of(f)"
    assert tg.slow_cell_purpose(nb, 3) == "time the two loaders, best of 3"


def test_section_timings_from_papermill_metadata():
    nb = synthetic()
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            cell.metadata["papermill"] = {"duration": float(i)}
    out = rn.section_timings(nb, slowest=2)
    assert [(s["title"], s["seconds"]) for s in out["sections"]] == [
        ("(title and setup)", 1.0), ("1. Shapes by hand (手写形状)", 3.0), ("2. Summary (小结)", 0.0),
        ("3. Exercises (练习)", 0.0), ("4. Solutions (答案)", 9.0 + 11 + 12 + 13)]
    assert [c["cell"] for c in out["slowest_cells"]] == [13, 12]
    assert [c["code_cell"] for c in out["slowest_cells"]] == [5, 4]
    nb.cells.insert(2, md("A note added after the run."))
    assert tg._slow_cell_index(nb, out["slowest_cells"][0]) == 14, "found by its place among code cells"
    assert tg._slow_cell_index(nb, {"cell": 2, "seconds": 1}) is None, "an old record naming no code cell"


def test_timings_merge_render_and_go_stale(tmp_path):
    books, blocks = tmp_path / "books", tmp_path / "blocks"
    books.mkdir()
    blocks.mkdir()
    path = write(synthetic(), books / "09_test.ipynb")
    timings = tmp_path / "timings.json"
    row = {"notebook": "09_test.ipynb", "status": "ok", "seconds": 12.5, "peak_mib": 300,
           **rn.section_timings(synthetic())}
    assert tg.merge_timings([row, {"notebook": "10_x.ipynb", "status": "ok", "sections": []}],
                            notebooks=books, path=timings) == ["09_test.ipynb"]
    entry = tg.read_timings(timings)["09_test.ipynb"]
    nb = student.load(path)
    assert tg.timing_problems(nb, entry, path.name) == []
    assert tg.block_problems(nb, None, path.name) == [
        "docs/teaching/09.yml is missing: write it (copy docs/teaching/01.yml) for 09_test.ipynb"]
    (blocks / "09.yml").write_text(
        "goals: [g]\nprerequisites: [p]\nexercises: [{level: basic, minutes: 5}]\n"
        "questions: [{q: 'Why?', a: Because., section: Shapes by}, {q: 'Where?', section: nowhere}]\n"
        "workshop: {full_day: {teach: [1]}}\n")
    block = tg.read_block(path, blocks)
    problems = tg.block_problems(nb, block, path.name)
    assert "not valid YAML" in tg.block_problems(nb, {"_error": "not valid YAML: x"}, path.name)[0]
    assert any("1 exercise levels for 2 exercises" in p for p in problems)
    assert any("'nowhere', which matches 0 headings" in p for p in problems)
    [book] = tg.books([path], tg.read_timings(timings), blocks)
    text = tg.render_book(book)
    assert "CPU time 12 s on the reference machine, peak 300 MiB" in text
    assert "| [1. Shapes by hand (手写形状)](../notebooks/09_test.ipynb#1.-Shapes-by-hand-%28" in text
    assert "| 1 | Double it | basic | 5 |" in text and "| 2 | Name it | — | — |" in text
    plans = tg.render_plans([book])
    assert "left out: notebook 09" in plans and "| 09:20 | [09 · A test notebook]" in plans
    assert "| catching up re-runs |" in text and "| 1.0 s |" not in text
    assert "(title and setup) | 1 min |" in text or "(title and setup) | 0 min |" in text
    nb.cells[3].source = "y = x * 30"
    assert "its code changed" in tg.timing_problems(nb, entry, path.name)[0]


def test_runner_regenerates_the_kit_after_a_successful_run(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(rn, "LAST_RUN", tmp_path / "last-run.json")
    monkeypatch.setattr(tg, "regenerate_all", lambda rows: calls.append(rows) or ["done"])
    ok = {"notebook": "09_test.ipynb", "status": "ok", "seconds": 1.0, "peak_mib": 1}
    monkeypatch.setattr(rn, "run_child", lambda path, *args: ok)
    assert rn.main([str(tmp_path / "09_test.ipynb")]) == 0 and calls == [[ok]]
    monkeypatch.setattr(rn, "run_child", lambda path, *args: {**ok, "status": "FAILED", "error": "x"})
    assert rn.main([str(tmp_path / "09_test.ipynb")]) == 1 and len(calls) == 1


# --- pre-flight check -----------------------------------------------------------------------
@pytest.mark.parametrize("system, machine, mac, rosetta, status, says", [
    ("Linux", "x86_64", "", False, "ok", "wheels exist"),
    ("Windows", "AMD64", "", False, "ok", "wheels exist"),
    ("Darwin", "arm64", "14.6", False, "ok", "wheels exist"),
    ("Darwin", "arm64", "15.1", False, "ok", "wheels exist"),
    ("Darwin", "arm64", "13.6", False, "FAIL", "Colab"),
    ("Darwin", "x86_64", "14.0", False, "FAIL", "Colab"),
    ("Darwin", "x86_64", "14.0", True, "FAIL", "arm64"),
    ("Windows", "ARM64", "", False, "FAIL", "Colab"),
    ("FreeBSD", "amd64", "", False, "WARN", "Colab"),
])
def test_platform_verdicts(system, machine, mac, rosetta, status, says):
    c = preflight.check_platform(system, machine, mac, rosetta)
    assert c.status == status and says in c.line(), c.line()


def test_python_and_package_checks():
    assert preflight.check_python((3, 11, 9)).status == "ok"
    assert preflight.check_python((3, 12, 1)).status == "WARN"
    assert preflight.check_python((3, 9, 7)).status == "FAIL"
    pins = {"torch": "2.14.1", "numpy": "2.4.6", "tqdm": "4.70.1"}
    have = {"torch": "2.14.1+cpu", "numpy": "2.4.6", "tqdm": "4.66.0"}

    def version_of(name):
        if name not in have:
            raise LookupError(name)
        return have[name]

    c = preflight.check_packages(pins, version_of)
    assert c.status == "FAIL" and "tqdm 4.66.0 (want 4.70.1)" in c.what and "torch" not in c.what
    del have["numpy"]
    assert "numpy missing" in preflight.check_packages(pins, version_of).what
    assert preflight.check_packages({"torch": "2.14.1"}, version_of).status == "ok"
    assert set(preflight.read_pins()) >= {"torch", "torchvision", "nbval"}


def test_data_check(tmp_path):
    c = preflight.check_data(tmp_path)
    assert c.status == "FAIL" and "seed_data" in c.fix


def test_speed_verdicts_and_estimate(tmp_path):
    ref = {"seconds": 0.5, "date": "2026-01-01", "machine": "ref"}
    series = ({"01_a": 60.0, "02_b": 120.0}, "test")
    assert preflight.check_speed(0.5, ref, series).status == "ok"
    assert "take about 3 min of computing here" in preflight.check_speed(0.5, ref, series).what
    assert preflight.check_speed(2.0, ref, series).status == "WARN"
    c = preflight.check_speed(3.5, ref, series)
    assert c.status == "FAIL" and "7.0×" in c.what and "Colab" in c.fix
    readme = tmp_path / "README.md"
    readme.write_text("| notebook | s |\n|---|---:|\n| 01_conv1d | 39.8 | 962 |\n| **total** | **1** |\n")
    timings = tmp_path / "timings.json"
    timings.write_text(json.dumps({"notebooks": {"02_x.ipynb": {"seconds": 5.0}}}))
    assert preflight.reference_series(timings, readme)[0] == {"01_conv1d": 39.8, "02_x": 5.0}


def test_preflight_verdict_and_exit_status(monkeypatch, capsys):
    monkeypatch.setattr(preflight, "run_checks", lambda bench: [preflight.Check("ok", "a")])
    assert preflight.main([]) == 0
    assert capsys.readouterr().out.strip().endswith("READY: this laptop can run every notebook of the workshop.")  # noqa: E501
    monkeypatch.setattr(preflight, "run_checks", lambda bench: [preflight.Check("ok", "a"),
                                                               preflight.Check("WARN", "b", "do x")])
    assert preflight.main([]) == 0 and "READY, with warnings" in capsys.readouterr().out
    monkeypatch.setattr(preflight, "run_checks", lambda bench: [preflight.Check("FAIL", "c", "do y")])
    assert preflight.main([]) == 1 and "NOT READY" in capsys.readouterr().out


def test_preflight_checks_run_here_without_the_benchmark():
    checks = preflight.run_checks(bench=False)
    assert [c.what.split(":")[0].split()[0] for c in checks] == [
        "Python", "Linux", "packages", "data", "device", "training", "memory"] or sys.platform != "linux"


@pytest.mark.parametrize("env, cuda, mps, status, says", [
    ({}, False, False, "ok", "will use cpu (CONV_NB_DEVICE is not set: the default)"),
    ({}, True, False, "ok", "a CUDA GPU (Test GPU) is present and unused: to opt in, start Jupyter with "
                            "CONV_NB_DEVICE=cuda"),
    ({}, False, True, "ok", "an Apple GPU (mps) is present and unused: to opt in, start Jupyter with "
                            "CONV_NB_DEVICE=mps"),
    ({"CONV_NB_DEVICE": "cuda"}, True, False, "ok", "will use cuda (CONV_NB_DEVICE=cuda)"),
    ({"CONV_NB_DEVICE": "cuda"}, False, True, "FAIL", "asks for cuda, which this machine lacks"),
    ({"CONV_NB_DEVICE": "mps"}, False, False, "FAIL", "unset CONV_NB_DEVICE"),
    ({"CONV_NB_DEVICE": "gpu"}, True, False, "FAIL", "not a device the notebooks know"),
])
def test_device_check_reports_what_the_notebooks_will_use(env, cuda, mps, status, says):
    """The pre-flight says the device of the notebooks' setup cell (CONV_NB_DEVICE, default cpu),
    never a GPU it merely found (issue 18: 'ok device: mps, the notebooks will use it')."""
    c = preflight.check_device(env, cuda=cuda, cuda_name="Test GPU", mps=mps, threads=2)
    assert c.status == status and says in c.line(), c.line()
    assert preflight.notebook_device({}) == "cpu" and preflight.notebook_device(env) == env.get(
        "CONV_NB_DEVICE", "cpu")


def test_training_step_on_the_notebooks_device():
    ok = preflight.check_training_step("cpu")
    assert ok.status == "ok" and ok.what.startswith("training step on cpu: a small CNN trained one step")
    bad = preflight.check_training_step("cuda:7")  # no such device here (nor, mostly, anywhere)
    assert bad.status == "FAIL" and "unset CONV_NB_DEVICE" in bad.fix


def test_benchmark_smoke():
    assert 0 < preflight.benchmark(budget_s=0, steps_per_repeat=1) < 60


# --- offline kit and the wheelhouse install -------------------------------------------------
def test_setup_installs_from_a_wheelhouse_without_network(tmp_path):
    repo = tmp_path / "repo"
    (repo / "ci").mkdir(parents=True)
    shutil.copy(ROOT / "ci" / "setup.sh", repo / "ci" / "setup.sh")
    (repo / "ci" / "seed_data.py").write_text("print('seed_data ran')\n")
    (repo / "requirements.txt").write_text("tinykit==0.1\n")
    tiny_wheel(tmp_path / "wheels")
    env = {**os.environ, "PYTHON": sys.executable, "PIP_INDEX_URL": "http://127.0.0.1:9/nothing",
           "PIP_FIND_LINKS": "", "PIP_CONFIG_FILE": os.devnull}
    run = lambda *args: subprocess.run(["bash", "ci/setup.sh", *args], cwd=repo, env=env,  # noqa: E731
                                       capture_output=True, text=True)
    r = run("--wheelhouse", str(tmp_path / "wheels"))
    assert r.returncode == 0, r.stderr
    assert "no network" in r.stdout and "seed_data ran" in r.stdout
    out = subprocess.run([repo / ".venv" / "bin" / "python", "-c", "import tinykit; print(tinykit.VALUE)"],
                         capture_output=True, text=True)
    assert out.stdout.strip() == "42"
    again = run()
    assert again.returncode == 0 and "Installing" not in again.stdout, "a second setup reinstalled"
    assert run("--wheelhouse", str(tmp_path / "nowhere")).returncode == 2


def test_pip_sees_the_target_platforms_markers(tmp_path):
    """pip's --platform alone keeps the host's environment markers; offline_kit patches them."""
    wheels = tmp_path / "wheels"
    tiny_wheel(wheels)
    req = tmp_path / "req.txt"
    req.write_text('tinykit==0.1 ; platform_system == "Windows"\n')
    found = {}
    for name in ("win-amd64", "linux-x86_64"):
        report = tmp_path / f"{name}.json"
        cmd = offline_kit.pip_command(name, ["install", "--dry-run", "--ignore-installed", "--target",
                                             str(tmp_path / "t"), "--no-index", "--find-links", str(wheels),
                                             "-r", str(req), "--report", str(report), "-q"])
        r = subprocess.run(cmd, capture_output=True, text=True, env=offline_kit.pip_env(False))
        assert r.returncode == 0, r.stderr
        found[name] = [i["metadata"]["name"] for i in json.loads(report.read_text())["install"]]
    assert found == {"win-amd64": ["tinykit"], "linux-x86_64": []}


def test_kit_layout_and_per_platform_zips(tmp_path, monkeypatch):
    picked = [ROOT / "requirements.txt", ROOT / "ci" / "setup.sh"]
    monkeypatch.setattr(offline_kit, "repo_files", lambda: picked)
    monkeypatch.setattr(offline_kit, "data_files", lambda: [ROOT / "data" / "README.md"])

    def fetch(name, dest, use_pip_config=False):
        tiny_wheel(dest, name=f"only_{name.replace('-', '_')}")

    sizes = offline_kit.build(["linux-x86_64", "win-amd64"], tmp_path, fetch=fetch, log=lambda *a: None)
    kit = tmp_path / offline_kit.KIT_NAME
    assert (kit / "ci" / "setup.sh").is_file() and (kit / "data" / "README.md").is_file()
    assert "--no-index --find-links wheelhouse\\win-amd64" in (kit / "OFFLINE.md").read_text()
    with zipfile.ZipFile(tmp_path / "conv-by-doing-win-amd64.zip") as z:
        names = z.namelist()
    assert "conv-by-doing/requirements.txt" in names
    assert any("only_win_amd64" in n for n in names) and not any("only_linux" in n for n in names)
    assert sizes["win-amd64"]["count"] == 1 and sizes["win-amd64"]["zip"] > 0
    assert "| linux-x86_64 |" in offline_kit.format_sizes(sizes)


def test_the_real_data_cache_and_repo_files_are_what_the_kit_takes():
    files = offline_kit.repo_files()
    assert ROOT / "requirements.txt" in files and not any(".venv" in f.parts for f in files)
    assert len(offline_kit.data_files()) == 9


def _pypi_reachable() -> bool:
    try:
        socket.create_connection(("pypi.org", 443), timeout=5).close()
        return True
    except OSError:
        return False


def test_pins_resolve_for_the_platforms_the_readme_names():
    """Network: the pinned packages have wheels for Linux x86-64, Windows x86-64 and macOS 14+ on
    Apple silicon, and not for Intel Macs (workshop/offline_kit.py --check does the full resolution)."""
    if not _pypi_reachable():
        pytest.skip("PyPI is not reachable from here: the platform check needs it")
    found = offline_kit.check_many(["linux-x86_64", "win-amd64", "macos-arm64", "macos-x86_64"], deps=False)
    for name, (ok, why) in found.items():
        assert ok == offline_kit.RESOLVES[name], f"{name}: {why}"
