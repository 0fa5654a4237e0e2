"""House rules for the helpers package: typed, documented, traced back, no side effects."""

import importlib
import inspect
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import helpers

PROJECT = Path(__file__).resolve().parent.parent


def _modules():
    for info in pkgutil.walk_packages(helpers.__path__, "helpers."):
        yield importlib.import_module(info.name)


def _public_functions():
    for module in [helpers, *_modules()]:
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if inspect.isfunction(obj) or inspect.isclass(obj):
                yield f"{module.__name__}.{name}", obj


PUBLIC = dict(_public_functions())


def test_topics_not_a_grab_bag():
    names = {info.name for info in pkgutil.iter_modules(helpers.__path__)}
    assert {"data", "devices", "env", "plotting", "checks"} <= names
    assert not names & {"utils", "util", "misc", "common"}


@pytest.mark.parametrize("qualname", sorted(PUBLIC))
def test_documented_with_the_notebook_that_teaches_it(qualname: str):
    doc = inspect.getdoc(PUBLIC[qualname]) or ""
    match = re.search(r"Introduced in: (\S+\.ipynb)", doc)
    assert match, f"{qualname}: docstring must end with 'Introduced in: NN_name.ipynb'"
    assert (PROJECT / "notebooks" / match.group(1)).exists(), f"{qualname}: no notebook {match.group(1)}"


@pytest.mark.parametrize("qualname", sorted(q for q, f in PUBLIC.items() if inspect.isfunction(f)))
def test_functions_are_typed(qualname: str):
    signature = inspect.signature(PUBLIC[qualname])
    untyped = [p for p in signature.parameters.values() if p.annotation is inspect.Parameter.empty]
    assert not untyped and signature.return_annotation is not inspect.Signature.empty


def test_import_has_no_side_effects(tmp_path: Path):
    """Importing every module prints nothing, seeds nothing, styles nothing, writes nothing."""
    code = """
import torch, matplotlib
state, rc = torch.random.get_rng_state(), dict(matplotlib.rcParams)
import helpers, importlib, pkgutil
for info in pkgutil.walk_packages(helpers.__path__, "helpers."):
    importlib.import_module(info.name)
assert torch.equal(state, torch.random.get_rng_state()), "a helpers module seeded torch"
assert rc == dict(matplotlib.rcParams), "a helpers module changed matplotlib's style"
"""
    before = sorted(p for p in (PROJECT / "data").rglob("*"))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""
    assert list(tmp_path.iterdir()) == [] and sorted((PROJECT / "data").rglob("*")) == before
