"""posture's optional parts (the extras of ``pyproject.toml``) and the line that says how to install one.

A package named ``posture`` on PyPI is another project, so the line is the README's: an install from
posture's own folder, with the lock.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from posture.errors import EXIT_USAGE, PostureError


def needs_extra(what: str, extra: str) -> str:
    """One line: ``what`` needs the optional part ``extra``, and the command that installs it."""
    return f"{what} needs posture's optional extra '{extra}': pip install -c constraints.txt \".[{extra}]\" in posture's folder"


class ExtraMissing(PostureError):
    """An option needs an optional part of posture that is not installed."""

    exit_code = EXIT_USAGE


def require(module: str, extra: str, what: str) -> ModuleType:
    """``module``, imported; :class:`ExtraMissing` (:func:`needs_extra`'s line) when ``extra`` is not installed."""
    try:
        return import_module(module)
    except ImportError:
        raise ExtraMissing(needs_extra(what, extra)) from None


__all__ = ["ExtraMissing", "needs_extra", "require"]
