"""`monitor calendar import`: votes read from real-format .ics and .csv files, merged without loss."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from monitor.detect.countries import Gazetteer, load_gazetteer
from monitor.detect.elections import ElectionSpec
from monitor.errors import ConfigError
from monitor.review.calendar.importer import country_resolver, merge, read_votes
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "calendars"
TODAY = date(2026, 12, 1)


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return load_gazetteer(ROOT / "data" / "countries.yaml")


def read(name: str, gazetteer: Gazetteer):  # type: ignore[no-untyped-def]
    return read_votes(FIXTURES / name, country_resolver(gazetteer), TODAY)


class TestCountries:
    @pytest.mark.parametrize(
        ("text", "code"),
        [("LT", "LT"), ("lt", "LT"), ("LTU", "LT"), ("Lithuania", "LT"), ("Republic of Lithuania", "LT"),
         ("United Kingdom of Great Britain and Northern Ireland", "GB"), ("Election for Sabor (Croatian Parliament)", "HR"),
         ("Atlantis", None), ("", None)],
    )
    def test_codes_names_and_official_names(self, gazetteer: Gazetteer, text: str, code: str | None) -> None:
        """A country is read from a code, an ISO or official name, or a name the gazetteer knows."""
        assert country_resolver(gazetteer)(text) == code


class TestICalendar:
    def test_a_real_format_ics_file(self, gazetteer: Gazetteer) -> None:
        """All-day events become votes (DTEND is exclusive), escaped commas and folded lines are read,
        TENTATIVE is expected, CANCELLED is cancelled on the day of its last change."""
        incoming = read("elections.ics", gazetteer)
        votes = {e.country: e for e in incoming.entries}
        assert sorted(votes) == ["EE", "IN", "LT", "MD", "PL"]
        lt = votes["LT"]
        assert (lt.type, lt.date, lt.end_date, lt.name, lt.status, lt.source) == (
            "parliamentary", date(2028, 10, 8), None, "Seimas election, first round", "scheduled", "https://www.vrk.lt/en/2028-seimo-rinkimai"
        )
        assert votes["PL"].status == "expected"
        assert (votes["MD"].type, votes["MD"].status, votes["MD"].cancelled_on) == ("referendum", "cancelled", date(2026, 11, 5))
        assert (votes["IN"].date, votes["IN"].end_date) == (date(2027, 4, 10), date(2027, 5, 20))

    def test_events_that_are_not_votes_are_skipped_with_a_reason(self, gazetteer: Gazetteer) -> None:
        """A meeting and a vote in a country that does not exist are reported, not guessed."""
        reasons = [s.reason for s in read("elections.ics", gazetteer).skipped]
        assert len(reasons) == 2
        assert any("UN General Assembly" in r for r in reasons) and any("Atlantis" in r for r in reasons)

    def test_a_file_that_is_not_a_calendar_is_a_config_error(self, tmp_path: Path, gazetteer: Gazetteer) -> None:
        path = tmp_path / "broken.ics"
        path.write_text("BEGIN:VCALENDAR\nthis is not iCalendar\n", encoding="utf-8")
        with pytest.raises(ConfigError):
            read_votes(path, country_resolver(gazetteer), TODAY)


class TestCSV:
    def test_an_electionguide_style_export(self, gazetteer: Gazetteer) -> None:
        """"Oct. 8, 2028" dates, official country names, "Election for X (Y Parliament)" and the site's statuses."""
        incoming = read("electionguide.csv", gazetteer)
        votes = {e.country: e for e in incoming.entries}
        assert {c: (str(e.type), e.date, e.status) for c, e in votes.items()} == {
            "LT": ("parliamentary", date(2028, 10, 8), "scheduled"),
            "EE": ("parliamentary", date(2027, 3, 7), "scheduled"),
            "US": ("presidential", date(2028, 11, 7), "expected"),
            "MA": ("parliamentary", date(2027, 9, 25), "expected"),
            "NG": ("referendum", date(2027, 2, 20), "postponed"),
        }
        assert [(s.where, s.reason.split(" (")[0]) for s in incoming.skipped] == [("line 6", "no date"), ("line 7", "no country found in 'Election for President'")]

    def test_the_calendars_own_columns_with_semicolons(self, gazetteer: Gazetteer) -> None:
        """A CSV with the calendar's own keys (any delimiter, alpha-3 codes) is read as it is."""
        votes = list(read("our-format.csv", gazetteer).entries)
        assert [(e.country, str(e.type), e.date, e.name) for e in votes] == [
            ("LT", "parliamentary", date(2028, 10, 8), "Seimas election, first round"),
            ("LT", "runoff", date(2028, 10, 22), "Seimas election, second round"),
            ("CH", "referendum", date(2027, 3, 7), "Federal popular votes"),
        ]
        assert votes[1].note == "single-member seats"

    def test_a_csv_without_a_date_column_is_a_config_error(self, tmp_path: Path, gazetteer: Gazetteer) -> None:
        path = tmp_path / "votes.csv"
        path.write_text("country,name\nLT,Seimas\n", encoding="utf-8")
        with pytest.raises(ConfigError, match="date column"):
            read_votes(path, country_resolver(gazetteer), TODAY)


def vote(**values: object) -> ElectionSpec:
    base = {"country": "LT", "type": "parliamentary", "date": date(2028, 10, 8), "name": "Seimas election", "status": "scheduled", "source": "https://a.example/"}
    return ElectionSpec.model_validate({**base, **values})


class TestMerge:
    def test_a_new_vote_is_added_and_nothing_is_deleted(self) -> None:
        existing = [vote(), vote(country="LV", date=date(2030, 10, 5), name="Saeima election")]
        result = merge(existing, [vote(country="EE", date=date(2027, 3, 7), name="Riigikogu election")])
        assert [e.country for e in result.added] == ["EE"]
        assert [e.country for e in result.entries] == ["LT", "LV", "EE"]

    def test_the_same_vote_again_changes_nothing(self) -> None:
        result = merge([vote()], [vote(name="Parliament")])
        assert (result.added, result.changed, result.unchanged) == ([], [], 1)

    def test_a_vote_whose_day_was_set_takes_the_day_and_keeps_its_name(self) -> None:
        """An entry known by its month takes the imported day, status and source; its name and note stay."""
        before = vote(date=date(2028, 10, 1), date_precision="month", status="expected", note="ours")
        result = merge([before], [vote(date=date(2028, 10, 8), name="Lithuania: Parliament", source="https://vrk.example/")])
        ((_old, new),) = result.changed
        assert (new.date, new.date_precision, new.status, new.source, new.name, new.note) == (
            date(2028, 10, 8), "day", "scheduled", "https://vrk.example/", "Seimas election", "ours"
        )

    def test_a_held_vote_stays_held(self) -> None:
        """An older file that still calls a vote scheduled does not undo what is known."""
        result = merge([vote(date=date(2024, 10, 13), status="held")], [vote(date=date(2024, 10, 13), status="scheduled", source=None)])
        assert result.changed == [] and result.unchanged == 1

    def test_a_vote_of_a_day_with_two_chambers_and_another_name_is_already_known(self) -> None:
        """"Parliament" on the day of a House and a Senate election is neither a third vote nor either of them."""
        existing = [vote(country="US", name="House election"), vote(country="US", name="Senate election")]
        result = merge(existing, [vote(country="US", name="Parliament", status="held")])
        assert (result.added, result.changed, result.unchanged) == ([], [], 1)

    def test_two_chambers_on_one_day_are_told_apart_by_name(self) -> None:
        existing = [vote(country="US", name="House election"), vote(country="US", name="Senate election")]
        result = merge(existing, [vote(country="US", name="Senate election", status="held", date=date(2028, 10, 8))])
        ((old, new),) = result.changed
        assert (old.name, new.status) == ("Senate election", "held")
