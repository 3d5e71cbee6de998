"""An item's analysis that no rule changes, kept as bytes: read back, it equals the one computed afresh.

Equal means every field of the document (normalised title, text and lead, their maps back to
the original, their words) and of the context (language, countries and where they are named,
elections near). Bytes made with another gazetteer or another version of the code are stale:
they are refused, so the analysis is computed again, never wrongly reused.
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime

import pytest

from monitor.detect import prepared
from monitor.detect.countries import Gazetteer
from monitor.detect.document import LEAD_CHARS, Document
from monitor.detect.elections import ElectionCalendar
from monitor.ingest.extract import extract_page
from monitor.models import Context, Election, ElectionStatus, ElectionType, Source, SourceKind
from tests.conftest import SHARED

SOURCE = Source.standing_in("by-mfa", SourceKind.OFFICIAL, "BY")
PUBLISHED = datetime(2024, 9, 25, 12, tzinfo=UTC)
CALENDAR = ElectionCalendar([Election("LT", ElectionType.PARLIAMENTARY, datetime(2024, 10, 13).date(), "Seimas", ElectionStatus.HELD)])
GAZETTEER = Gazetteer({"LT": ("lithuania", "литв*", "立陶宛"), "PL": ("poland", "польш*")})
PAGES = SHARED / "corpora" / "html" / "trafilatura-eval-news"

TRICKY = {
    "plain": ("Lithuania votes", "Lithuania votes on 13 October.\nPoland watches."),
    "combining marks": ("Выборы в Литве́", "Вы́боры в Литве́ прошли́.\nПольша́ молчит. e\u0301te cafe\u0301"),
    "cjk": ("立陶宛选举", "立陶宛将于十月举行议会选举。波兰关注。\n第二段。"),
    "mixed alphabets": ("НАТO и Литва", "Cтавка на НАТO. Lithuаnia (a Cyrillic а) votes.\nЛитва."),
    "typography": ("“Quotes” — dashes", "Soft\u00adhyphen, zero\u200bwidth, non\u00a0breaking, ﬁ ligature, ½ and ё.\nNext."),
    "lead cut in a word": ("Long", "word " * (LEAD_CHARS // 5 - 1) + "Lithuanianness goes on past the lead " * 3),
    "lead cut before a mark": ("Marks", "a" * (LEAD_CHARS - 1) + "e\u0301\u0301 Lithuania"),
    "empty text": ("Only a title about Lithuania", ""),
    "empty": ("", ""),
    "long": ("Long", ("Lithuania votes. " * 5000) + "e\u0301"),
}


def analysed(title: str, text: str, language: str | None = None) -> tuple[Document, Context]:
    return prepared.analyse(title, text, SOURCE, PUBLISHED, GAZETTEER, CALENDAR, language)


def round_trip(title: str, text: str, language: str | None = None) -> tuple[tuple[Document, Context], tuple[Document, Context] | None]:
    fresh = analysed(title, text, language)
    digest = prepared.digest_of(GAZETTEER)
    return fresh, prepared.decode(prepared.encode(*fresh, digest), digest, title, text, SOURCE, PUBLISHED, CALENDAR)


def assert_same(fresh: tuple[Document, Context], read: tuple[Document, Context] | None) -> None:
    assert read is not None
    assert read == fresh
    for which in ("title", "text", "lead"):
        assert getattr(read[0], which).tokens == getattr(fresh[0], which).tokens, which
        assert getattr(read[0], which).words_at == getattr(fresh[0], which).words_at, which


@pytest.mark.parametrize("name", TRICKY)
def test_tricky_texts_read_back_equal_to_their_fresh_analysis(name: str) -> None:
    title, text = TRICKY[name]
    assert_same(*round_trip(title, text))


def test_the_analysis_keeps_language_countries_places_and_finds_elections() -> None:
    _, read = round_trip(*TRICKY["combining marks"], language="ru")
    assert read is not None
    context = read[1]
    assert (context.language, context.countries_mentioned[0]) == ("ru", "LT")
    assert context.places and [n.election.name for n in context.elections_near] == ["Seimas"]
    assert context.source == SOURCE and context.published == PUBLISHED
    assert read[0].text.starts is not None  # a text whose map is not one to one


@pytest.mark.skipif(not PAGES.is_dir(), reason="the shared corpus is not present")
def test_real_pages_read_back_equal_to_their_fresh_analysis() -> None:
    pages = sorted(p for p in PAGES.iterdir() if p.is_file())[:12]
    extracted = [e for e in (extract_page(p.read_bytes()) for p in pages) if e is not None]
    assert len(extracted) >= 8
    for page in extracted:
        assert_same(*round_trip(page.title or "", page.text))


def test_bytes_made_with_another_gazetteer_or_format_are_stale() -> None:
    title, text = TRICKY["plain"]
    blob = prepared.encode(*analysed(title, text), prepared.digest_of(GAZETTEER))
    other = Gazetteer({"LT": ("lithuania",), "PL": ("poland",)})
    assert prepared.digest_of(other) != prepared.digest_of(GAZETTEER)
    assert prepared.decode(blob, prepared.digest_of(other), title, text, SOURCE, PUBLISHED, CALENDAR) is None


@pytest.mark.parametrize("blob", [b"", b"not ours", b"\x78\x01" + b"\x00" * 40])
def test_bytes_that_are_not_an_analysis_are_refused(blob: bytes) -> None:
    title, text = TRICKY["plain"]
    assert prepared.decode(blob, prepared.digest_of(GAZETTEER), title, text, SOURCE, PUBLISHED, CALENDAR) is None


def test_truncated_bytes_are_refused() -> None:
    title, text = TRICKY["combining marks"]
    digest = prepared.digest_of(GAZETTEER)
    raw = zlib.decompress(prepared.encode(*analysed(title, text), digest))
    assert prepared.decode(zlib.compress(raw[:-7]), digest, title, text, SOURCE, PUBLISHED, CALENDAR) is None


def test_another_calendar_changes_the_elections_not_the_rest() -> None:
    """Elections are looked up when the analysis is read: editing the calendar makes nothing stale."""
    title, text = TRICKY["plain"]
    digest = prepared.digest_of(GAZETTEER)
    blob = prepared.encode(*analysed(title, text), digest)
    read = prepared.decode(blob, digest, title, text, SOURCE, PUBLISHED, ElectionCalendar([]))
    assert read is not None and read[1].elections_near == () and read[1].countries_mentioned == ("LT", "PL")
