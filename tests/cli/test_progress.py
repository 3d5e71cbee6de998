"""The progress of long runs: a bar redrawn in place on a terminal (or when asked), one closing line always."""

from __future__ import annotations

import io

from monitor.cli.progress import ProgressBar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Ticks:
    """A clock that moves one second per reading."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


def test_on_a_terminal_the_bar_is_redrawn_in_place_then_closed_with_the_speed() -> None:
    stream = Terminal()
    bar = ProgressBar("backtest", 4, stream=stream, clock=Ticks())
    for done in range(1, 5):
        bar(done)
    bar.finish("items", 2)
    out = stream.getvalue()
    frames = out.split("\r")[1:]
    assert len(frames) == 4
    assert frames[1].startswith("backtest: [###############...............]  50% 2/4, 1/s, 2 s left")
    assert frames[-1].startswith("backtest: [##############################] 100% 4/4")
    assert out.endswith("\nbacktest: 4/4 items, 1 items/s on 2 processes\n")


def test_off_a_terminal_only_the_closing_line_is_written_unless_asked() -> None:
    quiet = io.StringIO()
    bar = ProgressBar("eval", 3, stream=quiet, clock=Ticks())
    for done in range(1, 4):
        bar(done)
    bar.finish("texts", 1)
    assert quiet.getvalue() == "eval: 3/3 texts, 1 texts/s on 1 process\n"

    asked = io.StringIO()
    bar = ProgressBar("eval", 3, force=True, stream=asked, clock=Ticks())
    bar(3)
    bar.finish("texts", 1)
    assert asked.getvalue().startswith("\reval: [") and asked.getvalue().endswith(" 100% 3/3, 3/s\neval: 3/3 texts, 2 texts/s on 1 process\n")


def test_the_closing_line_counts_what_the_run_counts() -> None:
    """A backtest counts the items it read, scored or skipped (source unknown): the bar counts the scored."""
    stream = io.StringIO()
    bar = ProgressBar("backtest", 5, stream=stream, clock=Ticks())
    bar(4)
    bar.finish("items", 1, done=5)
    assert stream.getvalue().startswith("backtest: 5/5 items")
