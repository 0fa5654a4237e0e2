"""requirements.txt (pip) and environment.yml (conda) pin the same packages and versions."""

import re
from importlib.metadata import version
from pathlib import Path

import yaml

from helpers.env import pinned_versions

PROJECT = Path(__file__).resolve().parent.parent
# conda-forge's names for the few packages it names differently from PyPI.
CONDA_NAME = {"torch": "pytorch", "jupyterlab-rise": "jupyterlab_rise"}


def _conda_pins() -> dict[str, str]:
    env = yaml.safe_load((PROJECT / "environment.yml").read_text())
    pins = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str) and "=" in dep:
            name, version = re.split(r"=+", dep, maxsplit=1)
            pins[name.strip()] = version.strip()
    return pins


def test_conda_and_pip_pin_the_same_versions():
    pip_pins = {CONDA_NAME.get(name, name): version for name, version in pinned_versions().items()}
    conda_pins = _conda_pins()
    conda_pins.pop("python")
    assert conda_pins == pip_pins


def test_pins_are_exact():
    lines = [ln.split("#")[0].strip() for ln in (PROJECT / "requirements.txt").read_text().splitlines()]
    assert all("==" in ln for ln in lines if ln), "every requirement is pinned with =="


def test_conda_uses_conda_forge_only():
    # The `pytorch` channel stopped receiving releases; defaults carries an old torch.
    env = yaml.safe_load((PROJECT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    assert env["dependencies"][-1] == {"pip": ["-e ."]}


def test_the_torch_pins_are_the_installed_ones():
    pins = pinned_versions()
    assert version("torch").split("+")[0] == pins["torch"]
    assert version("torchvision").split("+")[0] == pins["torchvision"]
