"""Which device the course computes on, and why.

PyTorch itself always starts on the CPU (``torch.get_default_device()`` is ``cpu``
even on a GPU machine); code moves models and data to an accelerator on purpose.
These helpers choose that accelerator: CUDA, then Apple's MPS, then the CPU.
"""

from __future__ import annotations

import os
from typing import NamedTuple

import torch

#: Environment variable that overrides the choice for every notebook, e.g. PTGU_DEVICE=cpu.
DEVICE_ENV_VAR = "PTGU_DEVICE"

_KINDS = ("cuda", "mps", "cpu")


class DeviceUnavailableError(RuntimeError):
    """A device was asked for that this machine cannot provide. Introduced in: 00_setup_check.ipynb"""


class DeviceChoice(NamedTuple):
    """The chosen device and a one-line reason. Introduced in: 00_setup_check.ipynb"""

    device: torch.device
    reason: str


def _mps_available() -> bool:
    return bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())


def _available(kind: str) -> bool:
    return {"cuda": torch.cuda.is_available, "mps": _mps_available, "cpu": lambda: True}[kind]()


def choose_device(requested: str | None = None) -> DeviceChoice:
    """Pick the device: ``requested`` if given, else $PTGU_DEVICE, else CUDA > MPS > CPU.

    ``requested`` may be "auto", "cpu", "cuda", "cuda:1" or "mps". Asking for a device
    the machine lacks raises DeviceUnavailableError with what to do instead.
    Introduced in: 00_setup_check.ipynb
    """
    origin = "as an argument"
    if requested in (None, "", "auto"):
        requested = os.environ.get(DEVICE_ENV_VAR, "").strip() or None
        origin = f"through ${DEVICE_ENV_VAR}"
    if requested in (None, "auto"):
        return _best_device()
    kind = requested.split(":")[0]
    if kind not in _KINDS:
        raise DeviceUnavailableError(
            f"Unknown device {requested!r} (asked for {origin}): use 'auto', 'cpu', 'cuda' or 'mps'."
        )
    if not _available(kind):
        raise DeviceUnavailableError(
            f"{requested!r} was asked for {origin}, but this machine has no working {kind.upper()} "
            f"device. Use 'auto' (or unset ${DEVICE_ENV_VAR}) to fall back to what is available."
        )
    device = torch.device(requested)
    if device.type == "cuda" and (device.index or 0) >= torch.cuda.device_count():
        raise DeviceUnavailableError(
            f"{requested!r} was asked for {origin}, but only {torch.cuda.device_count()} "
            "CUDA device(s) exist; they are numbered from 0."
        )
    return DeviceChoice(device, f"{device}: asked for {origin}")


def _best_device() -> DeviceChoice:
    if torch.cuda.is_available():
        name = torch.cuda.get_device_name(0)
        return DeviceChoice(torch.device("cuda"), f"cuda: an NVIDIA GPU is available ({name})")
    if _mps_available():
        return DeviceChoice(torch.device("mps"), "mps: no CUDA GPU, but Apple's Metal (MPS) works")
    return DeviceChoice(torch.device("cpu"), "cpu: no CUDA GPU and no Apple MPS device was found")


def pick_device(requested: str | None = None) -> torch.device:
    """Just the device of :func:`choose_device`. Introduced in: 00_setup_check.ipynb"""
    return choose_device(requested).device
