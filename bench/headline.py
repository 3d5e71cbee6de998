"""The line a benchmark prints for a figure the project has set a goal for.

`bench/figures.py` runs every benchmark and gathers these lines into one table (the README's).
"""

from __future__ import annotations

MARK = "»"


def headline(measure: str, value: float, goal: str, unit: str = "") -> None:
    """Print ``» measure: value unit (goal ...)``; ``goal`` reads as "at least 1.2", "at most 10 s"."""
    print(f"{MARK} {measure}: {value:.3g}{unit} (goal: {goal})", flush=True)
