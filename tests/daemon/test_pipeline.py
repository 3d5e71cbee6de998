"""One source's poll, against a real local HTTP server and a real SQLite file."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlmodel import Session, select

from monitor.cli.main import main
from monitor.daemon.pipeline import poll_source
from monitor.daemon.settings import Settings
from monitor.daemon.wiring import Monitor
from monitor.store.engine import ensure_schema
from monitor.store.tables import Item
from testbed.builders import page, rss, write_sources
from testbed.settings import make_settings

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
        assert normal.extraction == "page"
        if name in ("too large", "binary"):
            assert hostile.extraction == "feed_summary" and hostile.extraction_error
        if name == "too large":
            assert "exceeds" in hostile.extraction_error or "declared" in hostile.extraction_error


class TestRecovery:
    def test_a_poll_skipped_at_stop_leaves_the_whole_feed_to_the_next_one(self, http_server, monitor_for) -> None:
        """A poll asked to stop before it starts records nothing; the next one reads every entry, then a 304 follows."""
        http_server.serve(FEED, rss(
            {"title": "First statement on Lithuania", "link": http_server.url("/a1.html"), "guid": "a1", "description": "One."},
            {"title": "Second statement on Lithuania", "link": "http://a..b/broken", "guid": "a2", "description": "Two."},
        ), etag='"v1"')
        monitor = monitor_for({"id": "by-mfa", "fetch_pages": False})
        monitor.deps.stop.set()  # the poll is cut short after its fetch (as by SIGTERM)
        assert poll_source(monitor.sources[0], monitor.deps).status == "skipped"
        monitor.deps.stop.clear()

        first = poll_source(monitor.sources[0], monitor.deps)
        assert first.new_items == 2 and not first.errors
        assert poll_source(monitor.sources[0], monitor.deps).status == "not_modified"

    def test_a_poll_stopped_midway_is_completed_by_the_next_one(self, http_server, monitor_for, clock) -> None:
        """Entries left when the monitor was asked to stop are processed by the next poll, despite the ETag."""
        http_server.serve(FEED, rss(*({"title": f"Statement number {i} on Lithuania", "link": http_server.url(f"/s{i}.html"), "guid": f"s{i}"} for i in range(3))), etag='"v1"')
        monitor = monitor_for({"id": "by-mfa", "fetch_pages": False})
        original = monitor.deps.store.save_item
        calls = []

        def save_then_stop(*args, **kwargs):
            calls.append(1)
            monitor.deps.stop.set()
            return original(*args, **kwargs)

        object.__setattr__(monitor.deps.store, "save_item", save_then_stop)
        report = poll_source(monitor.sources[0], monitor.deps)
        assert report.new_items == 1 and report.errors == ("stopped before the end of the feed",)
        object.__setattr__(monitor.deps.store, "save_item", original)
        monitor.deps.stop.clear()

        again = poll_source(monitor.sources[0], monitor.deps)
        assert again.status == "ok" and again.new_items == 2
        assert http_server.hits(FEED)[-1].headers.get("if-none-match") is None

    def test_a_recurring_title_on_another_day_is_a_new_item(self, http_server, monitor_for, clock) -> None:
        """Items that share a title ("Briefing by the spokeswoman") on different days are all kept."""
        briefing = {"title": "Briefing by the spokeswoman", "description": "Answers."}
        http_server.serve(FEED, rss({**briefing, "link": http_server.url("/b1"), "guid": "b1", "pubDate": "Mon, 23 Sep 2024 10:00:00 +0000"}))
        monitor = monitor_for({"id": "ru-mfa", "fetch_pages": False})
        poll_source(monitor.sources[0], monitor.deps)
        clock.advance(timedelta(days=9))
        http_server.serve(FEED, rss({**briefing, "link": http_server.url("/b2"), "guid": "b2", "pubDate": "Wed, 02 Oct 2024 10:00:00 +0000"}))

        assert poll_source(monitor.sources[0], monitor.deps).new_items == 1
        assert len(items(monitor)) == 2

    def test_an_item_title_key_is_taken_over_after_its_week(self, http_server, monitor_for, clock) -> None:
        """An undated item whose title returns after more than a week is stored, not lost to an old key."""
        http_server.serve(FEED, rss({"title": "Statement on the situation in Lithuania", "link": http_server.url("/x1"), "guid": "x1"}))
        monitor = monitor_for({"id": "by-mfa", "fetch_pages": False})
        poll_source(monitor.sources[0], monitor.deps)
        clock.advance(timedelta(days=8))
        http_server.serve(FEED, rss({"title": "Statement on the situation in Lithuania", "link": http_server.url("/x2"), "guid": "x2"}))

        report = poll_source(monitor.sources[0], monitor.deps)

        assert report.new_items == 1 and not report.errors
        assert len(items(monitor)) == 2

    def test_an_unexpected_error_is_recorded_on_the_source_and_the_run_goes_on(self, http_server, monitor_for) -> None:
        """A JSON feed whose items are not a list, or links no URL parser accepts, fail softly."""
        http_server.serve(FEED, '{"version": "https://jsonfeed.org/version/1.1", "title": "x", "items": 5}', headers={"Content-Type": "application/feed+json"})
        http_server.serve("/odd.json", '{"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "1", "url": "http://[::1/x", "title": "Odd link about Lithuania"}]}')
        monitor = monitor_for({"id": "empty-json", "fetch_pages": False}, {"id": "odd-json", "url": http_server.url("/odd.json")})

        reports = [poll_source(s, monitor.deps) for s in monitor.sources]

        assert [r.status for r in reports] == ["ok", "ok"]
        assert reports[1].new_items == 1
        (item,) = items(monitor)
        assert item.extraction == "title" and "malformed URL" in (item.extraction_error or "")


class TestBoundedPoll:
    """A poll takes at most MONITOR_MAX_ENTRIES_PER_POLL new entries and starts none after
    MONITOR_POLL_DEADLINE; the rest is read again by the next polls, none lost, none twice."""

    def test_a_long_feed_is_taken_a_capped_number_of_new_entries_per_poll(self, http_server, monitor_for) -> None:
        """150 entries, cap 30: the first poll fetches 30 pages (the first 30 in feed order), five polls fetch each page once."""
        total, cap = 150, 30
        entries = [{"title": f"Statement number {i} on transit", "link": http_server.url(f"/s{i}.html"), "guid": f"s{i}", "description": f"Summary {i}."} for i in range(total)]
        http_server.serve(FEED, rss(*entries), etag='"v1"')
        for i in range(total):
            http_server.serve(f"/s{i}.html", page(f"Statement number {i} on transit", f"Text of statement {i} about transit and trade."))
        monitor = monitor_for({"id": "by-mfa"}, max_entries_per_poll=cap)
        source = monitor.sources[0]

        def pages_fetched() -> list[str]:
            return [r.path for r in http_server.requests if r.path != FEED]

        first = poll_source(source, monitor.deps)
        assert (first.status, first.entries, first.new_items, first.deferred) == ("ok", total, cap, total - cap)
        assert len(pages_fetched()) == cap
        assert [i.url for i in items(monitor)] == [http_server.url(f"/s{i}.html") for i in range(cap)]

        reports = [first]
        while reports[-1].deferred and len(reports) < 20:
            reports.append(poll_source(source, monitor.deps))
        assert [r.new_items for r in reports] == [cap] * 5
        assert [r.deferred for r in reports] == [total - cap * n for n in range(1, 6)]
        assert sorted(pages_fetched()) == sorted(f"/s{i}.html" for i in range(total))  # each page once
        stored = items(monitor)
        assert len(stored) == total and len({i.url for i in stored}) == total
        # The feed was read to its end, so its validators are now kept and the next poll costs nothing.
        assert poll_source(source, monitor.deps).status == "not_modified"

    def test_the_cap_counts_new_entries_only(self, http_server, monitor_for) -> None:
        """Known entries at the top of the feed do not use up the cap, or a long feed would never advance."""
        entries = [{"title": f"Statement number {i} on transit", "link": http_server.url(f"/s{i}.html"), "guid": f"s{i}"} for i in range(30)]
        http_server.serve(FEED, rss(*entries[10:]))
        monitor = monitor_for({"id": "by-mfa", "fetch_pages": False}, max_entries_per_poll=5)
        source = monitor.sources[0]
        while poll_source(source, monitor.deps).deferred:
            pass
        http_server.serve(FEED, rss(*entries[20:], *entries[:10], *entries[10:20]))  # ten new entries between known ones

        report = poll_source(source, monitor.deps)

        assert (report.new_items, report.deferred) == (5, 15)
        assert poll_source(source, monitor.deps).new_items == 5
        assert len(items(monitor)) == 30

    def test_the_poll_deadline_leaves_the_rest_for_the_next_poll(self, http_server, monitor_for) -> None:
        """No entry is started after the poll deadline; the next poll, with a fresh deadline, takes the rest."""
        http_server.serve(FEED, rss(*({"title": f"Statement number {i} on transit", "link": http_server.url(f"/s{i}.html"), "guid": f"s{i}"} for i in range(5))), etag='"v1"')
        monitor = monitor_for({"id": "by-mfa", "fetch_pages": False})
        elapsed = [0.0]
        deps = replace(monitor.deps, monotonic=lambda: elapsed[0], poll_deadline=timedelta(seconds=2.5))
        original = deps.store.save_item

        def slow_save(*args, **kwargs):  # every entry costs one second of the poll's clock
            elapsed[0] += 1
            return original(*args, **kwargs)

        object.__setattr__(deps.store, "save_item", slow_save)
        first = poll_source(monitor.sources[0], deps)
        assert (first.new_items, first.deferred, first.errors) == (3, 2, ())
        second = poll_source(monitor.sources[0], deps)
        assert (second.new_items, second.deferred) == (2, 0)
        assert poll_source(monitor.sources[0], deps).status == "not_modified"
        assert len(items(monitor)) == 5

    @pytest.mark.parametrize(
        ("name", "value"),
        [("max_entries_per_poll", 0), ("max_entries_per_poll", 100_001), ("poll_deadline", "0s"), ("poll_deadline", "2d"), ("poll_deadline", "soon")],
    )
    def test_out_of_range_poll_settings_are_refused(self, name: str, value: object) -> None:
        """MONITOR_MAX_ENTRIES_PER_POLL is 1 to 100000, MONITOR_POLL_DEADLINE 1s to 24h."""
        with pytest.raises(ValidationError, match=name):
            Settings(_env_file=None, **{name: value})  # type: ignore[arg-type]

    @pytest.mark.parametrize("variable", ["MONITOR_MAX_ENTRIES_PER_POLL", "MONITOR_POLL_DEADLINE", "MONITOR_FETCH_DEADLINE"])
    def test_a_bad_bound_stops_the_command_with_exit_2(self, monkeypatch, capsys, variable: str) -> None:
        """A bad value exits 2 before anything runs, naming the variable."""
        monkeypatch.setenv(variable, "0")
        assert main(["rules", "check"]) == 2
        assert variable in capsys.readouterr().err


class TestBoundedText:
    BINARY = b"<html><body><p>" + random.Random(7).randbytes(120_000) + b"</p></body></html>"

    @pytest.mark.parametrize(
        ("body", "content_type", "reason"),
        [
            (BINARY, "text/html", "binary content"),
            (BINARY, None, "binary content"),
            (page("Statement on Lithuania", "A real article about Lithuania, served as an image."), "image/png", "not a web page: content type image/png"),
        ],
        ids=["garbage behind an HTML header", "garbage without a type", "a page served as an image"],
    )
    def test_a_page_that_is_not_text_is_refused_and_the_feed_text_kept(self, http_server, monitor_for, body, content_type, reason) -> None:
        """Binary bytes are never stored as text: the item keeps the feed's summary and says why the page was refused."""
        http_server.serve(FEED, one_item_feed(http_server))
        http_server.serve("/a1.html", body, headers={"Content-Type": content_type} if content_type else {})
        monitor = monitor_for({"id": "by-mfa"})

        report = poll_source(monitor.sources[0], monitor.deps)

        assert report.status == "ok" and report.new_items == 1 and not report.errors
        (item,) = items(monitor)
        assert (item.extraction, item.text) == ("feed_summary", "Summary of the meeting.")
        assert (item.extraction_error or "").startswith(f"{http_server.url('/a1.html')}: {reason}")

    def test_the_text_kept_per_item_is_capped(self, http_server, monitor_for) -> None:
        """A huge article is cut at the last space before MONITOR_MAX_TEXT_CHARS."""
        paragraphs = [f"Paragraph {n} on relations with Lithuania and the transit of goods through Klaipeda." for n in range(3_000)]
        http_server.serve(FEED, one_item_feed(http_server))
        http_server.serve("/a1.html", page("Minister meets ambassador of Lithuania", *paragraphs), headers={"Content-Type": "text/html"})
        monitor = monitor_for({"id": "by-mfa"}, max_text_chars=5_000)

        poll_source(monitor.sources[0], monitor.deps)

        (item,) = items(monitor)
        assert item.extraction == "page"
        assert 4_800 <= len(item.text) <= 5_000 and "Paragraph 0 on" in item.text
        assert item.text.split()[-1] in {word for paragraph in paragraphs for word in paragraph.split()}  # no half word
