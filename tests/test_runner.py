"""ci/run_notebooks.py: table, metadata stripping, and a real run of tiny notebooks."""

import json
import sys

import nbformat
import pytest
import run_notebooks as rn


def test_maxrss_units(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    assert rn.maxrss_mib(2048) == 2
    monkeypatch.setattr(sys, "platform", "darwin")
    assert rn.maxrss_mib(3 * 1024 * 1024) == 3


def test_strip_run_noise_keeps_what_readers_see():
    nb = {"metadata": {"papermill": {"duration": 1.0}, "kernelspec": {"name": "python3"}},
          "cells": [{"metadata": {"papermill": {}, "execution": {}, "tags": []}},
                    {"metadata": {"tags": ["keep"]}}]}
    out = rn.strip_run_noise(nb)
    assert out["metadata"] == {"kernelspec": {"name": "python3"}}
    assert out["cells"][0]["metadata"] == {}
    assert out["cells"][1]["metadata"] == {"tags": ["keep"]}


def test_stream_chunks_are_merged_as_jupyter_shows_them():
    out = lambda name, text: {"output_type": "stream", "name": name, "text": text}  # noqa: E731
    nb = {"metadata": {}, "cells": [{"metadata": {}, "outputs": [
        out("stdout", ["a\n"]), out("stdout", "b\n"), out("stderr", "w\n"), out("stdout", "c\n"),
        {"output_type": "display_data", "data": {}}, out("stdout", "d\n")]}]}
    outputs = rn.strip_run_noise(nb)["cells"][0]["outputs"]
    assert [(o["output_type"], o.get("text")) for o in outputs] == [
        ("stream", "a\nb\n"), ("stream", "w\n"), ("stream", "c\n"), ("display_data", None),
        ("stream", "d\n")]


def test_table_lists_every_notebook_and_the_total():
    rows = [{"notebook": "01_a.ipynb", "status": "ok", "seconds": 12.34, "cpu_seconds": 20.06,
             "peak_mib": 1234},
            {"notebook": "02_b.ipynb", "status": "FAILED", "seconds": None, "peak_mib": None}]
    table = rn.format_table(rows)
    assert "| 01_a.ipynb | ok | 12.3 | 20.1 | 1,234 |" in table
    assert "| 02_b.ipynb | FAILED |  |  |  |" in table
    assert table.splitlines()[-1] == "| **total** | | 12.3 | 20.1 | |"


def tiny_notebook(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, path)




def test_run_writes_back_outputs_and_measures_the_kernel(tmp_path):
    path = tmp_path / "01_ok.ipynb"
    tiny_notebook(path, "import os\nblob = bytearray(200 * 2**20)\n"
                        "print(os.environ['CONV_NB_HEADLESS'])")
    row = rn.run_child(path, tmp_path / "failed")
    assert row["status"] == "ok", row
    assert row["peak_mib"] >= 200, "the kernel's 200 MiB allocation was not seen"
    assert row["seconds"] > 0
    nb = json.loads(path.read_text())
    assert "".join(nb["cells"][0]["outputs"][0]["text"]) == "1\n"
    assert "papermill" not in nb["metadata"]


def test_failing_notebook_is_named_and_left_untouched(tmp_path):
    path = tmp_path / "02_bad.ipynb"
    tiny_notebook(path, "x = 1", "raise ValueError('boom')")
    before = path.read_text()
    row = rn.run_child(path, tmp_path / "failed")
    assert row["status"] == "FAILED"
    assert "index 1" in row["error"] and "ValueError: boom" in row["error"]
    assert path.read_text() == before
    assert (tmp_path / "failed" / "02_bad.ipynb").exists()


def test_a_device_run_writes_beside_the_committed_notebooks(tmp_path, capsys):
    """--device/--out (a GPU session): CONV_NB_DEVICE reaches the kernel, the executed copy goes to
    --out with run.json, and the committed notebook is not written."""
    path = tmp_path / "01_dev.ipynb"
    tiny_notebook(path, "import os\nprint(os.environ.get('CONV_NB_DEVICE'))")
    before = path.read_text()
    out = tmp_path / "gpu-run"
    assert rn.main([str(path), "--device", "cpu", "--out", str(out)]) == 0
    assert path.read_text() == before, "the committed notebook was written"
    nb = json.loads((out / "01_dev.ipynb").read_text())
    assert "".join(nb["cells"][0]["outputs"][0]["text"]) == "cpu\n"
    record = json.loads((out / "run.json").read_text())
    assert record["device"] == "cpu" and record["rows"][0]["status"] == "ok"
    assert "CONV_NB_DEVICE=cpu" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        rn.main([str(path), "--device", "cuda"])  # no --out: refused before anything runs
