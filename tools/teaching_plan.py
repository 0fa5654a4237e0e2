"""Write the generated parts of the teaching plan (docs/teaching_plan.md) from the notebooks.

    .venv/bin/python tools/teaching_plan.py            # rewrite the parts between the markers
    .venv/bin/python tools/teaching_plan.py --check    # exit 1 if the page is out of date

Every number comes from the notebooks, so the plan cannot drift from them: a notebook's time in a
room is the sum of its sections' instructor notes ("**Instructor notes** · about N min", one per
`## N.` section, see tools/slide_metadata.py), plus EXERCISE_MINUTES per exercise done in class;
"Before this" is read from its title cell; its exercises from their `### Exercise N.M (name)`
headings; the section of the widget that carries it from where the widget's function is called.
The choices made by hand live here: which exercises to do in class (IN_CLASS; the others are
homework), which widget carries each notebook (WIDGETS), and the frames of the two schedules
(WORKSHOP_*, SESSION_MINUTES). They are checked against the notebooks: an exercise or a widget that
is not there, or a schedule the notes' minutes do not fit, stops the tool with a message.
tests/test_teaching_plan.py fails when the page differs from what this tool writes.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tools.slide_metadata import section_notes  # noqa: E402

PLAN = ROOT / "docs" / "teaching_plan.md"
NOTEBOOKS = ROOT / "notebooks"
EXERCISE = re.compile(r"^#+ Exercise (\d+\.\d+) \((\w+)\)", re.M)

#: Minutes of room time for one exercise done in class: write it, run the check, read a hint together.
EXERCISE_MINUTES = 10

#: Exercises done in class, by notebook; every other exercise of the notebook is homework.
IN_CLASS: dict[str, tuple[str, ...]] = {
    "00": ("0.1",),  # the mechanism once: write, check, hint
    "01": ("1.1",),  # indexing into a one-hot matrix: short, and every later notebook uses it
    "02": ("2.2",),  # sgd_step: no_grad and zero_grad, the two traps of every training loop
    "03": ("3.3",),  # retain_grad on an intermediate: one line, shows leaves vs intermediates
    "04": ("4.1",),  # a model is a class: the notebook's first idea, written once by everyone
    "05": ("5.1",),  # momentum in two lines, checked against torch.optim.SGD
    "06": ("6.1",),  # a Dataset is two methods
    "07": ("7.1",),  # the device decision as a pure function: no GPU needed in the room
    "08": ("8.2",),  # one training step: the order of the five calls
    "09": ("9.2",),  # what all-reduce leaves on every rank
    "10": ("10.2",),  # a speed-up as the median of per-round ratios, with its spread: the notebook's method
}

#: The widget that carries each notebook: (a name its cell calls, what to do with it).
WIDGETS: dict[str, tuple[str, str]] = {
    "00": ("show_test_digit", "the slider over the 10,000 test digits: if it redraws, widgets work"),
    "01": ("show_broadcast",
           "two shape menus: `(3,)` with `(3, 1)` stretches to `(3, 3)`; `(2, 3)` with `(2,)` clashes"),
    "02": ("plot_tangent",
           "the x slider: the tangent's slope is the `.grad` of one `backward()`; flat at peaks and dips"),
    "03": ("show_forward_graph", "loops and sign of x: every call records a new graph (define-by-run)"),
    "04": ("show_layer_shapes",
           "input size, kernel, padding: each layer's output shape, and the error when an image is too small"),
    "05": ("draw_trajectory", "surface, optimizer, learning rate, steps: SGD diverges on the quadratic near lr 0.2"),
    "06": ("show_first_batch", "the loader's seed: the same seed gives the same first batch of 32"),
    "07": ("show_dtype", "the dtype menu: bfloat16 stores 1 to 1.05 in steps of 0.0078"),
    "08": ("digit_canvas", "the drawing pad (needs a running kernel): draw a digit, press Predict"),
    "09": ("show_shards", "samples, ranks, epoch: which samples each rank reads, and the padding repeats"),
    "10": ("show_chain", "how many changes to apply: the measured bars, redrawn, and the speed-up of those applied"),
}

#: A two-day workshop: four half days of 3.5 h, each with a 15-minute break.
WORKSHOP_BLOCKS = ("Day 1, 09:00–12:30", "Day 1, 13:30–17:00", "Day 2, 09:00–12:30", "Day 2, 13:30–17:00")
WORKSHOP_BLOCK_MINUTES = 195
#: The workshop's path: to the trained MNIST CNN. Later notebooks join while they fit whole.
WORKSHOP_CORE = ("01", "02", "03", "04", "05", "06", "07", "08")
#: A ten-session course: one notebook per session of 2 h, 00 done at home before the first.
SESSION_MINUTES = 120


class PlanError(RuntimeError):
    """A choice here no longer matches the notebooks, or a schedule does not fit: the message says which."""


@dataclass
class Notebook:
    number: str
    title: str
    file: str
    sections: list[dict]
    before: list[str]
    exercises: list[tuple[str, str, int | None]]  # (id, name, section)
    widget: tuple[int | None, str] = (None, "")
    in_class: list[tuple[str, str, int | None]] = field(default_factory=list)

    @property
    def missing(self) -> list[int]:
        """Sections whose minutes are not known (no notes, or notes not in the agreed form)."""
        return [s["number"] for s in self.sections if s["minutes"] is None]

    @property
    def lesson(self) -> int:
        return sum(s["minutes"] or 0 for s in self.sections)

    @property
    def homework(self) -> list[tuple[str, str, int | None]]:
        return [e for e in self.exercises if e not in self.in_class]

    @property
    def room(self) -> int:
        return self.lesson + EXERCISE_MINUTES * len(self.in_class)


def _section_of(sections: list[dict], index: int) -> int | None:
    return next((s["number"] for s in sections if index in s["cells"]), None)


def read_notebook(path: Path) -> Notebook:
    """Everything the plan says about one notebook, read from it; PlanError if a choice does not match."""
    nb = nbformat.read(path, as_version=4)
    number = path.name[:2]
    sections = section_notes(nb)
    title_cell = nb.cells[0].source if nb.cells else ""
    title = re.sub(r"^#\s*\d\d\s*·\s*", "", title_cell.splitlines()[0]).strip() if title_cell else path.stem
    before_text = re.search(r"\*\*Before this:?\*\*(.*?)(?:\n\n|$)", "\n".join(c.source for c in nb.cells[:3]), re.S)
    before = sorted(set(re.findall(r"\((\d\d)_\w+\.ipynb\)", before_text[1]))) if before_text else []
    exercises = [(m[1], m[2], _section_of(sections, i)) for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
                 for m in EXERCISE.finditer(c.source)]
    found = Notebook(number, title, path.name, sections, before, exercises)
    if number not in IN_CLASS or number not in WIDGETS:
        raise PlanError(f"{path.name} has no entry in IN_CLASS or WIDGETS in tools/teaching_plan.py: choose its "
                        "in-class exercises and the widget that carries it")
    ids = {e[0]: e for e in exercises}
    unknown = [x for x in IN_CLASS[number] if x not in ids]
    if unknown:
        raise PlanError(f"IN_CLASS[{number!r}] names exercises {unknown} that {path.name} does not have "
                        f"(it has {sorted(ids)}): update tools/teaching_plan.py")
    found.in_class = [ids[x] for x in IN_CLASS[number]]
    name, what = WIDGETS[number]
    uses = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and re.search(rf"(?<!def ){name}\b", c.source)]
    if not uses:
        raise PlanError(f"WIDGETS[{number!r}] names {name!r}, which no code cell of {path.name} uses: update "
                        "tools/teaching_plan.py")
    found.widget = (_section_of(sections, uses[0]), what)
    return found


def notebooks(folder: Path = NOTEBOOKS) -> list[Notebook]:
    return [read_notebook(p) for p in sorted(folder.glob("[0-9][0-9]_*.ipynb"))]


def _exercises(items: list[tuple[str, str, int | None]]) -> str:
    return ", ".join(f"{x} `{name}`" for x, name, _ in items) or "—"


def _link(nb: Notebook, label: str) -> str:
    return f"[{label}](../notebooks/{nb.file})"


def _minutes(nb: Notebook) -> str:
    if nb.missing:
        return f"notes missing for § {', '.join(map(str, nb.missing))}"
    extra = f" + {EXERCISE_MINUTES * len(nb.in_class)} exercise" if nb.in_class else ""
    return f"**{nb.room} min** ({nb.lesson} lesson{extra})"


def table(nbs: list[Notebook]) -> str:
    """The per-notebook table, and the course's total."""
    rows = ["| # | Notebook | In a room | Before this | In class | Homework | The widget that carries it |",
            "|---|---|---|---|---|---|---|"]
    for nb in nbs:
        cells = [nb.number, _link(nb, nb.title), _minutes(nb), ", ".join(nb.before) or "nothing",
                 _exercises(nb.in_class), _exercises(nb.homework), f"§ {nb.widget[0]}: {nb.widget[1]}"]
        rows.append("| " + " | ".join(cells) + " |")
    total = sum(nb.room for nb in nbs)
    so_far = " so far (some sections have no notes yet)" if any(nb.missing for nb in nbs) else ""
    rows.append(f"\nAll {len(nbs)} notebooks: {total} min in a room{so_far}, about {total / 60:.1f} hours.")
    return "\n".join(rows)


def _units(nb: Notebook) -> list[tuple[str, int, int]]:
    """(notebook, section, minutes) for each section, the in-class exercises counted in their section."""
    return [(nb.number, s["number"], s["minutes"] + EXERCISE_MINUTES * sum(e[2] == s["number"] for e in nb.in_class))
            for s in nb.sections]


def _covers(block: list[tuple[str, int, int]], by_number: dict[str, Notebook]) -> str:
    """ "01 Tensors, 02 Autograd § 1–4" for the sections of one half day."""
    parts = []
    for number in dict.fromkeys(n for n, *_ in block):
        nb, mine = by_number[number], [s for n, s, _ in block if n == number]
        part = _link(nb, f"{number} {nb.title}")
        if mine != [s["number"] for s in nb.sections]:
            part += f" § {mine[0]}–{mine[-1]}" if len(mine) > 1 else f" § {mine[0]}"
        parts.append(part)
    return ", ".join(parts) or "questions, the homework, a project on your own data"


def workshop(nbs: list[Notebook]) -> str:
    """Four half days, filled in course order, section by section."""
    by_number = {nb.number: nb for nb in nbs}
    chosen = [n for n in WORKSHOP_CORE if n in by_number]
    capacity = WORKSHOP_BLOCK_MINUTES * len(WORKSHOP_BLOCKS)
    used = sum(by_number[n].room for n in chosen)
    if used > capacity:
        raise PlanError(
            f"the workshop's notebooks {chosen[0]}–{chosen[-1]} take {used} min in a room, more than its "
            f"{len(WORKSHOP_BLOCKS)} half days of {WORKSHOP_BLOCK_MINUTES} min ({capacity}): shorten WORKSHOP_CORE "
            "in tools/teaching_plan.py, or move exercises from IN_CLASS to homework")
    later = [nb.number for nb in nbs if nb.number > (chosen[-1] if chosen else "00")]
    while later and used + by_number[later[0]].room <= capacity:  # later notebooks join whole, in order
        used += by_number[later[0]].room
        chosen.append(later.pop(0))
    blocks: list[list[tuple[str, int, int]]] = [[]]
    for unit in (u for n in chosen for u in _units(by_number[n])):
        if blocks[-1] and sum(m for *_, m in blocks[-1]) + unit[2] > WORKSHOP_BLOCK_MINUTES:
            blocks.append([])
        blocks[-1].append(unit)
    if len(blocks) > len(WORKSHOP_BLOCKS):
        raise PlanError(f"the workshop's sections do not pack into {len(WORKSHOP_BLOCKS)} half days of "
                        f"{WORKSHOP_BLOCK_MINUTES} min (a half day ends at a section's end): shorten WORKSHOP_CORE")
    lines = ['**Before it:** every learner runs 00 at home (`make lab`; it ends in "All good" or a list of what '
             "to fix), so the room starts with working machines.", "",
             "| Half day | Covers | Minutes |", "|---|---|---|"]
    for name, block in zip(WORKSHOP_BLOCKS, blocks + [[]] * (len(WORKSHOP_BLOCKS) - len(blocks))):
        minutes = sum(m for *_, m in block)
        lines.append(f"| {name} | {_covers(block, by_number)} | {minutes} of {WORKSHOP_BLOCK_MINUTES} |")
    homework = [f"{n}: {_exercises(by_number[n].homework)}" for n in chosen if by_number[n].homework]
    others = f"the others are homework: {'; '.join(homework)}" if homework else "there is no other exercise"
    lines += ["", "Each half day has a 15-minute break and ends at a section's end. The exercises in the table's "
              f"*In class* column are done in the room; {others}."]
    if later:
        lines.append(f"After the workshop, to read and run alone: {', '.join(later)} "
                     f"({sum(by_number[n].room for n in later)} min in a room).")
    return "\n".join(lines)


def course(nbs: list[Notebook]) -> str:
    """One notebook per session; 00 at home before the first."""
    sessions = [nb for nb in nbs if nb.number != "00"]
    too_long = [f"{nb.number} ({nb.room} min)" for nb in sessions if nb.room > SESSION_MINUTES - 10]
    if too_long:
        raise PlanError(
            f"{', '.join(too_long)} do not fit a {SESSION_MINUTES}-min session with its 10-min break: move an "
            "exercise to homework in IN_CLASS (tools/teaching_plan.py), or split the notebook over two sessions")
    lines = ["**Before session 1:** every learner runs 00 at home; the first minutes of session 1 fix what it "
             "reported.", "", "| Session | Notebook | In the room | Homework |", "|---|---|---|---|"]
    for i, nb in enumerate(sessions, start=1):
        together = f" ({_exercises(nb.in_class)} together)" if nb.in_class else ""
        title = _link(nb, f"{nb.number} · {nb.title}")
        lines.append(f"| {i} | {title} | {nb.room} of {SESSION_MINUTES} min{together} | {_exercises(nb.homework)} |")
    lines += ["", f"A session is {SESSION_MINUTES} minutes with a 10-minute break; what is left after the lesson goes "
              "to questions and to starting the homework, whose check cells tell each learner where they stand "
              "before the next session."]
    return "\n".join(lines)


NUMBER_WORDS = "zero one two three four five six seven eight nine ten eleven twelve".split()


def schedules(nbs: list[Notebook]) -> str:
    """The two example schedules, or why they cannot be computed yet."""
    missing = [f"{nb.number} § {', '.join(map(str, nb.missing))}" for nb in nbs if nb.missing]
    if missing:
        return ("The two schedules are computed from every section's minutes; some sections have no instructor "
                f"notes yet ({'; '.join(missing)}).")
    count = sum(nb.number != "00" for nb in nbs)
    name = NUMBER_WORDS[count] if count < len(NUMBER_WORDS) else str(count)
    return f"### A two-day workshop\n\n{workshop(nbs)}\n\n### A {name}-session course\n\n{course(nbs)}"


PARTS = {"table": table, "schedules": schedules}


def _marker(name: str) -> re.Pattern:
    return re.compile(rf"(<!-- BEGIN plan:{name} [^\n]*-->\n)(.*?)(<!-- END plan:{name} -->)", re.S)


def render(page: str, nbs: list[Notebook]) -> str:
    """The page with every generated part rewritten; PlanError if a marker is missing."""
    for name, make in PARTS.items():
        if not _marker(name).search(page):
            raise PlanError(f"{PLAN.name} lacks the markers <!-- BEGIN plan:{name} ... --> and "
                            f"<!-- END plan:{name} -->")
        page = _marker(name).sub(lambda m: m[1] + make(nbs) + "\n" + m[3], page, count=1)
    return page


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 if the page is out of date; write nothing")
    args = parser.parse_args(argv)
    try:
        page = PLAN.read_text(encoding="utf-8")
        new = render(page, notebooks())
    except PlanError as err:
        print(f"teaching plan: {err}", file=sys.stderr)
        return 1
    if args.check:
        print("up to date" if new == page else f"{PLAN.relative_to(ROOT)} is out of date: run tools/teaching_plan.py")
        return 0 if new == page else 1
    PLAN.write_text(new, encoding="utf-8")
    print(f"{PLAN.relative_to(ROOT)}: {'rewritten' if new != page else 'already up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
