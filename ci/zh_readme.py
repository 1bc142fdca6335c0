"""README.zh.md, the Chinese README, generated from the same sources as the English one.

- the prose: i18n/zh/README.zh.md.in (Chinese, hand-written; `{{name}}` marks what is generated);
- the notebook table: the English README's table, its cells translated in i18n/zh/README.po
  (`msgctxt "notebook table"`), titles and links from the Chinese notebooks;
- the runner's table: copied from the English README (same run, same numbers);
- the errata index: the Chinese notebooks' `> **勘误。**` notes (as ci/errata.py does for English);
- the claims ledger: docs/claims.yml, the article's own words, with its notes translated in
  i18n/zh/README.po (`msgctxt "claims ledger"`);
- the glossary (术语表): i18n/zh/glossary.yml.

    python ci/zh.py update    # also brings i18n/zh/README.po in line with README.md and docs/claims.yml
    python ci/zh.py build     # also writes README.zh.md
"""

from __future__ import annotations

import re
from pathlib import Path

import nbread
import yaml
import zh

ROOT = nbread.ROOT
README = ROOT / "README.md"
README_ZH = ROOT / "README.zh.md"
TEMPLATE = zh.I18N / "README.zh.md.in"
PO = zh.I18N / "README.po"
CLAIMS = ROOT / "docs" / "claims.yml"
TABLE_CTX = "notebook table"
LEDGER_CTX = "claims ledger"
VERDICTS = {"holds": "成立", "caveat": "成立，但有保留", "wrong": "错误", "unchecked": "未核对"}
KINDS = {"listing": "代码清单", "claim": "论断"}


def section(text: str, heading: str) -> str:
    """The body of the README section `heading` (up to the next heading of the same level)."""
    level = len(heading.split(" ")[0])
    m = re.search(rf"^{re.escape(heading)}\s*$(.*?)(?=^#{{1,{level}}} |\Z)", text, re.S | re.M)
    return m.group(1) if m else ""


def table_rows(body: str) -> list[list[str]]:
    rows = []
    for ln in body.splitlines():
        if ln.startswith("|") and not re.match(r"^\|[-:| ]+\|$", ln):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", ln.strip())[1:-1]]
            rows.append(cells)
    return rows[1:]  # without the header


def notebook_table() -> list[list[str]]:
    """The English README's notebook table: [number, title link, what you do, headline]."""
    body = section(README.read_text(encoding="utf-8"), "## The notebooks").split("\n### ")[0]
    return table_rows(body)


def ledger() -> dict:
    return yaml.safe_load(CLAIMS.read_text(encoding="utf-8"))


def units() -> list[zh.Unit]:
    out = []
    for row in notebook_table():
        for col, text in ((2, row[2]), (3, row[3])):
            out.append(zh.Unit(TABLE_CTX, text, [("README.md", f"{row[0]}-{col}")], False))
    seen = set()
    for e in ledger()["entries"]:
        if e["note"] not in seen:
            seen.add(e["note"])
            out.append(zh.Unit(LEDGER_CTX, e["note"], [("docs/claims.yml", e["id"])], False))
    return out


def update() -> tuple[int, int, int]:
    return zh.merge(PO, "README.md (the notebook table) and docs/claims.yml (the ledger's notes)", units())


def problems() -> list[str]:
    tr = zh.translations(PO.name)
    terms = zh.glossary()
    out = []
    for u in units():
        where = f"{u.where[0][0]} {u.where[0][1]}"
        label = f"README.zh.md ({u.ctx} {where}: '{zh.first_words(u.msgid)}')"
        t = tr.get((u.ctx, u.msgid))
        if t is None:
            out.append(f"{label}: no current translation in {nbread.rel(PO)} "
                       "(python ci/zh.py update, then translate the new or fuzzy entry)")
        else:
            out += [f"{label}: {p}" for p in zh.entry_problems(u.msgid, t, u.ctx, terms)]
    return out


# --- rendering ------------------------------------------------------------------------------
def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").strip()


def zh_notebook(name: str) -> dict:
    return nbread.load(zh.ZH / name)


def title(name: str) -> str:
    nb = zh_notebook(name)
    for cell in nb["cells"]:
        heads = [h for lvl, h in zh.heading_lines(nbread.src(cell)) if lvl == 1]
        if heads:
            return re.sub(r"^\d\d\s*·\s*", "", heads[0])
    return name


def render_notebooks() -> str:
    tr = zh.translations(PO.name)
    lines = ["| # | 笔记本 | 你会做什么 | 主要结果 |", "|---|---|---|---|"]
    for row in notebook_table():
        name = re.search(r"\(notebooks/([^)]+\.ipynb)\)", row[1]).group(1)
        what, result = (tr.get((TABLE_CTX, row[k]), row[k]) for k in (2, 3))
        lines.append(f"| {row[0]} | [{_cell(title(name))}](notebooks/zh/{name})"
                     f"（[English](notebooks/{name})） | {_cell(what)} | {_cell(result)} |")
    return "\n".join(lines)


def render_runner_table() -> str:
    body = section(README.read_text(encoding="utf-8"), "### Measured run")
    table = [ln for ln in body.splitlines() if ln.startswith("|")]
    head = {"notebook": "笔记本", "seconds, CPU (2 cores)": "秒，CPU（2 核）", "CPU seconds": "CPU 秒",
            "peak MiB, CPU": "内存峰值 MiB，CPU", "seconds, GPU": "秒，GPU", "not measured": "未测",
            "**total**": "**合计**"}
    out = []
    for ln in table:
        for en, z in head.items():
            ln = re.sub(rf"(?<=\| ){re.escape(en)}(?= \|)", z, ln)
        out.append(ln)
    return "\n".join(out)


def commands() -> str:
    """The two commands, as the English README's "Two commands" block has them."""
    body = section(README.read_text(encoding="utf-8"), "## Two commands")
    block = re.search(r"```bash\n(.*?)```", body, re.S).group(1)
    return "\n".join(ln.split("#")[0].rstrip() for ln in block.splitlines() if ln.strip())


def zh_heading(name: str, en_heading: str) -> str:
    return heading_maps().get(name, {}).get(en_heading, en_heading)


_MAPS: dict = {}


def heading_maps() -> dict[str, dict[str, str]]:
    if not _MAPS:
        for p in nbread.discover():
            _MAPS[p.name] = zh.heading_map(p.name)
    return _MAPS


def place_link(place: list[str], prefix: str = "notebooks/zh/") -> str:
    name, heading = place
    text = zh_heading(name, heading)
    text = re.sub(r"^(\d+(?:\.\d+)?)\.?\s+", r"\1 ", re.sub(r"[`*]", "", text))
    sep = " §" if re.match(r"\d", text) else " › "
    return f"[{name[:2]}{sep}{text}]({prefix}{name}#{nbread.anchor(zh_heading(name, heading))})"


def render_claims() -> str:
    led = ledger()
    tr = zh.translations(PO.name)
    entries, places = led["entries"], led["notebook_sections"]
    counts = {k: {v: sum(e["kind"] == k and e["verdict"] == v for e in entries) for v in VERDICTS}
              for k in KINDS}
    n = {k: sum(counts[k].values()) for k in KINDS}
    lines = [f"**{n['listing']} 段代码清单，{n['claim']} 条论断。**", "",
             "| | " + " | ".join(VERDICTS.values()) + " | 合计 |", "|---|" + "---:|" * (len(VERDICTS) + 1)]
    for k, word in KINDS.items():
        lines.append(f"| {word} | " + " | ".join(str(counts[k][v]) for v in VERDICTS) + f" | {n[k]} |")
    lines.append("| 全部 | " + " | ".join(str(sum(counts[k][v] for k in KINDS)) for v in VERDICTS)
                 + f" | {sum(n.values())} |")
    for key, sec in led["article_sections"].items():
        rows = [e for e in entries if e["section"] == key]
        if not rows:
            continue
        lines += ["", f"#### {sec['zh']}", "", "| # | 原文 | 结论 | 笔记本的核对 | 位置 |",
                  "|---|---|---|---|---|"]
        for e in rows:
            quote = (f"`{e['zh']}` … `{e['zh_end']}`" if e["kind"] == "listing" and "zh_end" in e
                     else f"`{e['zh']}`" if e["kind"] == "listing" else e["zh"])
            where = "，".join(place_link(places[k]) for k in e["where"]) or "–"
            verdict = VERDICTS[e["verdict"]]
            if e["verdict"] == "wrong":
                verdict = f"**{verdict}**"
            note = tr.get((LEDGER_CTX, e["note"]), e["note"])
            lines.append(f"| {e['id']} | {_cell(quote)} | {verdict} | {_cell(note)} | {_cell(where)} |")
    return "\n".join(lines)


def zh_errata() -> list[tuple[str, str, str, str, str]]:
    """(notebook, article section, the article's claim, what is true, link) per Chinese erratum."""
    out = []
    for p in nbread.discover(zh.ZH):
        nb = nbread.load(p)
        top = title(p.name)
        current = ""
        for cell in nb["cells"]:
            if cell["cell_type"] != "markdown":
                continue
            text = nbread.src(cell)
            for lvl, h in zh.heading_lines(text):
                if lvl == 2:
                    current = h
            for note in notes(text):
                claim, truth = split_claim(note)
                sec = re.sub(r"^\d+\.\s*", "", current)
                text = re.sub(r"[`*]", "", current)
                link = f"[{p.name[:2]} §{text}](notebooks/zh/{p.name}#{nbread.anchor(current)})"
                out.append((p.name, f"{top} › {sec}", claim, truth, link))
    return out


def notes(markdown: str) -> list[str]:
    found, lines = [], markdown.splitlines()
    for i, line in enumerate(lines):
        if line.lstrip().startswith(zh.ERRATUM_ZH):
            block = []
            for follow in lines[i:]:
                if not follow.lstrip().startswith(">"):
                    break
                block.append(follow.lstrip()[1:].strip())
            found.append("".join(b for b in block if b)[len(zh.ERRATUM_ZH) - 2:].strip())
    return found


def split_claim(text: str) -> tuple[str, str]:
    """The first sentence (the article's claim, ending in 。) and the rest."""
    depth = 0
    for i, ch in enumerate(text):
        depth += {"「": 1, "」": -1, "（": 1, "）": -1}.get(ch, 0)
        if ch == "。" and depth == 0:
            return text[:i + 1].strip(), text[i + 1:].strip()
    return text.strip(), ""


def render_errata() -> str:
    errata = zh_errata()
    lines = [f"{len(errata)} 处勘误，分布在 {len({e[0] for e in errata})} 个笔记本中。第三列是原文的说法"
             "（勘误注释的第一句，引用原文），第四列是实际情况，"
             "最后一列链接到展示失败案例和修正代码的小节。", "",
             "| # | 原文章节 | 原文的说法 | 实际情况 | 位置 |", "|---:|---|---|---|---|"]
    for k, (_, sec, claim, truth, link) in enumerate(errata, 1):
        lines.append(f"| {k} | {_cell(sec)} | {_cell(claim)} | {_cell(truth)} | {_cell(link)} |")
    return "\n".join(lines)


def pattern_word(pattern: str) -> str:
    """A glossary pattern as a word: `convolutions?` -> convolution, `normali[sz]ation` ->
    normalisation, `upsampl\\w*` -> upsampling."""
    word = re.sub(r"\[(.)[^\]]*\]", r"\1", pattern)
    word = word.replace("\\w*", "ing")
    word = re.sub(r"\((\w+)\|[^)]*\)", r"\1", word)  # student cop(y|ies) -> student copy
    return re.sub(r"s\?|\(es\)\?|\?|\(.*?\)", "", word)


def render_glossary() -> str:
    lines = ["| English | 中文 | 说明 |", "|---|---|---|"]
    for t in zh.glossary():
        en = " / ".join(pattern_word(p) for p in t["en"][:2])
        mark = "（原文用词）" if t.get("article") else ""
        lines.append(f"| {_cell(en)} | {t['zh']}{mark} | {_cell(t.get('note_zh', ''))} |")
    return "\n".join(lines)


def render() -> str:
    text = TEMPLATE.read_text(encoding="utf-8")
    parts = {"notebooks": render_notebooks, "runner_table": render_runner_table, "commands": commands,
             "errata": render_errata, "claims": render_claims, "glossary": render_glossary,
             "n_terms": lambda: str(len(zh.glossary()))}
    for key, fn in parts.items():
        if "{{" + key + "}}" in text:
            text = text.replace("{{" + key + "}}", fn())
    head = ("<!-- generated by python ci/zh.py build from i18n/zh/README.zh.md.in, README.md, "
            "docs/claims.yml, i18n/zh/ and notebooks/zh/: do not edit by hand -->\n")
    return head + text if text.endswith("\n") else head + text + "\n"


def write(check: bool = False) -> bool:
    text = render()
    fresh = README_ZH.exists() and README_ZH.read_text(encoding="utf-8") == text
    if not fresh and not check:
        README_ZH.write_text(text, encoding="utf-8")
    return fresh


def path() -> Path:
    return README_ZH
