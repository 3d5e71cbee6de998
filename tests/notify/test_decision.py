"""What becomes of an assessed item: one pure decision over the assessment, the silences and the story."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from monitor.models import (
    Assessment,
    Decision,
    Election,
    ElectionNear,
    ElectionType,
    Fate,
    Match,
    Severity,
    SilenceRule,
    Source,
    SourceKind,
)
from monitor.notify.decision import decide

SOURCE = Source(id="by-mfa", name="MFA", url="https://example.invalid/feed", kind=SourceKind.OFFICIAL, country="BY")
VOTE = ElectionNear(Election("LT", ElectionType.PARLIAMENTARY, date(2024, 10, 13), "Seimas", "scheduled"), 18)
MATCH = Match("ei02-reset", "Reset", 5.0, Severity.HIGH, ("ei:EI-02",), ())
UNTIL = datetime(2030, 1, 1, tzinfo=UTC)


def assessment(alert: bool = True, review: bool = False) -> Assessment:
    return Assessment(7.5, Severity.HIGH, alert, (MATCH,), (VOTE,), ("LT",), "en", review=review)


def silence(id: int, rule_id: str | None = None, source_id: str | None = None, country: str | None = None) -> SilenceRule:
    return SilenceRule(id, rule_id, source_id, country, UNTIL, "noise")


def test_an_alerting_item_alerts_when_nothing_holds_it_back() -> None:
    decision = decide(assessment(), SOURCE, [silence(1, source_id="other"), silence(2, country="MD")], None)
    assert decision == Decision(Fate.ALERT) and decision.new_alert


def test_the_first_silence_that_covers_it_holds_it_back_and_is_named() -> None:
    silences = [silence(1, rule_id="ei07-*"), silence(2, country="LT"), silence(3, source_id="by-mfa")]
    decision = decide(assessment(), SOURCE, silences, None)
    assert decision == Decision(Fate.SILENCED, silenced_by=2) and decision.new_alert


@pytest.mark.parametrize("silences", [[], [silence(2, country="LT")]])
def test_a_copy_of_a_recent_story_joins_it_silenced_or_not(silences: list[SilenceRule]) -> None:
    decision = decide(assessment(), SOURCE, silences, 41)
    assert decision == Decision(Fate.COPY, story=41) and not decision.new_alert


def test_a_near_miss_is_for_review_whatever_the_silences_and_stories() -> None:
    decision = decide(assessment(alert=False, review=True), SOURCE, [silence(1)], 41)
    assert decision == Decision(Fate.REVIEW) and not decision.new_alert


def test_an_item_that_neither_alerts_nor_needs_review_comes_to_nothing() -> None:
    assert decide(assessment(alert=False), SOURCE, [silence(1)], 41) == Decision(Fate.NOTHING)


@pytest.mark.parametrize(
    "fields",
    [{"fate": Fate.ALERT, "silenced_by": 1}, {"fate": Fate.SILENCED}, {"fate": Fate.COPY}, {"fate": Fate.NOTHING, "story": 3}],
)
def test_a_decision_carries_a_silence_exactly_when_silenced_and_a_story_exactly_when_a_copy(fields: dict) -> None:
    with pytest.raises(ValueError):
        Decision(**fields)
