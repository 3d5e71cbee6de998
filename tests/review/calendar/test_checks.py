"""Looking after the calendar: `calendar check`'s problems, the counts, what is coming, and its gaps."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from monitor.config.yamlfile import load_model
from monitor.detect.elections import ElectionsFile, ElectionSpec, WithoutVote
from monitor.errors import ConfigError
from monitor.review.calendar.checks import calendar_checks, calendar_gaps, calendar_stats, upcoming

TODAY = date(2026, 12, 1)
URL = "https://example.org/calendar"
KNOWN = ["LT", "LV", "FR", "US", "RO", "EU"]


def check(tmp_path: Path, lines: str) -> list[str]:
    """The problems `calendar check` finds in a file of ``lines`` (entries), as 'line: location: message'."""
    path = tmp_path / "elections.yaml"
    path.write_text("# a calendar\nelections:\n" + lines, encoding="utf-8")
    try:
        load_model(ElectionsFile, path, *calendar_checks(KNOWN, TODAY))
    except ConfigError as exc:
        return [f"{p.line}: {p.location}: {p.message}" for p in exc.problems]
    return []


def entry(**values: object) -> ElectionSpec:
    base = {"country": "LT", "type": "parliamentary", "date": date(2028, 10, 8), "name": "Seimas", "status": "scheduled", "source": URL}
    return ElectionSpec.model_validate({**base, **values})


class TestCheck:
    def test_a_clean_calendar_has_no_problem(self, tmp_path: Path) -> None:
        """Rounds in order, sources, known countries: nothing to report."""
        assert check(tmp_path, f"""\
  - {{country: "FR", type: presidential, date: 2027-04-11, name: "Presidential election, first round", status: scheduled, source: "{URL}"}}
  - {{country: "FR", type: runoff, date: 2027-04-25, name: "Presidential election, second round", status: scheduled, source: "{URL}"}}
  - {{country: "US", type: parliamentary, date: 2026-11-03, name: "House election", status: held, source: "{URL}"}}
  - {{country: "US", type: parliamentary, date: 2026-11-03, name: "Senate election", status: held, source: "{URL}"}}
""") == []

    def test_the_same_vote_twice_is_a_duplicate_with_its_line(self, tmp_path: Path) -> None:
        """An entry repeated, or two presidential votes of one country on one day, are reported at the second one's line."""
        problems = check(tmp_path, f"""\
  - {{country: "LT", type: parliamentary, date: 2028-10-08, name: "Seimas election", status: scheduled, source: "{URL}"}}
  - {{country: "LT", type: parliamentary, date: 2028-10-08, name: "Seimas election", status: scheduled, source: "{URL}"}}
  - {{country: "FR", type: presidential, date: 2027-04-11, name: "First round", status: scheduled, source: "{URL}"}}
  - {{country: "FR", type: presidential, date: 2027-04-11, name: "Presidential election", status: scheduled, source: "{URL}"}}
""")
        assert problems == [
            "4: elections[1]: duplicate of elections[0] (LT parliamentary on 2028-10-08)",
            "6: elections[3]: duplicate of elections[2] (FR presidential on 2027-04-11)",
        ]

    def test_a_runoff_needs_a_first_round_in_the_year_before(self, tmp_path: Path) -> None:
        """A second round with no first round before it (or only after it) is out of order."""
        problems = check(tmp_path, f"""\
  - {{country: "RO", type: runoff, date: 2025-05-18, name: "Presidential election, second round", status: held, source: "{URL}"}}
  - {{country: "RO", type: presidential, date: 2025-05-25, name: "Presidential election, first round", status: held, source: "{URL}"}}
""")
        assert problems == ["3: elections[0].type: a runoff with no first round of the same country in the year before it"]

    def test_every_entry_needs_one_source_url(self, tmp_path: Path) -> None:
        """No source, or a source that is not one http(s) URL, is a problem."""
        problems = check(tmp_path, """\
  - {country: "LT", type: parliamentary, date: 2028-10-08, name: "Seimas", status: scheduled}
  - {country: "LV", type: parliamentary, date: 2030-10-05, name: "Saeima", status: scheduled, source: "derived from the law"}
""")
        assert [p.split(":")[0] + ":" + p.split(":")[1] for p in problems] == ["3: elections[0].source", "4: elections[1].source"]

    def test_a_country_missing_from_the_gazetteer_is_named(self, tmp_path: Path) -> None:
        """A code the gazetteer does not know could never be found in a text."""
        problems = check(tmp_path, f'  - {{country: "ZZ", type: referendum, date: 2027-01-01, name: "R", status: scheduled, source: "{URL}"}}\n')
        assert problems == ["3: elections[0].country: ZZ is not in the gazetteer (data/countries.yaml)"]

    def test_a_called_off_vote_needs_the_day_it_was_called_off(self, tmp_path: Path) -> None:
        """Cancelled and annulled entries without cancelled_on are reported; postponed ones may lack it."""
        problems = check(tmp_path, f"""\
  - {{country: "RO", type: presidential, date: 2024-11-24, name: "First round", status: annulled, source: "{URL}"}}
  - {{country: "RO", type: runoff, date: 2024-12-08, name: "Second round", status: cancelled, source: "{URL}"}}
  - {{country: "LT", type: parliamentary, date: 2020-04-05, name: "Seimas", status: postponed, source: "{URL}"}}
""")
        assert problems == [
            "3: elections[0].cancelled_on: a vote annulled needs cancelled_on: the day it was called off",
            "4: elections[1].cancelled_on: a vote cancelled needs cancelled_on: the day it was called off",
        ]

    def test_a_vote_held_has_a_past_polling_day(self, tmp_path: Path) -> None:
        """"held" on a day still to come, or on a month, cannot be right."""
        problems = check(tmp_path, f"""\
  - {{country: "LT", type: parliamentary, date: 2028-10-08, name: "Seimas", status: held, source: "{URL}"}}
  - {{country: "LV", type: parliamentary, date: 2026-10-01, date_precision: month, name: "Saeima", status: held, source: "{URL}"}}
""")
        assert problems == [
            "3: elections[0].status: held, but its day (2028-10-08) has not come yet",
            "4: elections[1].date_precision: a vote that was held has a polling day: date_precision day",
        ]


class TestStats:
    def test_day_precise_national_votes_are_counted_per_year_and_continent(self) -> None:
        """Local votes and votes not yet dated are left out of the table; every entry counts per status."""
        spec = ElectionsFile(elections=(
            entry(), entry(country="US", name="House"), entry(country="US", name="Senate"),
            entry(type="local", name="Councils"), entry(date=date(2029, 1, 1), date_precision="year", status="expected"),
        ))
        stats = calendar_stats(spec, {"LT": "Europe", "US": "Americas"})
        assert stats.by_year_region == {2028: {"Americas": 2, "Europe": 1}}
        assert stats.by_status == {"scheduled": 4, "expected": 1}
        assert (stats.entries, stats.countries) == (5, 2)
        assert stats.as_dict()["day_precise_national"]["2028"]["total"] == 3


class TestUpcoming:
    def test_votes_from_today_to_the_horizon_soonest_first(self) -> None:
        """A vote in progress counts; a called-off vote and one past the horizon do not."""
        spec = ElectionsFile(elections=(
            entry(date=date(2026, 12, 20), name="later"),
            entry(date=date(2026, 11, 30), end_date=date(2026, 12, 2), name="in progress"),
            entry(date=date(2026, 12, 10), name="cancelled", status="cancelled", cancelled_on=date(2026, 11, 1)),
            entry(date=date(2027, 3, 1), name="too far"),
        ))
        assert [e.name for e in upcoming(spec, TODAY, 30)] == ["in progress", "later"]

    def test_a_vote_not_yet_dated_is_listed_when_it_may_fall_in_the_window(self) -> None:
        """A vote known by its month or year is upcoming when that month or year overlaps the window."""
        spec = ElectionsFile(elections=(
            entry(date=date(2027, 1, 1), date_precision="month", status="expected", name="January"),
            entry(date=date(2027, 1, 1), date_precision="year", status="expected", name="some day in 2027"),
            entry(date=date(2027, 5, 1), date_precision="month", status="expected", name="May"),
        ))
        assert [e.name for e in upcoming(spec, TODAY, 40)] == ["January", "some day in 2027"]

    def test_one_country(self) -> None:
        spec = ElectionsFile(elections=(entry(date=date(2026, 12, 5)), entry(country="US", date=date(2026, 12, 6))))
        assert [e.country for e in upcoming(spec, TODAY, 30, "US")] == ["US"]


class TestGaps:
    def name(self, code: str) -> str:
        return {"LT": "Lithuania", "UA": "Ukraine"}.get(code, code)

    def test_a_covered_country_without_a_future_vote_is_a_gap(self) -> None:
        """LT votes again; LV's last vote is behind it; UA is known to have none in sight."""
        spec = ElectionsFile(
            without_votes=(WithoutVote(country="UA", note="martial law"),),
            elections=(entry(), entry(country="LV", date=date(2026, 10, 3), status="held"), entry(date=date(2030, 1, 1))),
        )
        gaps = calendar_gaps(spec, ["LT", "LV", "UA"], TODAY, self.name)
        assert [g.key for g in gaps] == ["country:LV"]
        assert "no known future vote for LV (LV)" in gaps[0].message

    def test_a_calendar_whose_last_polling_day_is_near_runs_out(self) -> None:
        """The last day-precise vote less than six months ahead is a gap; a vote known only by its year does not help."""
        spec = ElectionsFile(elections=(entry(date=date(2027, 3, 1)), entry(date=date(2028, 1, 1), date_precision="year", status="expected")))
        (gap,) = calendar_gaps(spec, ["LT"], TODAY, self.name)
        assert gap.key == "runs-out" and "is on 2027-03-01" in gap.message
        assert calendar_gaps(ElectionsFile(elections=(entry(date=date(2027, 7, 1)),)), ["LT"], TODAY, self.name) == []

    @pytest.mark.parametrize("status", ["cancelled", "postponed"])
    def test_a_called_off_vote_is_not_a_future_vote(self, status: str) -> None:
        spec = ElectionsFile(elections=(entry(status=status, cancelled_on=date(2026, 11, 1)), entry(country="LV", date=date(2030, 1, 1))))
        assert [g.key for g in calendar_gaps(spec, ["LT"], TODAY, self.name)] == ["country:LT"]
