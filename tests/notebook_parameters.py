"""The knobs of a notebook's `parameters` cell, with the range each one's comment states.

Every assignment in a parameters cell states, at the start of its comment, the values the
notebook honours, in one of these forms (then a colon and what the knob does):

    seed = 0               # any integer: every random draw below comes from it
    num_epochs = 2         # 1–10: passes over the training images
    max_lr = 1e-2          # 1e-4–1e-1: the peak learning rate
    train_subset = None    # None (all 60000) or 1000–60000: training images
    device = "auto"        # "auto", "cpu", "cuda" or "mps": where to compute
    show_all = True        # True or False: ...

The play test (tests/test_notebooks_papermill.py) runs each notebook at the low end of every
range, then again at the high end in the same kernel, as a learner who turns every knob would.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

_NUMBER = r"-?\d+(?:\.\d+)?(?:e-?\d+)?"
_RANGE = re.compile(rf"^(?P<none>None(?: \([^)]*\))? or )?(?P<lo>{_NUMBER})\s?–\s?(?P<hi>{_NUMBER})(?=:|$)")
_CHOICES = re.compile(r'^(?P<choices>"[^"]*"(?:,\s*"[^"]*")*(?:,? or "[^"]*"))(?:\s*\([^)]*\))?(?=:|$)')


@dataclass(frozen=True)
class Knob:
    """One parameter: its name, committed value, and the values the notebook honours."""

    name: str
    value: Any
    kind: str  # "integer" (any), "range", "choices", "bool"
    low: Any = None
    high: Any = None
    choices: tuple[Any, ...] = ()
    allows_none: bool = False
    comment: str = ""


def _number(text: str) -> int | float:
    value = ast.literal_eval(text)
    return value


def parse_knob(line: str) -> Knob | str:
    """A Knob from one line ``name = value  # range: what it does``, or a sentence saying what is wrong."""
    code, _, comment = line.partition("#")
    name, eq, value_text = code.partition("=")
    name, comment = name.strip(), comment.strip()
    if not eq or not name.isidentifier():
        return f"not an assignment `name = value  # range: ...`: {line.strip()!r}"
    try:
        value = ast.literal_eval(value_text.strip())
    except (ValueError, SyntaxError):
        return f"{name}: its value {value_text.strip()!r} is not a literal"
    if comment.startswith("any integer"):
        return Knob(name, value, "integer", comment=comment)
    if comment.startswith("True or False"):
        return Knob(name, value, "bool", low=False, high=True, comment=comment)
    match = _RANGE.match(comment)
    if match:
        low, high = _number(match["lo"]), _number(match["hi"])
        if not low <= high:
            return f"{name}: its range {match['lo']}–{match['hi']} runs backwards"
        return Knob(name, value, "range", low, high, allows_none=bool(match["none"]), comment=comment)
    match = _CHOICES.match(comment)
    if match:
        choices = tuple(ast.literal_eval(c) for c in re.findall(r'"[^"]*"', match["choices"]))
        return Knob(name, value, "choices", choices[0], choices[-1], choices=choices, comment=comment)
    return (f"{name}: its comment does not start with the values it takes (`1–10:`, `any integer:`, "
            f"`\"a\", \"b\" or \"c\":`, `None (...) or 1–10:`, `True or False:`): {comment!r}")


def parameters_cell(path: Path) -> nbformat.NotebookNode | None:
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if c.cell_type == "code" and "parameters" in c.metadata.get("tags", [])]
    return tagged[0] if tagged else None


def knobs(path: Path) -> tuple[list[Knob], list[str]]:
    """Every knob of a notebook's parameters cell, and the problems found while reading them."""
    cell = parameters_cell(path)
    if cell is None:
        return [], ["no cell tagged `parameters`"]
    found, problems = [], []
    for line in cell.source.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        knob = parse_knob(line)
        (found if isinstance(knob, Knob) else problems).append(knob)
    for knob in found:
        problem = _value_outside(knob)
        if problem:
            problems.append(problem)
    return found, problems


def _value_outside(knob: Knob) -> str | None:
    """A sentence when the committed value is not one the knob's own range allows."""
    value = knob.value
    if knob.kind == "range":
        if value is None and knob.allows_none:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not knob.low <= value <= knob.high:
            return f"{knob.name} = {value!r} is outside its stated range {knob.low}–{knob.high}"
    if knob.kind == "choices" and value not in knob.choices:
        return f"{knob.name} = {value!r} is not one of its stated choices {knob.choices}"
    if knob.kind == "integer" and (isinstance(value, bool) or not isinstance(value, int)):
        return f"{knob.name} = {value!r} is not an integer"
    if knob.kind == "bool" and not isinstance(value, bool):
        return f"{knob.name} = {value!r} is not True or False"
    return None
