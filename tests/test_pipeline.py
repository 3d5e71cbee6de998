"""One source's poll, against a real local HTTP server and a real SQLite file."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from monitor.app import Monitor
from monitor.pipeline import poll_source
from monitor.store.engine import ensure_schema
from monitor.store.tables import Item
from tests.conftest import make_settings
from tests.helpers import page, rss, write_sources

FEED = "/feed.xml"


@pytest.fixture
def monitor_for(tmp_path: Path, http_server, clock):
    """Builds a Monitor whose sources file lists the given sources (URLs relative to the server)."""
    built = []

    def build(*sources: dict, **settings_overrides) -> Monitor:
        for source in sources:
            source.setdefault("url", http_server.url(FEED))
        write_sources(tmp_path / "sources.yaml", *sources)
        monitor = Monitor(make_settings(tmp_path, **settings_overrides), clock)
        ensure_schema(monitor.engine)
        built.append(monitor)
        return monitor

    yield build
    for monitor in built:
        monitor.close()


def items(monitor: Monitor) -> list[Item]:
    with Session(monitor.engine) as session:
        return list(session.exec(select(Item).order_by(Item.id)))


def one_item_feed(http_server, guid: str = "g1", link: str = "/a1.html", title: str = "Minister meets ambassador of Lithuania") -> str:
    return rss({"title": title, "link": http_server.url(link), "guid": guid, "pubDate": "Wed, 25 Sep 2024 09:30:00 +0000", "description": "Summary of the meeting."})


class TestConditionalGet:
    def test_a_304_answer_leaves_the_source_healthy_and_processes_nothing(self, http_server, monitor_for) -> None:
        """The validators of the last answer are sent back; a 304 means nothing new and no page fetches."""
        http_server.serve(FEED, one_item_feed(http_server), etag='"v1"', last_modified="Wed, 25 Sep 2024 10:00:00 GMT")
        http_server.serve("/a1.html", page("Minister meets ambassador of Lithuania", "They discussed transit."))
        monitor = monitor_for({"id": "by-mfa"})
        source = monitor.sources[0]

        assert poll_source(source, monitor.deps).status == "ok"
        second = poll_source(source, monitor.deps)

        assert second.status == "not_modified"
        last = http_server.hits(FEED)[-1]
        assert last.headers["if-none-match"] == '"v1"'
        assert last.headers["if-modified-since"] == "Wed, 25 Sep 2024 10:00:00 GMT"
        assert len(http_server.hits("/a1.html")) == 1
        status = monitor.deps.store.source_status("by-mfa")
        assert status.consecutive_failures == 0 and status.etag == '"v1"'


class TestContentHash:
    def test_an_unchanged_body_without_validators_is_recognised_by_its_hash(self, http_server, monitor_for) -> None:
        """A server that sends no validators still costs no reprocessing when the feed has not changed."""
        http_server.serve(FEED, one_item_feed(http_server))
        http_server.serve("/a1.html", page("Minister meets ambassador of Lithuania", "They discussed transit."))
        monitor = monitor_for({"id": "by-mfa"})
        source = monitor.sources[0]

        assert poll_source(source, monitor.deps).status == "ok"
        assert poll_source(source, monitor.deps).status == "unchanged"
        assert len(http_server.hits(FEED)) == 2

    def test_a_changed_feed_behind_an_unchanged_etag_is_still_read(self, http_server, monitor_for) -> None:
        """A server that keeps its ETag for new content is caught: the hash, not the validator, decides."""
        http_server.serve(FEED, one_item_feed(http_server), headers={"ETag": '"same"'})
        monitor = monitor_for({"id": "by-mfa", "fetch_pages": False})
        source = monitor.sources[0]
        poll_source(source, monitor.deps)
        # The server now sends a new document with the same ETag but ignores If-None-Match.
        http_server.serve(FEED, rss({"title": "A second statement on Lithuania", "link": http_server.url("/a2.html"), "guid": "g2"}), headers={"ETag": '"same"'})

        report = poll_source(source, monitor.deps)

        assert report.status == "ok" and report.new_items == 1
        assert [i.title for i in items(monitor)] == ["Minister meets ambassador of Lithuania", "A second statement on Lithuania"]


class TestDedupe:
    def test_a_changed_guid_for_the_same_link_is_not_processed_again(self, http_server, monitor_for) -> None:
        """The canonical URL (tracking parameters stripped) identifies the item when the guid changes."""
        http_server.serve(FEED, one_item_feed(http_server, guid="old-guid", link="/a1.html"))
        monitor = monitor_for({"id": "by-mfa", "fetch_pages": False})
        poll_source(monitor.sources[0], monitor.deps)
        http_server.serve(FEED, one_item_feed(http_server, guid="new-guid", link="/a1.html?utm_source=rss&utm_campaign=x"))

        report = poll_source(monitor.sources[0], monitor.deps)

        assert report.new_items == 0
        assert len(items(monitor)) == 1

    def test_a_changed_guid_and_link_with_the_same_title_is_not_processed_again(self, http_server, monitor_for) -> None:
        """The normalised title identifies the item when a feed changes both its guids and its links."""
        http_server.serve(FEED, one_item_feed(http_server, guid="g-1", link="/2024/a1.html"))
        monitor = monitor_for({"id": "by-mfa", "fetch_pages": False})
        poll_source(monitor.sources[0], monitor.deps)
        http_server.serve(FEED, one_item_feed(http_server, guid="g-99", link="/new-site/a1", title="Minister meets  ambassador of LITHUANIA."))

        assert poll_source(monitor.sources[0], monitor.deps).new_items == 0

    def test_the_same_item_in_two_feeds_is_stored_once(self, http_server, monitor_for) -> None:
        """An item that two feeds of one publisher both carry is processed once."""
        http_server.serve(FEED, one_item_feed(http_server))
        http_server.serve("/all.xml", one_item_feed(http_server, guid="other"))
        monitor = monitor_for({"id": "news", "fetch_pages": False}, {"id": "all", "url": http_server.url("/all.xml"), "fetch_pages": False})
        for source in monitor.sources:
            poll_source(source, monitor.deps)
        assert len(items(monitor)) == 1


class TestFallback:
    def test_an_unreachable_page_falls_back_to_the_feed_content_and_says_so(self, http_server, monitor_for) -> None:
        """When the page fails, the entry's full content in the feed is used, and the failure is recorded."""
        feed = (
            '<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>F</title>'
            f"<item><title>Statement on Lithuania</title><link>{http_server.url('/gone.html')}</link><guid>g1</guid>"
            "<description>Short summary.</description>"
            "<content:encoded><![CDATA[<p>The full statement about <b>Lithuania</b> and its elections.</p>]]></content:encoded>"
            "</item></channel></rss>"
        )
        http_server.serve(FEED, feed)
        monitor = monitor_for({"id": "by-mfa"})

        poll_source(monitor.sources[0], monitor.deps)

        (item,) = items(monitor)
        assert item.extraction == "feed_content"
        assert item.text == "The full statement about Lithuania and its elections."
        assert "404" in (item.extraction_error or "")

    def test_a_page_without_text_falls_back_to_the_summary(self, http_server, monitor_for) -> None:
        """A page that yields no article text leaves the feed's summary as the text."""
        http_server.serve(FEED, one_item_feed(http_server))
        http_server.serve("/a1.html", "<html><body></body></html>")
        monitor = monitor_for({"id": "by-mfa"})

        poll_source(monitor.sources[0], monitor.deps)

        (item,) = items(monitor)
        assert (item.extraction, item.text) == ("feed_summary", "Summary of the meeting.")
        assert item.extraction_error == "no article text found in the page"

    def test_the_page_text_is_used_when_the_page_has_an_article(self, http_server, monitor_for) -> None:
        """A fetched page's article text wins over the feed, and its metadata is kept."""
        http_server.serve(FEED, one_item_feed(http_server))
        http_server.serve("/a1.html", page("Minister meets ambassador of Lithuania", "The minister and the ambassador discussed transit through the port of Klaipeda at length today."))
        monitor = monitor_for({"id": "by-mfa"})

        poll_source(monitor.sources[0], monitor.deps)

        (item,) = items(monitor)
        assert item.extraction == "page"
        assert "Klaipeda" in item.text and item.extraction_error is None
        assert item.published_at.isoformat() == "2024-09-25T09:30:00+00:00"  # from the feed entry

    def test_a_link_to_a_private_address_is_not_fetched(self, http_server, monitor_for) -> None:
        """A feed entry pointing at an internal address falls back to the feed and records the refusal."""
        http_server.serve(FEED, rss({"title": "Statement on Lithuania", "link": "http://10.0.0.7/admin", "guid": "g1", "description": "Summary."}))
        monitor = monitor_for({"id": "by-mfa"})

        poll_source(monitor.sources[0], monitor.deps)

        (item,) = items(monitor)
        assert item.extraction == "feed_summary"
        assert "non-public address" in (item.extraction_error or "")


class TestFailingSource:
    def test_a_failing_source_backs_off_exponentially_and_recovers(self, http_server, monitor_for, clock) -> None:
        """Failures are counted and push the next poll out (2, 4 ... intervals); a success resets them."""
        http_server.serve(FEED, "broken", status=500)
        monitor = monitor_for({"id": "by-mfa", "interval": "10m"})
        source = monitor.sources[0]

        first = poll_source(source, monitor.deps)
        status = monitor.deps.store.source_status("by-mfa")
        assert first.status == "failed" and "HTTP 500" in first.errors[0]
        assert status.consecutive_failures == 1
        assert status.next_poll_at == clock.now + timedelta(minutes=20)
        assert "HTTP 500" in (status.last_error or "")

        poll_source(source, monitor.deps)
        assert monitor.deps.store.source_status("by-mfa").next_poll_at == clock.now + timedelta(minutes=40)

        http_server.serve(FEED, one_item_feed(http_server))
        clock.advance(timedelta(hours=1))
        monitor_ok = poll_source(source, monitor.deps)
        status = monitor.deps.store.source_status("by-mfa")
        assert monitor_ok.status == "ok"
        assert status.consecutive_failures == 0 and status.last_success_at == clock.now
        assert "HTTP 500" in (status.last_error or "")  # the last error stays visible

    def test_an_html_page_at_the_feed_address_is_a_failure_not_a_crash(self, http_server, monitor_for) -> None:
        """A feed URL that answers with a web page is recorded as a failing source."""
        http_server.serve(FEED, "<html><body><p>We moved!</p></body></html>", headers={"Content-Type": "text/html"})
        monitor = monitor_for({"id": "by-mfa"})

        report = poll_source(monitor.sources[0], monitor.deps)

        assert report.status == "failed"
        assert monitor.deps.store.source_status("by-mfa").consecutive_failures == 1

    def test_the_backoff_never_exceeds_the_maximum(self, http_server, monitor_for, clock) -> None:
        """However long a source fails, it is polled again within the maximum backoff."""
        http_server.serve(FEED, "broken", status=503)
        monitor = monitor_for({"id": "by-mfa", "interval": "15m"}, max_backoff=timedelta(hours=2))
        for _ in range(12):
            poll_source(monitor.sources[0], monitor.deps)
        status = monitor.deps.store.source_status("by-mfa")
        assert status.consecutive_failures == 12
        assert status.next_poll_at == clock.now + timedelta(hours=2)


class TestHostilePages:
    @pytest.mark.parametrize(
        ("name", "body", "headers"),
        [
            ("too large", b"<html><body><p>" + b"x" * 3_000_000 + b"</p></body></html>", {"Content-Type": "text/html"}),
            ("deeply nested", b"<html><body>" + b"<div>" * 50_000 + b"<p>Lithuania</p>" + b"</div>" * 50_000 + b"</body></html>", {"Content-Type": "text/html"}),
            ("binary", bytes(range(256)) * 400, {"Content-Type": "application/pdf"}),
            ("broken markup", b"<html><body><p>Unclosed <b><i><table><tr><td>cell" + b"<" * 1000, {"Content-Type": "text/html"}),
        ],
    )
    def test_a_hostile_page_is_stored_with_the_feed_text_and_the_run_goes_on(self, http_server, monitor_for, name, body, headers) -> None:
        """Huge, deeply nested, binary or broken pages never stop a poll: the entry falls back to the feed."""
        http_server.serve(FEED, rss(
            {"title": f"Hostile page: {name}", "link": http_server.url("/hostile.html"), "guid": "h1", "description": "Summary from the feed."},
            {"title": "A normal statement on Lithuania", "link": http_server.url("/normal.html"), "guid": "n1", "description": "Normal."},
        ))
        http_server.serve("/hostile.html", body, headers=headers)
        http_server.serve("/normal.html", page("A normal statement on Lithuania", "The ministry commented on relations with Lithuania and on the border regime in detail."))
        monitor = monitor_for({"id": "by-mfa"}, max_body_bytes=2_000_000)

        report = poll_source(monitor.sources[0], monitor.deps)

        assert report.status == "ok" and report.new_items == 2 and not report.errors
        hostile, normal = items(monitor)
        assert hostile.extraction in ("feed_summary", "page")
        assert normal.extraction == "page"
