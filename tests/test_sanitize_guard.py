"""The sanitize rules mask times, rates and addresses only: never a number that carries a claim.

nbval replaces every match of tests/nbval_sanitize.cfg's rules before comparing outputs, so an
over-broad rule (one that masks percentages, say) would silently stop the suite from checking
accuracies. This guard applies every rule, in nbval's order, to the committed outputs nbval
compares (cells not tagged nbval-ignore-output) and requires each masked text to look like a
time, a rate, a tqdm clock or a memory address.
"""

import re
from pathlib import Path

import nbformat
import pytest
from nbval.plugin import get_sanitize_patterns

PROJECT = Path(__file__).resolve().parent.parent
CONFIG = PROJECT / "tests" / "nbval_sanitize.cfg"
NOTEBOOKS = sorted((PROJECT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

_NUMBER = r"\d+(\.\d+)?"
#: What a masked piece of text may be. Deliberately independent of the rules' own regexes.
MAY_BE_MASKED = {
    "time": re.compile(rf"{_NUMBER}\s?(s|ms|µs|us|ns|min)"),
    "rate": re.compile(rf"{_NUMBER}\s?(it/s|s/it|images/s|img/s)"),
    "tqdm clock": re.compile(r"\[\d+:\d\d(:\d\d)?<(\d+:\d\d(:\d\d)?|\?)(, (<RATE>|<TIME>|\?\s?\w+/s|\w+/s))?\]"),
    "address": re.compile(r"0x[0-9a-fA-F]{6,}"),
}
PLACEHOLDER = re.compile(r"\[?<[A-Z]+>\]?")
# nbval does not compare these (its skip list; images only with --nbdime, which we do not use).
NOT_COMPARED = {"image/png", "image/jpeg", "application/vnd.jupyter.widget-view+json"}


def rules(text: str | None = None) -> list[tuple[str, str]]:
    """(regex, replacement) pairs, parsed by nbval's own parser, in the order nbval applies them."""
    return get_sanitize_patterns(CONFIG.read_text() if text is None else text)


def checked_texts(path: Path) -> list[tuple[str, str]]:
    """(where, text) for every output string nbval compares in one committed notebook."""
    nb = nbformat.read(path, as_version=4)
    texts, number = [], 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        number += 1
        tags = cell.metadata.get("tags", [])
        ignored = {"nbval-ignore-output", "nbval-skip"} & set(tags) or re.search(
            r"^\s*#\s*NBVAL_(IGNORE_OUTPUT|SKIP)", cell.source, re.M)
        if ignored or cell.execution_count is None:
            continue
        for output in cell.outputs:
            where = f"{path.name} code cell {number}"
            if output.output_type == "stream":
                texts.append((where, output.text))
            for mime, value in output.get("data", {}).items():
                if mime not in NOT_COMPARED and isinstance(value, str):
                    texts.append((where, value))
    return texts


def overreach(patterns: list[tuple[str, str]], texts: list[tuple[str, str]]) -> list[str]:
    """Every masked piece of text that is not a time, rate, tqdm clock or address."""
    problems = []
    for where, text in texts:
        for regex, replacement in patterns:  # in order: a later rule sees earlier replacements
            for match in re.finditer(regex, text):
                if not any(rx.fullmatch(match.group(0)) for rx in MAY_BE_MASKED.values()):
                    problems.append(f"{where}: rule {regex!r} masks {match.group(0)!r}")
            text = re.sub(regex, replacement, text)
    return problems


def test_the_rules_are_parsed_and_replace_with_placeholders():
    parsed = rules()
    sections = re.findall(r"^\[([\w-]+)\]", CONFIG.read_text(), re.M)
    assert len(parsed) == len(sections) >= 4  # every section was read (nbval ignores malformed ones)
    assert all(PLACEHOLDER.fullmatch(replacement) for _, replacement in parsed)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_rules_mask_only_times_rates_and_addresses_in_committed_outputs(path: Path):
    assert overreach(rules(), checked_texts(path)) == []


SAMPLES = [("sample", "epoch 1/2: test loss 0.0412, test accuracy 98.71% (12.3 s, 4870 images/s)\n"
                      "logits (4, 10) float32, 3 epochs, at 0x7f3a2b4c5d60\n"
                      "train:  50%|#####     | 469/938 [00:41<00:40, 11.43it/s]\n")]


def test_the_guard_accepts_the_real_rules_on_a_typical_output():
    assert overreach(rules(), SAMPLES) == []


@pytest.mark.parametrize(
    ("rule", "masked"),
    [
        (r"\d+(\.\d+)?%", "98.71%"),  # percentages: accuracies would never be compared again
        (r"\d+(\.\d+)?\s?\w+", "0.0412"),  # a 'timings' rule loosened to any unit
        (r"loss \S+", "loss 0.0412,"),
        (r"\(\d+, \d+\)", "(4, 10)"),  # shapes
    ],
)
def test_the_guard_catches_an_over_broad_rule(rule: str, masked: str):
    config = CONFIG.read_text() + f"\n[too-broad]\nregex: {rule}\nreplace: <MASKED>\n"
    problems = overreach(rules(config), SAMPLES)
    assert any(repr(masked) in problem for problem in problems), problems
