"""The Chinese edition (ci/zh.py, ci/zh_readme.py): generated, complete, faithful to the English run.

A later English change surfaces here: the catalogue entry of a changed cell no longer matches, so
`test_every_cell_has_a_current_translation` names the notebook, the cell and its first words until
the translation is updated (`python ci/zh.py update`, translate, `python ci/zh.py build`).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbread
import polib
import pytest
import zh
import zh_readme

NAMES = [p.name for p in nbread.discover()]
ARTICLE = nbread.ROOT.parent / "shared" / "source-article.zh.txt"


def _pairs():
    for name in NAMES:
        yield name, zh.ZH / name, nbread.NOTEBOOKS / name
        yield f"student/{name}", zh.ZH_STUDENT / name, nbread.NOTEBOOKS / "student" / name


PAIRS = list(_pairs())


def test_generated_files_are_up_to_date():
    problems = zh.stale()
    assert not problems, "\n".join(problems) + "\nregenerate: python ci/zh.py build"


@pytest.mark.parametrize("name", NAMES)
def test_every_cell_has_a_current_translation(name):
    """Untranslated, fuzzy (the English changed) or inconsistent entries, with the cell."""
    problems = zh.check([name])
    assert not problems, (f"{len(problems)} problem(s) in the Chinese {name}:\n" + "\n".join(problems[:40])
                          + "\nfix: python ci/zh.py update; translate the entries in "
                            f"{nbread.rel(zh.po_path(name))}; python ci/zh.py build")


def test_readme_strings_have_a_current_translation():
    problems = zh_readme.problems()
    assert not problems, "\n".join(problems[:40])


@pytest.mark.parametrize("label,zh_path,en_path", PAIRS, ids=[p[0] for p in PAIRS])
def test_code_and_outputs_are_the_english_run(label, zh_path, en_path):
    """Same cells, same code (whole-line comments aside), same outputs, same tags."""
    a, b = nbread.load(zh_path), nbread.load(en_path)
    assert [c["cell_type"] for c in a["cells"]] == [c["cell_type"] for c in b["cells"]]
    for i, (x, y) in enumerate(zip(a["cells"], b["cells"], strict=True)):
        assert x.get("id") == y.get("id"), f"{label} cell {i}: cell id differs"
        assert nbread.tags(x) == nbread.tags(y), f"{label} cell {i}: tags differ"
        if x["cell_type"] != "code":
            continue
        assert zh.strip_comments(nbread.src(x)) == zh.strip_comments(nbread.src(y)), (
            f"{label} cell {i}: the code differs from the English beyond its comments")
        assert x["outputs"] == y["outputs"], f"{label} cell {i}: outputs differ from the English run"
        assert x.get("execution_count") == y.get("execution_count")


@pytest.mark.parametrize("label,zh_path,en_path", PAIRS, ids=[p[0] for p in PAIRS])
def test_no_english_only_markdown_cell(label, zh_path, en_path):
    nb = nbread.load(zh_path)
    english = [f"cell {i}: {zh.first_words(nbread.src(c))}" for i, c in enumerate(nb["cells"])
               if c["cell_type"] == "markdown" and len(zh.WORD.findall(zh.prose(nbread.src(c)))) >= 3
               and not zh.CJK.search(zh.prose(nbread.src(c)))]
    assert not english, f"{label}: Markdown cells with no Chinese:\n" + "\n".join(english)


@pytest.mark.parametrize("label,zh_path,en_path", PAIRS, ids=[p[0] for p in PAIRS])
def test_opens_with_the_edition_line(label, zh_path, en_path):
    first = next(nbread.src(c) for c in nbread.load(zh_path)["cells"] if c["cell_type"] == "markdown")
    line = first.split("\n")[0]
    assert line.startswith("> **中文版。**") and "英文" in line
    target = re.search(r"\]\(([^)]+)\)", line).group(1)
    assert (zh_path.parent / target).resolve() == en_path.resolve()


def _links(text: str) -> list[str]:
    return [t for t in re.findall(r"\]\(([^)\s]+)\)", text) if not re.match(r"^[a-z][a-z0-9+.-]*:", t)]


def _anchors(path: Path) -> set[str]:
    nb = nbread.load(path)
    return {nbread.anchor(h) for c in nb["cells"] if c["cell_type"] == "markdown"
            for _, h in zh.heading_lines(nbread.src(c))}


def test_relative_links_resolve():
    """Links in the Chinese notebooks and README.zh.md point at files that exist, and a link into a
    notebook section names a heading that the target (Chinese) notebook has."""
    bad = []
    files = [(p, "\n".join(nbread.src(c) for c in nbread.load(p)["cells"] if c["cell_type"] == "markdown"))
             for p in nbread.discover(zh.ZH) + nbread.discover(zh.ZH_STUDENT)]
    files.append((zh_readme.README_ZH, zh_readme.README_ZH.read_text(encoding="utf-8")))
    for path, text in files:
        for target in _links(text):
            file, _, frag = target.partition("#")
            dest = (path.parent / file).resolve() if file else path
            if not dest.exists():
                bad.append(f"{nbread.rel(path)}: {target} (no such file)")
            elif frag and dest.suffix == ".ipynb" and frag not in _anchors(dest):
                bad.append(f"{nbread.rel(path)}: {target} (no such heading)")
    assert not bad, "\n".join(bad)


def _norm(text: str) -> str:
    """Letters, digits and Chinese only: the article's scraped words compared without the symbols
    scraping lost (=, +, quotes, ->) or a translator may have restored."""
    return "".join(re.findall(r"[0-9A-Za-z\u3400-\u9fff]", text)).lower()


def test_errata_quote_the_article():
    """Each Chinese Erratum note starts with 勘误 and its first sentence quotes, in the article's
    words, every wrong claim of docs/claims.yml that cites the English note."""
    led = zh_readme.ledger()
    wrong = [e for e in led["entries"] if e["verdict"] == "wrong" and e["kind"] == "claim"]
    problems, n_en, n_zh = [], 0, 0
    for name in NAMES:
        en_nb, zh_nb = nbread.load(nbread.NOTEBOOKS / name), nbread.load(zh.ZH / name)
        for x, y in zip(en_nb["cells"], zh_nb["cells"], strict=True):
            if x["cell_type"] != "markdown" or zh.ERRATUM_EN not in nbread.src(x):
                continue
            en_notes = nbread.src(x).count(zh.ERRATUM_EN)
            zh_notes = zh_readme.notes(nbread.src(y))
            n_en, n_zh = n_en + en_notes, n_zh + len(zh_notes)
            en_text = " ".join(nbread.src(x).split())
            for e in wrong:
                phrases = e["erratum"] if isinstance(e["erratum"], list) else [e["erratum"]]
                if any(" ".join(p.split()) in en_text for p in phrases):
                    if not any(_norm(e["zh"]) in _norm(zh_readme.split_claim(n)[0]) for n in zh_notes):
                        problems.append(f"{name}: {e['id']}: no Chinese Erratum note's first sentence "
                                        f"quotes the article's words 「{e['zh']}」")
    assert n_en == n_zh, f"{n_en} English Erratum notes, {n_zh} Chinese 勘误 notes"
    assert not problems, "\n".join(problems)


def test_readme_zh_has_the_two_commands_and_is_linked():
    en = nbread.ROOT.joinpath("README.md").read_text(encoding="utf-8")
    text = zh_readme.README_ZH.read_text(encoding="utf-8")
    for cmd in zh_readme.commands().splitlines():
        assert cmd in text
    assert "README.zh.md" in en.split("\n## ")[0], "README.md must link to README.zh.md at its top"
    for heading in ("## 勘误索引", "## 文章论断核对表", "## 术语表", "## 两条命令", "## 笔记本"):
        assert heading in text


def test_glossary_is_well_formed():
    terms = zh.glossary()
    assert len(terms) >= 40
    zh_words = [t["zh"] for t in terms if t.get("check", True)]
    for t in terms:
        assert t["en"] and t["zh"], t
        for pat in t["en"]:
            re.compile(pat)
    en_patterns = [p for t in terms for p in t["en"]]
    assert len(en_patterns) == len(set(en_patterns)), "an English pattern is listed twice"
    assert zh_words


@pytest.mark.skipif(not ARTICLE.exists(), reason="the article (shared/source-article.zh.txt) is not here")
def test_glossary_article_words_are_the_articles():
    text = ARTICLE.read_text(encoding="utf-8")
    missing = [t["zh"] for t in zh.glossary() if t.get("article") and t["zh"] not in text]
    assert not missing, f"marked `article: true` but not in the article: {missing}"


def test_comment_blocks_and_stripping():
    code = ('# Setup: one\n# two\nx = 1  # trailing stays\ns = """\n# not a comment\n"""\n'
            '%time y = 2\n    # (N, 8, 28, 28)\n    # indented words here\n')
    blocks = zh.comment_lines(code)
    assert list(blocks.values()) == [("# ", "Setup: one\ntwo"), ("    # ", "indented words here")]
    assert zh.strip_comments(code) == zh.strip_comments(code.replace("# two\n", ""))


def test_relink_moves_links_one_folder_down():
    anchors = {"02_x.ipynb": {"3.-Old": "3.-新"}}
    text = ("[a](02_x.ipynb#3.-Old) [b](../docs/claims.md) [c](https://x.org/y) [d](#3.-Old) "
            "[e](../README.md#x)")
    out = zh.relink(text, "02_x.ipynb", anchors)
    assert out == ("[a](02_x.ipynb#3.-新) [b](../../docs/claims.md) [c](https://x.org/y) [d](#3.-新) "
                   "[e](../../README.zh.md)")


def test_an_english_change_makes_the_translation_fuzzy(tmp_path, monkeypatch):
    """The workflow: an English cell changes -> `update` keeps the old translation as fuzzy ->
    `build` falls back to the English -> the check names the cell."""
    name = NAMES[0]
    books, i18n = tmp_path / "notebooks", tmp_path / "i18n"
    (books / "student").mkdir(parents=True)
    i18n.mkdir()
    nb = json.loads((nbread.NOTEBOOKS / name).read_text(encoding="utf-8"))
    k = next(i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "markdown" and i > 0
             and len(nbread.src(c)) > 200)
    old = nbread.src(nb["cells"][k])
    nb["cells"][k]["source"] = old.replace(" ", "  ", 1) + "\n\nOne more English sentence."
    (books / name).write_text(json.dumps(nb), encoding="utf-8")
    shutil.copy(zh.po_path(name), i18n / zh.po_path(name).name)
    po = polib.pofile(str(i18n / zh.po_path(name).name), wrapwidth=0)
    for e in po:
        if e.msgid == old and not e.msgstr:
            e.msgstr = "旧的译文。"
    po.save()
    monkeypatch.setattr(zh, "NOTEBOOKS", books)
    monkeypatch.setattr(zh, "I18N", i18n)
    monkeypatch.setattr(zh, "GLOSSARY", nbread.ROOT / "i18n" / "zh" / "glossary.yml")
    new, fuzzy, obsolete = zh.update(name)
    assert (new, fuzzy) == (0, 1) and obsolete >= 1
    entry = next(e for e in polib.pofile(str(i18n / zh.po_path(name).name)) if "fuzzy" in e.flags)
    assert entry.previous_msgid == old and entry.msgid == nbread.src(nb["cells"][k])
    problems = zh.check([name])
    assert any(f"{name} cell {k} " in p and "the English changed" in p for p in problems), problems
    built = zh.translate(nb, name, zh.translations(name), {}, f"../{name}")
    assert nbread.src(built["cells"][k]) == nbread.src(nb["cells"][k])  # English until re-translated
