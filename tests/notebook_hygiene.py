"""What every committed notebook must satisfy, as a function that lists problems.

Used by tests/test_notebook_hygiene.py on every notebook, and by
tests/test_harness_bites.py on deliberately broken ones.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat

# Absolute paths of this machine or of anyone's: a learner reads outputs on GitHub.
MACHINE_PATH = re.compile(r"(/work/|/root/|/home/\w|/Users/\w|/tmp/|site-packages|[A-Z]:\\\\Users)")
# Learner prose speaks to the learner about PyTorch, not about the course's test machinery.
TEST_JARGON = re.compile(r"\b(papermill|nbval|CI|pytest|the tests|the issue)\b")
SKELETON = {
    "a title '# NN · ...'": re.compile(r"^# \d\d · ", re.M),
    "'You will learn'": re.compile(r"\*\*You will learn:?\*\*"),
    "'Before this'": re.compile(r"\*\*Before this:?\*\*"),
    "a '## Summary' section": re.compile(r"^## Summary", re.M),
    "a '**Next:**' link": re.compile(r"\*\*Next:?\*\*"),
}


def _tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def notebook_problems(path: Path) -> list[str]:
    """Every hygiene problem of one notebook file, as sentences; empty when clean."""
    try:
        nb = nbformat.read(path, as_version=4)
    except (json.JSONDecodeError, nbformat.reader.NotJSONError) as err:
        return [f"not a valid notebook: {err}"]
    problems = []
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    problems += [f"skeleton lacks {what}" for what, rx in SKELETON.items() if not rx.search(markdown)]
    jargon = sorted({m.group(0) for m in TEST_JARGON.finditer(markdown)})
    if jargon:
        problems.append(f"learner prose speaks of how the tests run ({jargon}): that belongs in README and tests/")
    code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    if not any("parameters" in _tags(c) for c in code):
        problems.append("no code cell tagged `parameters`")
    if not any("torch.manual_seed(" in c.source for c in code):
        problems.append("no visible torch.manual_seed(...) call")
    if nb.metadata.get("kernelspec", {}).get("name") != "python3":
        problems.append("kernelspec is not python3 (execute it with tools/execute_notebooks.py)")
    counts = [c.execution_count for c in code]
    if counts != list(range(1, len(code) + 1)):
        problems.append(f"execution counts {counts[:8]}... are not 1..{len(code)}: re-execute top to bottom")
    for i, cell in enumerate(code, start=1):
        if re.search(r"^\s*(from \S+ import \*|[!%]+pip )", cell.source, re.M):
            problems.append(f"code cell {i} uses `import *` or installs packages")
        if "raises-exception" in _tags(cell):
            problems.append(f"code cell {i} is tagged raises-exception: catch and print the error instead")
        for out in cell.outputs:
            if out.output_type == "error":
                problems.append(f"code cell {i} has an error output ({out.ename})")
            text = out.get("text", "") + json.dumps(out.get("data", {}).get("text/plain", ""))
            if out.get("name") == "stderr" and re.search(r"Warning\b", text):
                problems.append(f"code cell {i} prints a warning: {text.strip()[:120]}")
            if MACHINE_PATH.search(text):
                problems.append(f"code cell {i} shows a machine path ({MACHINE_PATH.search(text).group(0)}...)")
    return problems
