"""What the checker tests share: calling a checker and reading its one line, and stub answers."""

from __future__ import annotations


def run(checker, fn, capsys) -> tuple[bool, str]:
    """Call a checker; return (verdict as bool, the one line it printed)."""
    verdict = checker(fn)
    out = capsys.readouterr().out
    assert out.count("\n") == 1, f"a checker prints exactly one line, got {out!r}"
    assert out.strip() == verdict.message
    return bool(verdict), out


def not_done(*args):
    """An untouched stub."""
    raise NotImplementedError


def returns_none(*args):
    """A stub whose `return` is missing."""
    return None
