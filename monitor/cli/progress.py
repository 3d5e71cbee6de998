"""Progress of long runs (`backtest`, `eval`, `rules tune`) on standard error.

A bar redrawn in place is shown only on a terminal, or with ``--progress`` (for a log that
wants it); a run always ends with one line saying how many texts it scored, how fast and on how
many processes, so a script's log keeps the figure without the bar's redraws.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from time import monotonic
from typing import TextIO

REDRAW_SECONDS = 0.2
BAR_WIDTH = 30


def add_speed_options(parser: argparse.ArgumentParser) -> None:
    """``--processes N`` and ``--progress``, which the re-scoring commands take."""
    parser.add_argument("--processes", type=int, metavar="N", help="processes to score with (default: one per core for 300 texts or more, else 1)")
    parser.add_argument("--progress", action="store_true", help="draw the progress bar on standard error even when it is not a terminal")


class ProgressBar:
    """Call it with the number of texts done; ``finish`` prints the closing line."""

    def __init__(self, label: str, total: int, force: bool = False, stream: TextIO | None = None, clock: Callable[[], float] = monotonic) -> None:
        self.label, self.total, self.clock = label, total, clock
        self.stream = stream if stream is not None else sys.stderr
        self.drawing = force or self.stream.isatty()
        self.started = self.last = clock()
        self.done = 0

    def __call__(self, done: int) -> None:
        self.done = done
        now = self.clock()
        if self.drawing and (now - self.last >= REDRAW_SECONDS or done == self.total):
            self.last = now
            self.stream.write("\r" + self.line(done, now))
            self.stream.flush()

    def line(self, done: int, now: float) -> str:
        share = done / self.total if self.total else 1.0
        filled = round(share * BAR_WIDTH)
        rate = done / max(now - self.started, 1e-9)
        left = f", {(self.total - done) / rate:.0f} s left" if rate and done < self.total else ""
        return f"{self.label}: [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {share:4.0%} {done}/{self.total}, {rate:,.0f}/s{left}"

    def finish(self, unit: str, processes: int, done: int | None = None) -> None:
        """The closing line; ``done`` if the run counts otherwise than the bar (items skipped unscored)."""
        elapsed = max(self.clock() - self.started, 1e-9)
        end = "\n" if self.drawing and self.done else ""
        count = self.done if done is None else done
        plural = "es" if processes != 1 else ""
        self.stream.write(f"{end}{self.label}: {count}/{self.total} {unit}, {count / elapsed:,.0f} {unit}/s on {processes} process{plural}\n")
        self.stream.flush()
