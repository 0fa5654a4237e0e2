"""helpers.checks: help for a stuck learner (hint, show_solution) and checkers given a non-function.

Every exercise of every notebook is covered: each ``solution_exN_M`` has hints, each
notebook's exercise headings have a solution, and each checker answers "pass the function
itself" when it gets something else.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import nbformat
import pytest
import torch

from helpers import checks
from helpers.checks import EXERCISE_MODULES, check_function, hint, not_a_function, show_solution

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
HEADING = re.compile(r"^#+ Exercise (\d+)\.(\d+) \((\w+)\)\s*$", re.M)


def _modules():
    """Every checker module that exists now, by chapter."""
    found = {}
    for chapter, name in EXERCISE_MODULES.items():
        try:
            found[chapter] = importlib.import_module(f"helpers.checks.{name}")
        except ModuleNotFoundError:
            continue
    return found


def _exercises() -> list[str]:
    """"N.M" for every solution_exN_M in every checker module."""
    found = []
    for module in _modules().values():
        for name in dir(module):
            m = re.fullmatch(r"solution_ex(\d+)_(\d+)", name)
            if m:
                found.append(f"{m[1]}.{m[2]}")
    return sorted(found)


EXERCISES = _exercises()


def test_every_existing_notebook_has_a_checker_module():
    chapters = {str(int(p.name[:2])) for p in NOTEBOOKS}
    missing = {c for c in chapters if c in EXERCISE_MODULES} - set(_modules())
    assert not missing, f"notebooks without a helpers.checks module: {sorted(missing)}"
    assert len(EXERCISES) >= 10


@pytest.mark.parametrize("exercise", EXERCISES)
def test_every_exercise_has_hints_that_lead_to_the_solution(exercise, capsys):
    chapter = exercise.split(".")[0]
    hints = getattr(_modules()[chapter], "HINTS", {}).get(exercise, ())
    assert len(hints) >= 2, f"exercise {exercise} has {len(hints)} hints; give two or more"
    assert all(isinstance(h, str) and len(h) > 20 for h in hints)
    hint(exercise)
    first = capsys.readouterr().out
    assert first.startswith(f"💡 Exercise {exercise}, hint 1 of {len(hints)}: {hints[0]}")
    assert f'hint("{exercise}", 2)' in first
    hint(exercise, len(hints))
    last = capsys.readouterr().out
    assert hints[-1] in last and f'show_solution("{exercise}")' in last


@pytest.mark.parametrize("exercise", EXERCISES)
def test_show_solution_prints_the_reference_the_checker_uses(exercise, capsys):
    chapter, number = exercise.split(".")
    solution = getattr(_modules()[chapter], f"solution_ex{chapter}_{number}")
    show_solution(exercise)
    out = capsys.readouterr().out
    assert out.startswith(f"# A reference solution of Exercise {exercise}")
    assert inspect.getsource(solution).rstrip() in out


def test_hints_only_name_real_exercises():
    for chapter, module in _modules().items():
        for exercise in getattr(module, "HINTS", {}):
            assert exercise in EXERCISES, f"HINTS of helpers.checks.{EXERCISE_MODULES[chapter]} names {exercise}"


@pytest.mark.parametrize("bad", ["1.99", "42.1", "1", "", 1.2])
def test_an_unknown_exercise_gets_a_clear_message_not_a_traceback(bad, capsys):
    hint(bad)
    show_solution(bad)
    out = capsys.readouterr().out
    assert out.count("There is no exercise") == 2 and 'hint("1.2")' in out


def test_hint_numbers_are_clamped(capsys):
    hint("1.2", 0)
    assert "hint 1 of" in capsys.readouterr().out
    hint("1.2", 99)
    assert 'show_solution("1.2")' in capsys.readouterr().out


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_every_exercise_heading_has_a_solution_and_a_way_to_get_help(path):
    nb = nbformat.read(path, as_version=4)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    headings = HEADING.findall(markdown)
    loose = [ln for ln in re.findall(r"^#+ Exercise.*$", markdown, re.M) if not HEADING.match(ln)]
    assert not loose, f"exercise headings not in the form 'Exercise N.M (name)': {loose}"
    for chapter, number, _name in headings:
        assert f"{chapter}.{number}" in EXERCISES, f"{path.name}: Exercise {chapter}.{number} has no solution"
        assert f'hint("{chapter}.{number}")' in markdown, f"{path.name}: no hint line for {chapter}.{number}"


# Checkers given something that is not a function.

NOT_FUNCTIONS = {"None": None, "a Tensor": torch.ones(2), "a float": 3.0}


@pytest.mark.parametrize("what", NOT_FUNCTIONS)
def test_not_a_function_names_the_call_to_write(what):
    verdict = not_a_function("Exercise 1.2 (pairwise_distances)", NOT_FUNCTIONS[what])
    assert verdict is not None and not verdict
    assert f"the checker got {what}, not a function" in verdict.message
    assert "`check_ex1_2(pairwise_distances)`" in verdict.message


def test_not_a_function_passes_functions_and_handles_other_titles():
    assert not_a_function("Exercise 1.2 (pairwise_distances)", len) is None
    assert "`check_exN_M(your_function)`" in not_a_function("Ex", None).message


def test_check_function_refuses_a_result_instead_of_the_function(capsys):
    verdict = check_function("Exercise 9.9 (double)", torch.ones(3), lambda x: x, [(torch.ones(3),)])
    assert not verdict
    assert "Pass the function itself, without calling it, e.g. `check_ex9_9(double)`" in capsys.readouterr().out


def _checkers():
    for chapter, module in _modules().items():
        for name, fn in vars(module).items():
            if re.fullmatch(r"check_ex\d+_\d+", name) and callable(fn):
                yield f"{module.__name__}.{name}", fn


CHECKERS = dict(_checkers())


@pytest.mark.parametrize("name", sorted(CHECKERS))
@pytest.mark.parametrize("what", ["None", "a Tensor"])
def test_every_checker_asks_for_the_function_itself(name, what, capsys):
    verdict = CHECKERS[name](NOT_FUNCTIONS[what])
    out = capsys.readouterr().out
    assert not verdict
    number = re.search(r"check_ex(\d+)_(\d+)", name)
    assert "Pass the function itself" in out and f"check_ex{number[1]}_{number[2]}(" in out, out
    assert "Traceback" not in out


def test_the_chapter_map_is_the_one_documented():
    assert EXERCISE_MODULES["1"] == "tensors" and checks.EXERCISE_MODULES is EXERCISE_MODULES
