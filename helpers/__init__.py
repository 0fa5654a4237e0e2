"""Shared code for the notebooks of PyTorch from the Ground Up.

Each notebook builds a thing by hand first, then imports the reference version from
here. Modules by topic: ``data``, ``devices``, ``env``, ``plotting``, ``models``,
``training``, ``checks`` (exercise checkers). Importing this package does nothing
but define things: no downloads, no printing, no seeding, no style changes.
"""

__all__ = ["checks", "data", "devices", "env", "plotting"]
