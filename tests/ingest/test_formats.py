"""Sources without feeds: a news sitemap, a listing page and a Telegram channel's web preview,
each read into entries, and each raising the founding case's alert end to end from a local site."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.cli.main import main
from monitor.errors import ConfigError
from monitor.ingest.formats import parse_source, with_earlier_pages
from monitor.ingest.sources import load_sources
from monitor.ingest.telegram import earlier_page
from monitor.models import Listing, Source, SourceFormat, SourceKind
from monitor.store.engine import make_engine
from monitor.store.repo import Store
from testbed.builders import write_sources
from testbed.settings import make_settings
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "formats"
SITE = ROOT / "monitor" / "demo" / "site"
LISTING = Listing(links="a.news-title", item="div.news-item", title="a.news-title", date=".news-date")


def source(form: SourceFormat, listing: Listing | None = None) -> Source:
    return Source("s", "S", "https://example.org/", SourceKind.OFFICIAL, "BY", format=form, listing=listing)


def fixture(name: str, base: str = "https://mfa.example.org") -> bytes:
    return (FIXTURES / name).read_text(encoding="utf-8").replace("{base}", base).encode()


def test_a_news_sitemap_gives_each_article_with_its_title_and_time_newest_first() -> None:
    feed = parse_source(fixture("news-sitemap.xml"), source(SourceFormat.SITEMAP), "https://mfa.example.org/sitemap.xml", None)
    assert feed.problem is None and feed.version == "sitemap-news"
    assert [e.url for e in feed.entries] == ["https://mfa.example.org/by-mfa/reset-with-lithuania.html", "https://mfa.example.org/by-mfa/trade-china.html"]
    assert feed.entries[0].title.startswith("Foreign Minister") and feed.entries[0].published == datetime(2024, 9, 25, 6, 30, tzinfo=UTC)


@pytest.mark.parametrize("body", [b"<sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'/>", b"<html>not a sitemap</html>", b"\x00\x01"])
def test_what_is_not_a_sitemap_is_said_so(body: bytes) -> None:
    feed = parse_source(body, source(SourceFormat.SITEMAP), "https://mfa.example.org/sitemap.xml", None)
    assert not feed.usable and feed.problem


def test_a_listing_gives_its_article_links_once_with_titles_and_dates() -> None:
    feed = parse_source(fixture("listing.html"), source(SourceFormat.HTML, LISTING), "https://mfa.example.org/by-mfa/news.html", None)
    assert [(e.url, e.title) for e in feed.entries] == [
        ("https://mfa.example.org/by-mfa/reset-with-lithuania.html", "Foreign Minister: it is time for a reset between Belarus and Lithuania"),
        ("https://mfa.example.org/by-mfa/trade-china.html", "Trade talks with China"),
        ("https://mfa.example.org/by-mfa/reset-with-lithuania.html#top", "(the same article, linked again)"),
    ]
    assert feed.entries[0].published == datetime(2024, 9, 25, tzinfo=UTC)  # "25.09.2024", read day first
    assert feed.entries[1].published == datetime(2024, 9, 24, 6, tzinfo=UTC)  # a <time datetime>
    assert feed.entries[0].canonical_url == feed.entries[2].canonical_url  # one article, remembered once


def test_a_listing_whose_selector_matches_nothing_says_so() -> None:
    feed = parse_source(fixture("listing.html"), source(SourceFormat.HTML, Listing(links="a.no-such-class")), "https://mfa.example.org/", None)
    assert not feed.usable and "a.no-such-class" in (feed.problem or "")


def test_a_channel_preview_gives_each_message_with_text_newest_first() -> None:
    feed = parse_source(fixture("telegram.html"), source(SourceFormat.TELEGRAM), "https://t.me/s/sample_mfa", None)
    assert [e.guid for e in feed.entries] == ["sample_mfa/103", "sample_mfa/101"]  # the picture alone is left out
    latest = feed.entries[0]
    assert latest.url == "https://t.me/sample_mfa/103" and latest.published == datetime(2024, 9, 25, 6, 30, tzinfo=UTC)
    assert latest.title == "Foreign Minister to the people of Lithuania:" and "vote correctly" in latest.content
    assert earlier_page("https://t.me/s/sample_mfa", feed) == "https://t.me/s/sample_mfa?before=101"


def test_a_first_poll_reads_earlier_pages_until_there_are_none() -> None:
    pages = {"https://t.me/s/sample_mfa?before=101": fixture("telegram-before-101.html"), "https://t.me/s/sample_mfa?before=99": b"<html><body></body></html>"}
    first = parse_source(fixture("telegram.html"), source(SourceFormat.TELEGRAM), "https://t.me/s/sample_mfa", None)
    feed = with_earlier_pages(first, "https://t.me/s/sample_mfa", pages.__getitem__, "s")
    assert [e.guid for e in feed.entries] == ["sample_mfa/103", "sample_mfa/101", "sample_mfa/99"]


def test_the_sources_file_checks_the_format_and_its_selectors(tmp_path: Path) -> None:
    good = write_sources(tmp_path / "good.yaml", {"id": "news", "url": "https://mfa.example.org/news", "format": "html", "listing": {"links": "a.news-title"}}, {"id": "tg", "url": "https://t.me/s/x", "format": "telegram"})
    news, channel = load_sources(good, default_interval=timedelta(minutes=15))
    assert news.listing == Listing("a.news-title") and not channel.fetch_pages  # a message is its own text
    for bad in ({"format": "html"}, {"format": "feed", "listing": {"links": "a"}}, {"format": "html", "listing": {"links": "a[["}}):
        path = write_sources(tmp_path / "bad.yaml", {"id": "x", "url": "https://mfa.example.org/", **bad})
        with pytest.raises(ConfigError, match=r"bad\.yaml"):
            load_sources(path, default_interval=timedelta(minutes=15))


# -- end to end: a local site of each format, one run, the founding case's alert -----------------------


@pytest.mark.parametrize("form", ["sitemap", "html", "telegram"])
def test_each_format_raises_the_founding_cases_alert_from_a_local_site(form: str, tmp_path: Path, http_server, clock) -> None:
    for page in ("reset-with-lithuania.html", "trade-china.html"):
        http_server.serve(f"/by-mfa/{page}", (SITE / "by-mfa" / page).read_bytes(), headers={"Content-Type": "text/html; charset=utf-8"})
    base = http_server.url("")
    html = {"Content-Type": "text/html; charset=utf-8"}
    if form == "sitemap":
        url = http_server.serve("/sitemap.xml", fixture("news-sitemap.xml", base), headers={"Content-Type": "application/xml"})
        extra: dict[str, object] = {}
    elif form == "html":
        url = http_server.serve("/by-mfa/news.html", fixture("listing.html", base), headers=html)
        extra = {"listing": {"links": "a.news-title", "item": "div.news-item", "date": ".news-date"}}
    else:
        url = http_server.serve("/s/sample_mfa", fixture("telegram.html"), headers=html)
        http_server.serve("/s/sample_mfa?before=101", fixture("telegram-before-101.html"), headers=html)
        extra = {}
    sources = write_sources(tmp_path / "sources.yaml", {"id": "by-mfa", "name": "Ministry", "url": url, "kind": "official", "country": "BY", "format": form, **extra})
    settings = make_settings(tmp_path, sources_file=sources)
    assert main(["run", "--once"], clock=clock, settings=settings) == 0
    store = Store(make_engine(settings.database_url))
    alerts = store.alerts()
    assert len(alerts) == 1 and "Lithuania votes in 18 days" in alerts[0].title
    stored = store.items_per_source()["by-mfa"]
    assert stored == {"sitemap": 2, "html": 2, "telegram": 3}[form]
    if form == "telegram":
        assert http_server.hits("/s/sample_mfa?before=101") and not http_server.hits("/by-mfa/reset-with-lithuania.html")
