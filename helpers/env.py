"""The environment report that 00_setup_check shows, and the list of what to fix."""

from __future__ import annotations

import platform
import sys
from importlib import metadata
from pathlib import Path

import torch

from helpers.data import MNISTDataError, default_data_root, verify_mnist_files
from helpers.devices import DeviceUnavailableError, choose_device

#: Packages whose versions the report shows (distribution names).
REPORTED_PACKAGES = ("torch", "torchvision", "numpy", "matplotlib", "jupyterlab", "ipywidgets", "tqdm")


def pinned_versions(requirements: str | Path | None = None) -> dict[str, str]:
    """{package: version} from the course's requirements.txt (``name==version`` lines).

    Introduced in: 00_setup_check.ipynb
    """
    path = Path(requirements or default_data_root().parent / "requirements.txt")
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==")
            pins[name.strip().lower()] = version.strip()
    return pins


def matches_pin(installed: str | None, pinned: str) -> bool:
    """Whether an installed version satisfies the pin ``==pinned``, as pip decides it.

    A local build label after ``+`` does not count: pip's ``torch==2.14.1`` installs and accepts
    ``2.14.1+cpu`` or ``2.14.1+cu130`` (PEP 440), so those match the pin ``2.14.1``.
    Introduced in: 00_setup_check.ipynb
    """
    return installed is not None and installed.split("+", 1)[0] == pinned


def installed_version(package: str) -> str | None:
    """The installed version of a distribution, or None. Introduced in: 00_setup_check.ipynb"""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def environment_report(device: str | None = None) -> dict[str, str]:
    """What a learner (or the person helping them) needs to know about this machine.

    Returns {label: value} with Python, the course's packages, CPU threads, the chosen
    device and the state of the MNIST files. Introduced in: 00_setup_check.ipynb
    """
    report = {"python": platform.python_version(), "platform": f"{platform.system()} {platform.machine()}"}
    for package in REPORTED_PACKAGES:
        report[package] = installed_version(package) or "not installed"
    report["cpu threads (torch)"] = str(torch.get_num_threads())
    report["cuda available"] = str(torch.cuda.is_available())
    try:
        report["device"] = choose_device(device).reason
    except DeviceUnavailableError as err:
        report["device"] = f"problem: {err}"
    try:
        verify_mnist_files()
        report["mnist files"] = "all 4 present, SHA-256 verified"
    except MNISTDataError as err:
        report["mnist files"] = f"problem: {err}"
    return report


def format_report(report: dict[str, str]) -> str:
    """The report as aligned ``label : value`` lines. Introduced in: 00_setup_check.ipynb"""
    width = max(map(len, report))
    return "\n".join(f"{label:<{width}} : {value}" for label, value in report.items())


def setup_problems(report: dict[str, str], pins: dict[str, str] | None = None) -> list[str]:
    """Everything in ``report`` a learner must fix, as sentences; empty when all is good.

    Introduced in: 00_setup_check.ipynb
    """
    pins = pinned_versions() if pins is None else pins
    problems = []
    if sys.version_info < (3, 11):
        problems.append(f"Python {report['python']} is too old: the course needs 3.11 or newer.")
    for package in REPORTED_PACKAGES:
        want, have = pins.get(package), report.get(package)
        if want and not matches_pin(have, want):
            problems.append(
                f"{package} is {have}, the course pins {want}: run `make lab` from the project "
                "folder (it installs the pinned versions) and pick its kernel."
            )
    for key in ("device", "mnist files"):
        if report[key].startswith("problem: "):
            problems.append(report[key].removeprefix("problem: "))
    return problems
