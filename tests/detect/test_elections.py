"""The election calendar: which elections are near a publication day, and the shipped calendar file."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from monitor.detect.elections import ElectionCalendar, ElectionsFile, calendar_of, load_elections
from monitor.errors import ConfigError
from monitor.models import Election, ElectionType
from tests.conftest import ROOT


def load_calendar(path: Path) -> ElectionCalendar:
    return calendar_of(load_elections(path))

DAY = date(2024, 9, 25)  # the founding case: 18 days before Lithuania's Seimas election


def election(country: str, day: date, status: str = "held", type: ElectionType = ElectionType.PARLIAMENTARY) -> Election:
    return Election(country=country, type=type, date=day, name=f"{country} {type} {day}", status=status)


LT_SEIMAS = election("LT", date(2024, 10, 13))
MD_PRESIDENT = election("MD", date(2024, 10, 20), type=ElectionType.PRESIDENTIAL)
GE_PARLIAMENT = election("GE", date(2024, 10, 26))
AT_EARLIER = election("AT", date(2024, 9, 20))  # 5 days before DAY


@pytest.fixture
def calendar() -> ElectionCalendar:
    return ElectionCalendar([GE_PARLIAMENT, LT_SEIMAS, AT_EARLIER, MD_PRESIDENT])


class TestNear:
    def test_election_ahead_within_before_is_found(self, calendar: ElectionCalendar) -> None:
        """An election 18 days after the day is found with days_until 18 when looking 60 days ahead."""
        (near,) = calendar.near(DAY, ["LT"], before=60, after=0)
        assert near.election == LT_SEIMAS
        assert near.days_until == 18

    def test_election_ahead_beyond_before_is_not_found(self, calendar: ElectionCalendar) -> None:
        """The same election is not near when looking only 10 days ahead."""
        assert calendar.near(DAY, ["LT"], before=10, after=0) == ()

    def test_window_ends_are_inclusive(self, calendar: ElectionCalendar) -> None:
        """An election exactly ``before`` days ahead, or exactly ``after`` days behind, is in the window."""
        assert [n.days_until for n in calendar.near(DAY, ["LT"], before=18, after=0)] == [18]
        assert calendar.near(DAY, ["LT"], before=17, after=0) == ()
        assert [n.days_until for n in calendar.near(DAY, ["AT"], before=0, after=5)] == [-5]
        assert calendar.near(DAY, ["AT"], before=0, after=4) == ()

    def test_election_held_earlier_within_after_is_found(self, calendar: ElectionCalendar) -> None:
        """An election held 5 days earlier is found with days_until -5 when looking 30 days back."""
        (near,) = calendar.near(DAY, ["AT"], before=60, after=30)
        assert near.election == AT_EARLIER
        assert near.days_until == -5

    def test_election_held_earlier_is_not_found_with_after_zero(self, calendar: ElectionCalendar) -> None:
        """With ``after=0`` a vote already held is not near."""
        assert calendar.near(DAY, ["AT"], before=60, after=0) == ()

    def test_election_on_the_day_itself_is_found(self) -> None:
        """A vote held on the publication day is near with days_until 0, even with after=0."""
        (near,) = ElectionCalendar([LT_SEIMAS]).near(LT_SEIMAS.date, ["LT"], before=0, after=0)
        assert near.days_until == 0

    def test_only_requested_countries(self, calendar: ElectionCalendar) -> None:
        """Elections of countries not asked for are left out; no countries means no elections."""
        found = calendar.near(DAY, ["LT", "GE"], before=60, after=30)
        assert {n.election.country for n in found} == {"LT", "GE"}
        assert calendar.near(DAY, [], before=60, after=30) == ()
        assert calendar.near(DAY, ["FR"], before=60, after=30) == ()

    @pytest.mark.parametrize("status", ["annulled", "cancelled", "postponed"])
    def test_a_called_off_vote_without_its_day_is_never_near(self, status: str) -> None:
        """An annulled, cancelled or postponed vote that does not say when it was called off opens no window."""
        calendar = ElectionCalendar([election("RO", date(2024, 11, 24), status=status, type=ElectionType.PRESIDENTIAL)])
        assert calendar.near(date(2024, 11, 20), ["RO"], before=730, after=365) == ()

    def test_a_cancelled_vote_keeps_its_window_up_to_the_day_it_was_called_off(self) -> None:
        """Romania's runoff of 8 December 2024, cancelled on 6 December: near on the 6th, not on the 7th."""
        runoff = replace(election("RO", date(2024, 12, 8), status="cancelled", type=ElectionType.RUNOFF), cancelled_on=date(2024, 12, 6))
        calendar = ElectionCalendar([runoff])
        assert [n.days_until for n in calendar.near(date(2024, 12, 6), ["RO"], before=60, after=30)] == [2]
        assert calendar.near(date(2024, 12, 7), ["RO"], before=60, after=30) == ()

    def test_an_annulled_vote_is_near_after_it_until_it_was_annulled(self) -> None:
        """The first round of 24 November 2024, annulled on 6 December: attacks on it in between are after a vote."""
        first = replace(election("RO", date(2024, 11, 24), status="annulled", type=ElectionType.PRESIDENTIAL), cancelled_on=date(2024, 12, 6))
        calendar = ElectionCalendar([first])
        assert [n.days_until for n in calendar.near(date(2024, 12, 1), ["RO"], before=60, after=30)] == [-7]
        assert calendar.near(date(2024, 12, 10), ["RO"], before=60, after=30) == ()

    def test_a_vote_over_several_weeks_counts_from_its_first_day_to_its_last(self) -> None:
        """India's phased vote (19 April to 1 June 2024): 10 days before its first day, during it, 20 days after its last."""
        phased = replace(election("IN", date(2024, 4, 19)), end_date=date(2024, 6, 1))
        calendar = ElectionCalendar([phased])
        assert [n.days_until for n in calendar.near(date(2024, 4, 9), ["IN"], before=10, after=0)] == [10]
        assert calendar.near(date(2024, 4, 8), ["IN"], before=10, after=0) == ()
        assert len(calendar.near(date(2024, 5, 20), ["IN"], before=0, after=0)) == 1
        assert len(calendar.near(date(2024, 6, 21), ["IN"], before=0, after=20)) == 1
        assert calendar.near(date(2024, 6, 22), ["IN"], before=0, after=20) == ()

    @pytest.mark.parametrize("status", ["held", "scheduled", "expected"])
    def test_held_scheduled_and_expected_elections_are_near(self, status: str) -> None:
        """Held, scheduled and expected votes all open a window."""
        calendar = ElectionCalendar([election("LT", date(2024, 10, 13), status=status)])
        assert len(calendar.near(DAY, ["LT"], before=60, after=0)) == 1

    def test_closest_first(self, calendar: ElectionCalendar) -> None:
        """Several elections come closest first, by distance either side of the day."""
        found = calendar.near(DAY, ["LT", "MD", "GE", "AT"], before=60, after=30)
        assert [(n.election.country, n.days_until) for n in found] == [("AT", -5), ("LT", 18), ("MD", 25), ("GE", 31)]

    def test_two_elections_on_one_day_both_found(self) -> None:
        """Two votes of one country on one day (an election and a referendum) are both near."""
        referendum = election("LT", date(2024, 5, 12), type=ElectionType.REFERENDUM)
        president = election("LT", date(2024, 5, 12), type=ElectionType.PRESIDENTIAL)
        found = ElectionCalendar([referendum, president]).near(date(2024, 5, 1), ["LT"], before=60, after=0)
        assert {n.election.type for n in found} == {ElectionType.REFERENDUM, ElectionType.PRESIDENTIAL}
        assert all(n.days_until == 11 for n in found)

    def test_length_counts_every_election(self, calendar: ElectionCalendar) -> None:
        """``len`` of a calendar is the number of elections in it."""
        assert len(calendar) == 4


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "elections.yaml"
    path.write_text(text, encoding="utf-8")
    return path


class TestCalendarFile:
    def test_shipped_calendar_loads(self) -> None:
        """data/elections.yaml loads into a non-empty calendar."""
        assert len(load_calendar(ROOT / "data" / "elections.yaml")) > 50

    def test_shipped_calendar_has_the_lithuanian_seimas_election(self) -> None:
        """The shipped calendar has Lithuania's parliamentary election of 2024-10-13, held, 18 days after 2024-09-25."""
        calendar = load_calendar(ROOT / "data" / "elections.yaml")
        found = [n for n in calendar.near(DAY, ["LT"], before=60, after=0) if n.election.type is ElectionType.PARLIAMENTARY]
        assert [(n.election.date, n.election.status, n.days_until) for n in found] == [(date(2024, 10, 13), "held", 18)]

    def test_only_day_precision_dates_open_a_window(self, tmp_path: Path) -> None:
        """Entries whose date_precision is month, year or deadline never appear in ``near``."""
        path = write(
            tmp_path,
            """\
elections:
  - {country: "LT", type: parliamentary, date: 2024-10-13, date_precision: day, name: Seimas, status: held}
  - {country: "LV", type: parliamentary, date: 2024-10-01, date_precision: month, name: Saeima, status: expected}
  - {country: "EE", type: parliamentary, date: 2024-10-10, date_precision: year, name: Riigikogu, status: expected}
  - {country: "PL", type: presidential, date: 2024-10-20, date_precision: deadline, name: President, status: scheduled}
""",
        )
        calendar = load_calendar(path)
        found = calendar.near(DAY, ["LT", "LV", "EE", "PL"], before=730, after=365)
        assert [n.election.country for n in found] == ["LT"]

    def test_date_precision_defaults_to_day(self, tmp_path: Path) -> None:
        """An entry without date_precision is a polling day."""
        path = write(tmp_path, 'elections:\n  - {country: "LT", type: parliamentary, date: 2024-10-13, name: Seimas, status: held}\n')
        assert len(load_calendar(path).near(DAY, ["LT"], before=60, after=0)) == 1

    def test_an_unknown_status_is_a_config_error(self, tmp_path: Path) -> None:
        """A status outside the list is a ConfigError naming its key path."""
        path = write(tmp_path, 'elections:\n  - {country: "LT", type: parliamentary, date: 2024-10-13, name: Seimas, status: rumoured}\n')
        with pytest.raises(ConfigError) as caught:
            load_calendar(path)
        assert [p.location for p in caught.value.problems] == ["elections[0].status"]

    def test_unquoted_no_is_not_a_country(self, tmp_path: Path) -> None:
        """``country: NO`` unquoted is YAML's false, which is reported rather than read as Norway."""
        path = write(tmp_path, "elections:\n  - {country: NO, type: parliamentary, date: 2025-09-08, name: Storting, status: held}\n")
        with pytest.raises(ConfigError) as caught:
            load_calendar(path)
        assert [p.location for p in caught.value.problems] == ["elections[0].country"]

    def test_a_multi_day_vote_is_near_on_its_last_day(self, tmp_path: Path) -> None:
        """During a multi-day vote (date .. end_date) the election is still near with ``after=0``."""
        path = write(
            tmp_path,
            'elections:\n  - {country: "CZ", type: parliamentary, date: 2025-10-03, end_date: 2025-10-04, '
            "name: Chamber of Deputies, status: held}\n",
        )
        assert len(load_calendar(path).near(date(2025, 10, 4), ["CZ"], before=60, after=0)) == 1


class TestEntryRules:
    @pytest.mark.parametrize(
        ("extra", "message"),
        [
            ("end_date: 2024-10-12", "end_date must be after date"),
            ("end_date: 2024-12-20", "at most 60 days later"),
            ("cancelled_on: 2024-10-01", "cancelled_on is for a vote that was called off"),
        ],
    )
    def test_days_that_cannot_be_are_refused_at_load(self, tmp_path: Path, extra: str, message: str) -> None:
        """An end before the start, a vote of more than 60 days, a cancellation day on a vote that went ahead."""
        path = write(tmp_path, f'elections:\n  - {{country: "LT", type: parliamentary, date: 2024-10-13, name: Seimas, status: held, {extra}}}\n')
        with pytest.raises(ConfigError, match=message):
            load_calendar(path)


NATIONAL_VOTES_A_YEAR = 60


@pytest.fixture(scope="module")
def spec() -> ElectionsFile:
    return load_elections(ROOT / "data" / "elections.yaml")


class TestShippedCalendar:
    @pytest.mark.parametrize("year", range(2016, 2027))
    def test_every_year_has_at_least_sixty_day_precise_national_votes(self, spec: ElectionsFile, year: int) -> None:
        """Worldwide, every round and chamber counted: the calendar is not a European one."""
        national = [e for e in spec.elections if e.date.year == year and e.date_precision == "day" and e.type is not ElectionType.LOCAL]
        assert len(national) >= NATIONAL_VOTES_A_YEAR
        assert len({e.country for e in national}) >= 40

    @pytest.mark.parametrize(
        ("country", "day", "kind"),
        [
            ("US", date(2016, 11, 8), "presidential"), ("US", date(2024, 11, 5), "presidential"),
            ("UA", date(2019, 3, 31), "presidential"), ("UA", date(2019, 4, 21), "runoff"),
            ("TW", date(2024, 1, 13), "presidential"), ("AR", date(2025, 10, 26), "parliamentary"),
            ("HN", date(2025, 11, 30), "presidential"), ("AM", date(2021, 6, 20), "parliamentary"),
            ("LT", date(2020, 10, 11), "parliamentary"), ("MD", date(2020, 11, 15), "runoff"),
            ("LT", date(2024, 10, 13), "parliamentary"), ("FR", date(2017, 4, 23), "presidential"),
        ],
    )
    def test_votes_that_real_statements_bear_on_are_there(self, spec: ElectionsFile, country: str, day: date, kind: str) -> None:
        """Votes the first users' statements were about, missing from the first calendar."""
        assert any(e.country == country and e.date == day and e.type == kind and e.status == "held" for e in spec.elections)

    def test_every_entry_has_a_source_url(self, spec: ElectionsFile) -> None:
        assert [e for e in spec.elections if not (e.source or "").startswith(("https://", "http://"))] == []
