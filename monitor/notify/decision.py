"""The one place that decides what becomes of an assessed item: alert, silenced, a copy of a
story, a near miss for review, or nothing.

Pure: the scoring's assessment, the silences in force and the result of story matching go in;
a frozen ``Decision`` comes out, which the store records as it is. It lives in notify because
what it weighs is notification policy (silences, one alert per story) over the detection's
verdict; it needs the domain types only, and the daemon gathers its inputs.
"""

from __future__ import annotations

from collections.abc import Iterable

from monitor.models import Assessment, Decision, Fate, SilenceRule, Source
from monitor.notify.silences import silencing


def decide(assessment: Assessment, source: Source, silences: Iterable[SilenceRule], story: int | None) -> Decision:
    """The item's fate. ``story`` is the alert of a recent story the item repeats, if any.

    Silences and stories bear only on an item that alerts: a near miss is for review whatever
    they say. A copy of a story joins it, silenced or not (its story was decided when it alerted).
    """
    if assessment.review:
        return Decision(Fate.REVIEW)
    if not assessment.alert:
        return Decision(Fate.NOTHING)
    if story is not None:
        return Decision(Fate.COPY, story=story)
    silence = silencing(assessment, source, silences)
    if silence is not None:
        return Decision(Fate.SILENCED, silenced_by=silence.id)
    return Decision(Fate.ALERT)
