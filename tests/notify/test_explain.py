"""The first line of a message: the vote ahead, in words an analyst reads at once."""

from __future__ import annotations

from datetime import date

import pytest

from monitor.models import Election, ElectionNear, ElectionStatus, ElectionType
from monitor.notify.explain import lead_election, vote_headline

NAMES = {"HU": "Hungary", "MD": "Moldova", "CZ": "Czechia", "US": "United States", "LT": "Lithuania"}


def near(country: str, kind: ElectionType, day: date, days_until: int, end: date | None = None) -> ElectionNear:
    return ElectionNear(Election(country, kind, day, f"{country} {kind}", ElectionStatus.SCHEDULED, end_date=end), days_until)


def headline(*elections: ElectionNear) -> str:
    return vote_headline(elections, NAMES.__getitem__)


def test_a_vote_ahead_is_named_with_the_days_to_it() -> None:
    assert headline(near("HU", ElectionType.PARLIAMENTARY, date(2026, 4, 12), 26)) == "Hungary votes in 26 days (parliamentary, 12 April 2026)"


@pytest.mark.parametrize(("days", "when"), [(1, "votes tomorrow"), (0, "votes today")])
def test_the_next_day_and_the_day_itself_are_said_so(days: int, when: str) -> None:
    assert headline(near("US", ElectionType.PRESIDENTIAL, date(2024, 11, 5), days)) == f"United States {when} (presidential, 5 November 2024)"


def test_between_two_rounds_the_round_to_come_leads_and_the_first_is_recalled() -> None:
    first = near("MD", ElectionType.PRESIDENTIAL, date(2024, 10, 20), -1)
    runoff = near("MD", ElectionType.RUNOFF, date(2024, 11, 3), 13)
    assert headline(first, runoff) == "Moldova's runoff in 13 days (first round was yesterday)"
    assert lead_election([first, runoff]) == runoff


def test_before_the_first_round_the_first_round_leads() -> None:
    first = near("MD", ElectionType.PRESIDENTIAL, date(2024, 10, 20), 5)
    runoff = near("MD", ElectionType.RUNOFF, date(2024, 11, 3), 19)
    assert headline(runoff, first) == "Moldova votes in 5 days (presidential, 20 October 2024)"


def test_a_vote_held_over_several_days_is_under_way_until_its_last_day() -> None:
    vote = near("CZ", ElectionType.PARLIAMENTARY, date(2024, 9, 20), -1, end=date(2024, 9, 21))
    assert headline(vote) == "Czechia is voting (parliamentary, 20 September 2024 to 21 September 2024)"


def test_after_the_vote_the_latest_vote_past_is_named() -> None:
    older = near("CZ", ElectionType.LOCAL, date(2024, 9, 1), -24)
    latest = near("CZ", ElectionType.PARLIAMENTARY, date(2024, 9, 20), -5)
    assert headline(older, latest) == "Czechia voted 5 days ago (parliamentary, 20 September 2024)"


def test_a_runoff_alone_gives_its_date() -> None:
    assert headline(near("LT", ElectionType.RUNOFF, date(2024, 10, 27), 32)) == "Lithuania's runoff in 32 days (27 October 2024)"


def test_no_election_is_said_so() -> None:
    assert headline() == "No election in window"
