"""requirements.txt and environment.yml pin the same exact versions."""

import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def requirement_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep and version, f"requirements.txt: '{line}' is not an exact pin"
            pins[name.lower()] = version
    return pins


def environment_pins() -> tuple[dict, list]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    pip_section = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    pins = {}
    for line in pip_section:
        name, sep, version = line.partition("==")
        assert sep and version, f"environment.yml: '{line}' is not an exact pin"
        pins[name.lower()] = version
    return pins, [d for d in deps if isinstance(d, str)]


def test_requirements_are_exact_pins_with_the_local_torch():
    pins = requirement_pins()
    assert pins["torch"] == "2.14.1"
    assert pins["torchvision"] == "0.29.1"
    for needed in ["papermill", "nbval", "pytest", "ruff", "ipykernel", "jupyterlab", "matplotlib"]:
        assert needed in pins, f"{needed} is not pinned in requirements.txt"


def test_environment_yml_matches_requirements():
    env_pins, conda_deps = environment_pins()
    assert env_pins == requirement_pins()
    assert "python=3.11" in conda_deps


def test_colab_installs_use_the_pinned_versions():
    """A notebook's Colab-only `%pip install` must ask for the versions we test."""
    pins = requirement_pins()
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in json.loads(nb.read_text())["cells"]:
            for line in "".join(cell["source"]).splitlines():
                if "pip install" in line and cell["cell_type"] == "code":
                    for name, version in re.findall(r"([A-Za-z0-9_.-]+)==([\w.]+)", line):
                        assert pins.get(name.lower()) == version, f"{nb.name}: {line.strip()}"
