"""One alert per story, realert after a period, and silences that hold back exactly what they name."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from monitor.cli.main import main
from monitor.demo import SITE
from monitor.detect.document import prepare
from monitor.detect.normalisation import normalise
from monitor.detect.stories import StoryCandidate, alert_candidate, item_candidate, jaccard, same_story, shingles
from monitor.models import Assessment, Election, ElectionNear, ElectionType, Match, Severity
from monitor.review.evaluation import load_cases
from monitor.store.engine import make_engine
from monitor.store.repo import Store
from testbed.builders import rss, write_sources
from testbed.settings import make_settings
from tests.conftest import ROOT

ARTICLE = re.sub(r"<[^>]+>", " ", (SITE / "by-mfa" / "reset-with-lithuania.html").read_text(encoding="utf-8").split("<article>")[1].split("</article>")[0])
RUSSIAN = next(c for c in load_cases(ROOT / "tests" / "eval") if c.id == "c09-ryzhankou-reset-mfa-ru")


def feed(http_server, path: str, title: str, text: str, pub: str = "Wed, 25 Sep 2024 09:30:00 +0300") -> str:
    return http_server.serve(path, rss({"title": title, "link": http_server.url(path + ".html"), "guid": path, "pubDate": pub, "description": text}))


@pytest.fixture
def three_copies(tmp_path: Path, http_server, receiver):
    """The ministry's article, and the state agency's and the state daily's copies of it, hours apart."""
    sources = [
        {"id": "by-mfa", "url": feed(http_server, "/mfa", "Foreign Minister: time for a reset with Lithuania", ARTICLE)},
        {"id": "by-belta", "kind": "state_media", "url": feed(http_server, "/belta", "Ryzhankou: it is time for a reset", "MINSK, 25 September (BelTA). " + ARTICLE, "Wed, 25 Sep 2024 11:00:00 +0300")},
        {"id": "by-sb", "kind": "state_media", "url": feed(http_server, "/sb", "Reset between Belarus and Lithuania", ARTICLE + " Read more on sb.by.", "Wed, 25 Sep 2024 13:15:00 +0300")},
    ]
    write_sources(tmp_path / "sources.yaml", *[{**s, "fetch_pages": False} for s in sources])
    return make_settings(tmp_path, notify_urls=f"json://{receiver.base.removeprefix('http://')}/hook")


def test_a_story_republished_by_three_sources_raises_one_alert(three_copies, receiver, clock, capsys) -> None:
    """The first copy alerts; the later ones are listed on its alert ("also published by"), not sent again."""
    assert main(["run", "--once"], clock=clock, settings=three_copies) == 0

    (alert,) = Store(make_engine(three_copies.database_url)).alerts()
    assert {c["source"] for c in alert.copies} | {alert.source_id} == {"by-mfa", "by-belta", "by-sb"}
    assert len(receiver.hits("/hook", "POST")) == 1
    capsys.readouterr()
    main(["alerts", "list"], settings=three_copies)
    assert "also published by:" in capsys.readouterr().out


def test_a_translation_of_the_story_joins_it(tmp_path: Path, http_server, receiver, clock) -> None:
    """A Russian version of the same statement, bearing on the same election with the same indicators, is a copy."""
    write_sources(
        tmp_path / "sources.yaml",
        {"id": "sb-en", "url": feed(http_server, "/en", "Foreign Minister: time for a reset with Lithuania", ARTICLE), "fetch_pages": False},
        {"id": "mfa-ru", "url": feed(http_server, "/ru", RUSSIAN.title, RUSSIAN.text, "Wed, 25 Sep 2024 15:00:00 +0300"), "fetch_pages": False, "language": "ru"},
    )
    settings = make_settings(tmp_path, notify_urls=f"json://{receiver.base.removeprefix('http://')}/hook")
    assert main(["run", "--once"], clock=clock, settings=settings) == 0
    (alert,) = Store(make_engine(settings.database_url)).alerts()
    assert len(alert.copies) == 1
    assert len(receiver.hits("/hook", "POST")) == 1


def test_after_the_realert_period_the_story_alerts_again(three_copies, http_server, clock) -> None:
    """A copy published after the realert period raises a new alert."""
    settings = three_copies.model_copy(update={"realert_period": timedelta(hours=1)})
    write_sources(settings.sources_file, {"id": "by-mfa", "url": http_server.url("/mfa"), "fetch_pages": False})
    main(["run", "--once"], clock=clock, settings=settings)
    clock.advance(timedelta(hours=2))
    write_sources(settings.sources_file, {"id": "by-sb", "kind": "state_media", "url": http_server.url("/sb"), "fetch_pages": False})
    main(["run", "--once"], clock=clock, settings=settings)
    assert len(Store(make_engine(settings.database_url)).alerts()) == 2


class TestSilences:
    def test_a_silence_holds_back_exactly_what_it_names(self, three_copies, receiver, clock, capsys) -> None:
        """Silencing Lithuania stores the alert as silenced and sends nothing; a Moldova silence would not have."""
        assert main(["silence", "add", "--country", "MD", "--until", "2024-12-01", "--reason", "not this"], clock=clock, settings=three_copies) == 0
        assert main(["silence", "add", "--country", "lt", "--until", "2024-10-30", "--reason", "election week, covered by the desk"], clock=clock, settings=three_copies) == 0
        capsys.readouterr()

        assert main(["run", "--once"], clock=clock, settings=three_copies) == 0

        assert receiver.hits("/hook", "POST") == []
        (alert,) = Store(make_engine(three_copies.database_url)).alerts()
        assert alert.silenced_by == 2 and {state for _, state, _, _ in alert.deliveries} == {"silenced"}
        main(["alerts", "list"], settings=three_copies)
        assert "silenced by #2" in capsys.readouterr().out

    def test_silences_are_listed_removed_and_end_by_themselves(self, three_copies, clock, capsys) -> None:
        """`silence list` shows the active ones; a removed or ended silence holds nothing back."""
        main(["silence", "add", "--rule", "ei02-vote-appeal-foreign", "--until", "2024-09-26", "--reason", "one day"], clock=clock, settings=three_copies)
        main(["silence", "add", "--source", "by-sb", "--until", "2025-01-01", "--reason", "mirror"], clock=clock, settings=three_copies)
        capsys.readouterr()
        main(["silence", "list"], clock=clock, settings=three_copies)
        out = capsys.readouterr().out
        assert "#1 rule ei02-vote-appeal-foreign until 2024-09-26" in out and "#2 source by-sb" in out

        assert main(["silence", "remove", "2"], clock=clock, settings=three_copies) == 0
        assert main(["silence", "remove", "2"], clock=clock, settings=three_copies) == 1
        clock.advance(timedelta(days=2))
        capsys.readouterr()
        main(["silence", "list"], clock=clock, settings=three_copies)
        assert capsys.readouterr().out.strip() == "No active silences."

    def test_a_silence_needs_something_to_silence(self, three_copies, capsys) -> None:
        """A silence without a rule, source or country is refused."""
        assert main(["silence", "add", "--until", "2025-01-01", "--reason", "x"], settings=three_copies) == 2


def test_near_duplicates_are_one_story_and_different_texts_are_not() -> None:
    """Same-language copies with a different lead are alike; an unrelated text is not."""
    base = normalise(ARTICLE)
    copy = normalise("MINSK (BelTA). " + ARTICLE + " Subscribe to our channel.")
    other = normalise("The ministry reported grain exports to China grew by 18 per cent in August, the commission said.")
    assert jaccard(shingles(base), shingles(copy)) > 0.8
    assert jaccard(shingles(base), shingles(other)) < 0.05

    def candidate(text, language, families, election=("LT", "2024-10-13")):
        return StoryCandidate(shingles(normalise(text)), language, frozenset({election}), frozenset(families), None)

    english = candidate(ARTICLE, "en", {"ei:EI-02", "ei:EI-03", "ei:EI-06"})
    assert same_story(candidate(RUSSIAN.text, "ru", {"ei:EI-02", "ei:EI-03"}), english, 0.5)
    assert not same_story(candidate(RUSSIAN.text, "ru", {"ei:EI-02"}), english, 0.5)
    assert not same_story(candidate(RUSSIAN.text, "ru", {"ei:EI-02", "ei:EI-03"}, ("MD", "2024-10-20")), english, 0.5)


def test_an_alerting_item_and_its_stored_alert_read_as_the_same_story_candidate() -> None:
    """The store keeps the text and the tags; normalised again, they give what the item gave when it alerted."""
    vote = Election("LT", ElectionType.PARLIAMENTARY, date(2024, 10, 13), "Seimas", "scheduled")
    tags = ("ei:EI-02", "disarm:T0138", "ei:EI-03")
    match = Match("ei02-reset", "Reset", 5.0, Severity.HIGH, tags, ())
    assessment = Assessment(7.5, Severity.HIGH, True, (match,), (ElectionNear(vote, 18),), ("LT",), "en")
    published = datetime(2024, 9, 25, 9, 30, tzinfo=UTC)

    item = item_candidate(prepare("A title the text does not repeat", ARTICLE), "en", assessment, published)
    stored = alert_candidate(ARTICLE, "en", [("LT", "2024-10-13")], tags, published)

    assert item == stored
    assert item.families == {"ei:EI-02", "ei:EI-03"} and item.elections == {("LT", "2024-10-13")}
