"""helpers.checks: help for a stuck learner (hint, show_solution) and checkers given a non-function.

Every exercise of every notebook is covered: each ``solution_exN_M`` has hints, each
notebook's exercise headings have a solution, and each checker answers "pass the function
itself" when it gets something else.
"""

from __future__ import annotations

import difflib
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


def _exercise_texts() -> dict[str, str]:
    """The markdown of every exercise in the notebooks: from its heading to the next heading."""
    texts = {}
    for path in NOTEBOOKS:
        current = None
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "markdown":
                continue
            match = HEADING.search(cell.source)
            if match:
                current = f"{match[1]}.{match[2]}"
                texts[current] = cell.source[match.end():]
            elif cell.source.lstrip().startswith("#"):
                current = None
            elif current and not cell.source.lstrip().startswith("Stuck?"):
                texts[current] += "\n" + cell.source
    return texts


EXERCISE_TEXTS = _exercise_texts()


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.:!?])\s+|\n", text) if len(s.strip()) > 25]


def _similar(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio()


@pytest.mark.parametrize("exercise", EXERCISES)
def test_every_exercise_has_a_ladder_of_hints_that_leads_to_the_solution(exercise, capsys):
    """Three or more rungs: the idea in other words, where to look, a sketch with ___ blanks."""
    chapter = exercise.split(".")[0]
    hints = getattr(_modules()[chapter], "HINTS", {}).get(exercise, ())
    assert len(hints) >= 3, f"exercise {exercise} has {len(hints)} hints; a ladder has three or four rungs"
    assert all(isinstance(h, str) and len(h) > 20 for h in hints)
    for i, a in enumerate(hints):
        for b in hints[i + 1:]:
            assert _similar(a, b) < 0.6, f"{exercise}: two rungs say nearly the same:\n  {a}\n  {b}"
    assert re.search(r"\bsection \d+|\bcell\b|\bnotebook \d\d|\b\d\d, section", " ".join(hints[1:-1] or hints)), (
        f"{exercise}: no rung says where to look (a section or cell of the notebook)")
    assert "___" in hints[-1] or "___" in hints[-2], f"{exercise}: no rung is a sketch with ___ blanks to fill"
    text = EXERCISE_TEXTS.get(exercise, "")
    for rung in hints:
        for sentence in _sentences(text):
            assert sentence not in rung and _similar(rung, sentence) < 0.75, (
                f"{exercise}: a hint repeats the exercise text:\n  hint: {rung}\n  text: {sentence}")
    hint(exercise)
    first = capsys.readouterr().out
    assert first.startswith(f"💡 Exercise {exercise}, hint 1 of {len(hints)}: {hints[0]}")
    assert f'hint("{exercise}", 2)' in first
    hint(exercise, len(hints))
    last = capsys.readouterr().out
    assert hints[-1] in last and f'show_solution("{exercise}")' in last
    hint(exercise, len(hints) + 1)
    past = capsys.readouterr().out
    assert f"has {len(hints)} hints, so there is no hint {len(hints) + 1}" in past
    assert f'show_solution("{exercise}")' in past


def test_every_exercise_in_the_notebooks_has_its_text_found():
    assert set(EXERCISE_TEXTS) == set(EXERCISES), set(EXERCISE_TEXTS) ^ set(EXERCISES)
    assert all(len(text) > 80 for text in EXERCISE_TEXTS.values())


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


def test_hint_numbers_outside_the_ladder_are_answered(capsys):
    hint("1.2", 0)
    assert 'Hints are numbered 1, 2, ...: try hint("1.2", 1)' in capsys.readouterr().out
    hint("1.2", 99)
    out = capsys.readouterr().out
    assert "so there is no hint 99" in out and 'show_solution("1.2")' in out
    hint("1.2", 2.0)
    assert "Hints are numbered" in capsys.readouterr().out


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
