"""ci/flake_hunt.py and ci/thread_bench.py, the contributor tools of CONTRIBUTING.md."""

import flake_hunt
import nbformat
import pytest
import thread_bench


def tiny_notebook(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell("# t"), *(nbformat.v4.new_code_cell(s) for s in sources)]
    nbformat.write(nb, path)
    return path


FLAKY = ("import os, pathlib\n"
         "p = pathlib.Path(os.environ['FLAKE_COUNTER'])\n"
         "n = int(p.read_text()) if p.exists() else 0\n"
         "p.write_text(str(n + 1))\n"
         "assert n % 2 == 1, 'fails on every other run'")


def test_run_once_reports_every_failing_cell_and_goes_on(tmp_path, monkeypatch):
    monkeypatch.setenv("FLAKE_COUNTER", str(tmp_path / "n"))
    path = tiny_notebook(tmp_path / "01_t.ipynb", "x = 1", "1 / 0", "print(x)", "raise KeyError('k')")
    name, failures, seconds = flake_hunt.run_once(str(path), None, 60)
    assert name == "01_t.ipynb" and seconds > 0
    assert failures == [(1, "ZeroDivisionError: division by zero"), (3, "KeyError: 'k'")]
    _, failures, _ = flake_hunt.run_once(str(path), 1, 60)  # code cells 0..1 only
    assert [cell for cell, _ in failures] == [1]
    assert nbformat.read(path, as_version=4).cells[1].outputs == [], "the notebook was written to"


def test_main_counts_flaky_runs_and_exits_1(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FLAKE_COUNTER", str(tmp_path / "n"))
    path = tiny_notebook(tmp_path / "02_flaky.ipynb", "y = 2", FLAKY)
    assert flake_hunt.main([str(path), "-k", "4"]) == 1
    out = capsys.readouterr().out
    assert "| 02_flaky.ipynb | 4 | 2 | code cell 1 (2×) |" in out
    assert "code cell 1: 2× AssertionError: fails on every other run" in out


def test_main_exits_0_when_nothing_failed(tmp_path, capsys):
    path = tiny_notebook(tmp_path / "03_ok.ipynb", "z = 3")
    assert flake_hunt.main([str(path), "-k", "2", "-j", "2"]) == 0
    assert "| 03_ok.ipynb | 2 | 0 | none |" in capsys.readouterr().out


@pytest.mark.parametrize("name", list(thread_bench.workloads()))
def test_thread_bench_workloads_train_one_step(name):
    import torch

    model, shape, classes, _ = thread_bench.workloads()[name]
    logits = model(torch.randn(*shape))
    assert logits.shape == (shape[0], classes)
    torch.nn.functional.cross_entropy(logits, torch.randint(classes, (shape[0],))).backward()


def test_thread_bench_policies_differ_as_documented():
    assert thread_bench.POLICIES["PASSIVE"][0] == {"OMP_WAIT_POLICY": "PASSIVE"}
    assert thread_bench.POLICIES["1 thread"][1] == 1
    assert thread_bench.POLICIES["2 threads"] == ({}, None)
