"""The claims ledger (docs/claims.yml -> docs/claims.md) stays in sync with the notebooks and the article.

The article's text is not part of the repository: the tests that read it skip, saying where to put
it, when ci/claims.py cannot find it (shared/source-article.zh.txt in the repository or a folder
above it, or $CONV_ARTICLE). The machinery is also tested on a small synthetic ledger.
"""

import json

import claims
import nbformat
import pytest

LEDGER = claims.load()
ARTICLE = claims.find_article()
needs_article = pytest.mark.skipif(
    ARTICLE is None, reason="the article's text is not here: put it at shared/source-article.zh.txt "
                            "(in the repository or a folder above it) or set CONV_ARTICLE")


def show(problems):
    return "\n".join(problems)


# --- the real ledger --------------------------------------------------------------------------
def test_ledger_is_well_formed():
    problems = claims.structure_problems(LEDGER)
    assert not problems, show(problems)


def test_claims_md_is_up_to_date():
    assert claims.write(LEDGER, check=True), "docs/claims.md is stale: run python ci/claims.py"


def test_ledger_matches_the_notebooks():
    """Every section named exists; every 'wrong' verdict has its Erratum note in that section; every
    erratum of the notebooks is cited by a 'wrong' entry. A failure names what to re-point."""
    problems = claims.notebook_problems(LEDGER)
    assert not problems, show(problems)


@needs_article
def test_quotes_are_exact_substrings_and_every_listing_is_in_the_ledger():
    problems = claims.article_problems(LEDGER, ARTICLE.read_text(encoding="utf-8"))
    assert not problems, show(problems)


def test_counts_are_what_the_report_says():
    text = claims.render(LEDGER)
    n_listings = sum(e["kind"] == "listing" for e in LEDGER["entries"])
    n_claims = sum(e["kind"] == "claim" for e in LEDGER["entries"])
    assert f"**{n_listings} listings and {n_claims} claims.**" in text
    assert n_listings >= 14 and n_claims >= 40  # the article has about 14 listings and 40 claims


# --- the machinery, on synthetic data ---------------------------------------------------------
ARTICLE_TEXT = ("标题 1. 第一节 正文说2加2等于5。import torch x torch.randn(2) print(x)这段代码很好。"
                "2. 第二节 class Net(nn.Module): def forward(self, x): return x 它很简单。")


def synthetic_ledger():
    return {
        "article_sha256": "0" * 64,
        "article_sections": {"s1": {"zh": "1. 第一节", "en": "1. One"},
                             "s2": {"zh": "2. 第二节", "en": "2. Two"}},
        "notebook_sections": {"09-1": ["09_test.ipynb", "1. Shapes by hand (手写形状)"],
                              "09-1a": ["09_test.ipynb", "A subsection"]},
        "entries": [
            {"id": "C01", "kind": "claim", "section": "s1", "zh": "正文说2加2等于5", "en": "2 + 2 = 5.",
             "where": ["09-1"], "verdict": "wrong", "note": "It is 4.", "erratum": ["2 + 2 = 5"]},
            {"id": "L01", "kind": "listing", "section": "s1", "zh": "import torch", "zh_end": "print(x)",
             "en": "A random tensor, printed.", "where": ["09-1a"], "verdict": "holds", "note": "Runs."},
            {"id": "C02", "kind": "claim", "section": "s1", "zh": "这段代码很好", "en": "This code is good.",
             "where": [], "verdict": "unchecked", "note": "An opinion."},
            {"id": "L02", "kind": "listing", "section": "s2", "zh": "class Net(nn.Module):",
             "zh_end": "return x", "en": "`Net`: the identity.", "where": ["09-1"], "verdict": "caveat",
             "note": "Does nothing | at all."},
        ],
    }


def synthetic_notebook(folder, erratum="> **Erratum.** The article says that 2 + 2 = 5. It is 4."):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 09 · Test (测试)"),
                nbformat.v4.new_markdown_cell("## 1. Shapes by hand (手写形状)\n\ntext"),
                nbformat.v4.new_markdown_cell(erratum),
                nbformat.v4.new_markdown_cell("### A subsection\n\nmore"),
                nbformat.v4.new_code_cell("1 + 1"),
                nbformat.v4.new_markdown_cell("## 2. Summary (小结)")]
    (folder / "09_test.ipynb").write_text(nbformat.writes(nb), encoding="utf-8")


def test_sections_of_a_notebook_nest_subsections(tmp_path):
    synthetic_notebook(tmp_path)
    found = claims.notebook_sections(tmp_path / "09_test.ipynb")
    assert found["1. Shapes by hand (手写形状)"] == [1, 2, 3, 4]
    assert found["A subsection"] == [3, 4]
    assert found["2. Summary (小结)"] == [5]


def test_a_synthetic_ledger_passes_every_check(tmp_path):
    synthetic_notebook(tmp_path)
    ledger = synthetic_ledger()
    assert claims.structure_problems(ledger) == []
    assert claims.notebook_problems(ledger, tmp_path) == []
    problems = claims.article_problems(ledger, ARTICLE_TEXT)
    assert len(problems) == 1 and "sha256" in problems[0]  # everything else holds


def test_the_checks_catch_what_they_should(tmp_path):
    synthetic_notebook(tmp_path, erratum="no erratum here")
    ledger = synthetic_ledger()
    ledger["notebook_sections"]["09-1a"][1] = "A renamed subsection"
    ledger["entries"][1]["zh_end"] = "print(y)"          # the listing no longer covers its code
    ledger["entries"][2]["zh"] = "这段代码很棒"           # not in the article
    ledger["entries"][0], ledger["entries"][3] = ledger["entries"][3], ledger["entries"][0]  # out of order
    nb_problems = show(claims.notebook_problems(ledger, tmp_path))
    assert "has no heading 'A renamed subsection'" in nb_problems
    assert "C01: verdict 'wrong' but no '> **Erratum.**' note in 09-1" in nb_problems
    art = show(claims.article_problems(ledger, ARTICLE_TEXT))
    assert "C02: zh '这段代码很棒' is not an exact substring of the article" in art
    assert "not in the article's order" in art
    assert "L01: the listing's text (zh … zh_end) is not found" in art
    assert "('torch.randn(2)" in art and "is in no listing entry" in art  # code left uncovered


def test_an_erratum_the_ledger_misses_is_reported(tmp_path):
    synthetic_notebook(tmp_path)
    ledger = synthetic_ledger()
    ledger["entries"][0]["verdict"], ledger["entries"][0]["where"] = "unchecked", []
    del ledger["entries"][0]["erratum"]
    assert any("is cited by no 'wrong' entry" in p for p in claims.notebook_problems(ledger, tmp_path))


def test_structure_problems():
    ledger = synthetic_ledger()
    ledger["entries"][1]["verdict"] = "maybe"
    ledger["entries"][2]["where"] = ["09-1"]                  # an unchecked claim with a place
    ledger["entries"][3]["id"] = "C09"                         # a listing with a claim's id
    del ledger["entries"][0]["erratum"]                        # wrong without its erratum
    problems = show(claims.structure_problems(ledger))
    assert "L01: verdict 'maybe'" in problems
    assert "C02: 'where' is empty exactly when" in problems
    assert "C09: ids are L01… for listings" in problems
    assert "C01: 'erratum' is given exactly when" in problems


def test_code_in_running_text_is_found():
    spans = [what for _, what in claims.code_spans(ARTICLE_TEXT)]
    assert spans == ["import torch", "torch.randn(", "class Net(nn.Module)", "def forward("]


def test_render_counts_links_and_escapes():
    text = claims.render(synthetic_ledger())
    assert "**2 listings and 2 claims.**" in text
    assert "| listings | 1 | 1 | 0 | 0 | 2 |" in text and "| claims | 0 | 0 | 1 | 1 | 2 |" in text
    assert "| all | 1 | 1 | 1 | 1 | 4 |" in text
    assert "Not checked by any notebook: C02 (这段代码很好)." in text
    assert "[09 §1 Shapes by hand](../notebooks/09_test.ipynb#1.-Shapes-by-hand-%28" in text
    assert "[09 › A subsection](../notebooks/09_test.ipynb#A-subsection)" in text
    assert "Does nothing \\| at all." in text  # a | inside a cell is escaped
    assert "`import torch` … `print(x)`" in text
    assert "| **wrong** ([erratum](../notebooks/09_test.ipynb#1.-Shapes-by-hand-%28" in text
    assert '<a id="s2"></a>' in text and "## 2. 第二节 — 2. Two" in text


def test_write_reports_staleness(tmp_path):
    out = tmp_path / "claims.md"
    ledger = synthetic_ledger()
    assert claims.write(ledger, out, check=True) is False and not out.exists()
    assert claims.write(ledger, out) is False and out.exists()
    assert claims.write(ledger, out, check=True) is True
    json.dumps(ledger)  # the ledger is plain data
