"""An entry's article: the page's text when it can be read, else the feed's content, summary or title."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.daemon.wiring import make_fetcher
from monitor.ingest.article import fetch_article
from monitor.ingest.fetch import Fetcher
from monitor.models import Extraction, FeedEntry, Source, SourceKind
from testbed.builders import page
from testbed.settings import make_settings

NOW = datetime(2024, 9, 25, 12, 0, tzinfo=UTC)
PARAGRAPH = "The minister of foreign affairs received the ambassador and discussed transit across the border at length."


def source(fetch_pages: bool = True) -> Source:
    return Source(id="by-mfa", name="MFA", url="https://example.invalid/feed", kind=SourceKind.OFFICIAL, country="BY", language="en", fetch_pages=fetch_pages)


def entry(url: str | None, content: str = "", summary: str = "", title: str = "Minister meets ambassador") -> FeedEntry:
    return FeedEntry("by-mfa", "g1", url, url, title, summary, content, None)


@pytest.fixture
def fetcher(tmp_path: Path) -> Fetcher:
    built = make_fetcher(make_settings(tmp_path))
    yield built
    built.close()


def test_the_page_text_is_used_when_the_page_reads(http_server, fetcher: Fetcher) -> None:
    url = http_server.serve("/a.html", page("Minister meets ambassador", PARAGRAPH, PARAGRAPH))
    article = fetch_article(entry(url, summary="short"), source(), fetcher, NOW)
    assert article.extraction == Extraction.PAGE and "transit across the border" in article.text
    assert article.extraction_error is None and article.published == NOW  # no date anywhere: the time it was read


@pytest.mark.parametrize(
    ("content", "summary", "expected", "text"),
    [
        ("the full text", "a summary", Extraction.FEED_CONTENT, "the full text"),
        ("", "a summary", Extraction.FEED_SUMMARY, "a summary"),
        ("", "", Extraction.TITLE, ""),
    ],
)
def test_without_pages_the_feed_content_then_summary_then_title_is_used(fetcher: Fetcher, content: str, summary: str, expected: Extraction, text: str) -> None:
    article = fetch_article(entry("http://127.0.0.1:1/never-fetched", content, summary), source(fetch_pages=False), fetcher, NOW)
    assert (article.extraction, article.text, article.title) == (expected, text, "Minister meets ambassador")


def test_a_page_that_cannot_be_fetched_falls_back_to_the_feed_and_says_why(http_server, fetcher: Fetcher) -> None:
    article = fetch_article(entry(http_server.url("/missing.html"), summary="a summary"), source(), fetcher, NOW)
    assert article.extraction == Extraction.FEED_SUMMARY and article.text == "a summary"
    assert article.extraction_error


def test_a_binary_page_is_refused_and_its_reason_recorded(http_server, fetcher: Fetcher) -> None:
    url = http_server.serve("/a.pdf", b"%PDF-1.7\x00\x01\x02", headers={"Content-Type": "application/pdf"})
    article = fetch_article(entry(url, summary="a summary"), source(), fetcher, NOW)
    assert article.extraction == Extraction.FEED_SUMMARY and article.extraction_error.startswith(url)


def test_the_text_and_title_are_cut_to_the_limit(fetcher: Fetcher) -> None:
    long = "word " * 1000
    article = fetch_article(entry(None, content=long, title=long), source(), fetcher, NOW, max_text_chars=300)
    assert len(article.text) <= 300 and len(article.title) <= 300 and article.text.startswith("word word")
