"""The rule pack and data files the monitor ships with, and where each path setting points by default.

The repository keeps them where analysts edit them: ``rules/`` and ``data/`` at its root. An
installed package carries a copy in ``monitor/pack/`` (put there when the wheel is built:
``setup.py``). A path setting's default is the working directory's file when there is one (a
checkout, or a folder made by ``monitor init``) and the shipped copy otherwise, so that the
monitor runs from any directory and an analyst's folder wins wherever it exists.
"""

from __future__ import annotations

from pathlib import Path

# What is shipped, as paths relative to a checkout's root (and to ``monitor/pack``).
RULES = "rules"
SOURCES = "data/sources.yaml"
ELECTIONS = "data/elections.yaml"
COUNTRIES = "data/countries.yaml"
SHIPPED = (RULES, SOURCES, ELECTIONS, COUNTRIES)

_PACKAGE = Path(__file__).resolve().parent.parent
_INSTALLED = _PACKAGE / "pack"  # in a built wheel
_CHECKOUT = _PACKAGE.parent  # an editable install runs from the repository


def shipped(relative: str) -> Path:
    """The copy of ``relative`` that came with the package (in a checkout: the repository's own)."""
    installed = _INSTALLED / relative
    if installed.exists() or not (_CHECKOUT / relative).exists():
        return installed
    return _CHECKOUT / relative


def local_or_shipped(relative: str) -> Path:
    """The working directory's ``relative`` when it exists, else the shipped one."""
    here = Path(relative)
    return here if here.exists() else shipped(relative)


def is_shipped(path: Path) -> bool:
    """Whether ``path`` is inside the installed package's copy (not to be edited: ``monitor init`` makes one to edit)."""
    return path.resolve().is_relative_to(_INSTALLED)
