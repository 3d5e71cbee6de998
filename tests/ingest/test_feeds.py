"""Feed bytes -> FeedEntry list: plain text, resolved links, canonical URLs, dates, identities, broken feeds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.ingest.feeds import ParsedFeed, canonical_url, parse_feed, title_key
from monitor.ingest.markup import html_to_text
from monitor.models import FeedEntry

FEED_URL = "https://mfa.example.org/en/feeds/rss.xml"
RSS_TYPE = "application/rss+xml; charset=utf-8"
ATOM_TYPE = "application/atom+xml"

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0">
<channel>
  <title>Ministry of Foreign Affairs</title>
  <link>https://mfa.example.org/</link>
  <description>News</description>
  <item>
    <title>Reset &amp; <b>Lithuania</b></title>
    <link>/news/reset?utm_source=telegram&amp;utm_medium=social&amp;id=3&amp;fbclid=IwAR0xyz#comments</link>
    <guid isPermaLink="false">mfa-2024-0925-1</guid>
    <description><![CDATA[<p>First <b>paragraph</b>.</p><script>alert("x")</script><p>Second paragraph.</p>]]></description>
    <pubDate>Wed, 25 Sep 2024 14:30:00 +0300</pubDate>
  </item>
  <item>
    <title>Трансграничное сотрудничество</title>
    <link>https://mfa.example.org/ru/news/2/</link>
    <description>Просто текст без разметки.</description>
    <pubDate>Thu, 26 Sep 2024 08:00:00 GMT</pubDate>
  </item>
</channel>
</rss>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Government of Lithuania</title>
  <id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>
  <updated>2024-09-25T10:00:00Z</updated>
  <entry>
    <title type="html">Balsuokite &lt;em&gt;atsakingai&lt;/em&gt;</title>
    <id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>
    <link rel="alternate" href="news/vote.html"/>
    <updated>2024-09-25T10:00:00+02:00</updated>
    <summary>Trumpai apie rinkimus.</summary>
    <content type="html">&lt;p&gt;Pirmas &lt;a href="/x"&gt;sakinys&lt;/a&gt;.&lt;/p&gt;&lt;script&gt;var secret = "evil";&lt;/script&gt;&lt;style&gt;p {color: red}&lt;/style&gt;&lt;p&gt;Antras sakinys.&lt;/p&gt;</content>
  </entry>
</feed>
"""


def parse_rss(body: str = RSS, content_type: str | None = RSS_TYPE) -> ParsedFeed:
    return parse_feed(body.encode("utf-8"), "by-mfa", FEED_URL, content_type)


class TestEntries:
    def test_a_valid_feed_has_entries_and_no_problem(self) -> None:
        """A well-formed RSS 2.0 feed yields one FeedEntry per item and no problem."""
        feed = parse_rss()
        assert feed.problem is None
        assert len(feed.entries) == 2
        assert all(isinstance(e, FeedEntry) and e.source_id == "by-mfa" for e in feed.entries)

    def test_title_and_summary_are_plain_text(self) -> None:
        """HTML in titles and descriptions is reduced to text, entities decoded, one line per block."""
        entry = parse_rss().entries[0]
        assert entry.title == "Reset & Lithuania"
        assert entry.summary == "First paragraph.\nSecond paragraph."

    def test_script_is_removed_not_kept_as_text(self) -> None:
        """The text of a <script> element never reaches the summary or content."""
        entry = parse_rss().entries[0]
        assert "alert" not in entry.summary
        atom = parse_feed(ATOM.encode(), "lt-gov", "https://lrv.example.lt/en/feeds/atom.xml", ATOM_TYPE).entries[0]
        assert "evil" not in atom.content and "secret" not in atom.content
        assert "color" not in atom.content

    def test_plain_text_passes_through(self) -> None:
        """A description without markup is kept as it is."""
        entry = parse_rss().entries[1]
        assert entry.title == "Трансграничное сотрудничество"
        assert entry.summary == "Просто текст без разметки."
        assert entry.content == ""

    def test_atom_content_is_kept_apart_from_summary(self) -> None:
        """An Atom entry's HTML title, summary and full content each become plain text."""
        feed = parse_feed(ATOM.encode(), "lt-gov", "https://lrv.example.lt/en/feeds/atom.xml", ATOM_TYPE)
        assert feed.problem is None
        (entry,) = feed.entries
        assert entry.title == "Balsuokite atsakingai"
        assert entry.summary == "Trumpai apie rinkimus."
        assert entry.content == "Pirmas sakinys.\nAntras sakinys."

    def test_content_equal_to_summary_is_not_repeated(self) -> None:
        """When the full content says the same as the summary, only the summary is kept."""
        body = """<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:f</id>
        <entry><title>Same text twice over</title><id>urn:e</id><link href="https://a.example.org/1"/>
        <summary type="html">&lt;p&gt;Same.&lt;/p&gt;</summary><content type="html">&lt;p&gt;Same.&lt;/p&gt;</content>
        </entry></feed>"""
        (entry,) = parse_feed(body.encode(), "a", "https://a.example.org/feed", ATOM_TYPE).entries
        assert entry.summary == "Same."
        assert entry.content == ""

    def test_an_item_with_nothing_in_it_is_dropped(self) -> None:
        """An item with no link, guid, title or text is not an entry."""
        body = RSS.replace("<item>", "<item></item><item>", 1)
        assert len(parse_rss(body).entries) == 2


class TestLinks:
    def test_relative_link_is_resolved_against_the_feed_url(self) -> None:
        """A root-relative RSS link is made absolute with the feed's scheme and host."""
        entry = parse_rss().entries[0]
        assert entry.url == "https://mfa.example.org/news/reset?utm_source=telegram&utm_medium=social&id=3&fbclid=IwAR0xyz#comments"

    def test_path_relative_atom_link_is_resolved_against_the_feed_url(self) -> None:
        """A path-relative Atom link is resolved against the directory of the feed URL."""
        (entry,) = parse_feed(ATOM.encode(), "lt-gov", "https://lrv.example.lt/en/feeds/atom.xml", ATOM_TYPE).entries
        assert entry.url == "https://lrv.example.lt/en/feeds/news/vote.html"

    def test_canonical_url_of_an_entry_has_no_tracking(self) -> None:
        """The entry's canonical URL keeps real parameters and drops utm_*, fbclid and the fragment."""
        entry = parse_rss().entries[0]
        assert entry.canonical_url == "https://mfa.example.org/news/reset?id=3"

    @pytest.mark.parametrize(
        ("url", "expected"),
        [
            (
                "https://a.example.org/n?utm_source=tg&utm_medium=social&utm_campaign=c&utm_content=x&utm_term=y&id=7",
                "https://a.example.org/n?id=7",
            ),
            ("https://a.example.org/n?fbclid=IwAR0abc", "https://a.example.org/n"),
            ("https://a.example.org/n?p=2#section-3", "https://a.example.org/n?p=2"),
            ("https://A.Example.ORG:443/n", "https://a.example.org/n"),
            ("http://a.example.org:80/n?utm_source=x#top", "http://a.example.org/n"),
        ],
    )
    def test_canonical_url(self, url: str, expected: str) -> None:
        """canonical_url strips tracking parameters, the fragment, the default port and host case."""
        assert canonical_url(url) == expected

    def test_canonical_url_is_the_same_for_tracked_and_untracked_links(self) -> None:
        """The same article shared with and without tracking has one canonical URL."""
        assert canonical_url("https://a.example.org/n/1?utm_source=rss#x") == canonical_url("https://a.example.org/n/1")


class TestDates:
    def test_published_is_utc_from_pubdate(self) -> None:
        """pubDate with a +03:00 offset becomes the same instant as a timezone-aware UTC datetime."""
        entry = parse_rss().entries[0]
        assert entry.published == datetime(2024, 9, 25, 11, 30, tzinfo=UTC)
        assert entry.published is not None and entry.published.utcoffset() == timedelta(0)

    def test_atom_updated_is_used_when_there_is_no_published(self) -> None:
        """An Atom entry with only <updated> gets that instant, in UTC."""
        (entry,) = parse_feed(ATOM.encode(), "lt-gov", "https://lrv.example.lt/en/feeds/atom.xml", ATOM_TYPE).entries
        assert entry.published == datetime(2024, 9, 25, 8, 0, tzinfo=UTC)

    def test_no_date_is_none(self) -> None:
        """An item without any date has ``published`` None, not the current time."""
        body = RSS.replace("<pubDate>Thu, 26 Sep 2024 08:00:00 GMT</pubDate>", "")
        assert parse_rss(body).entries[1].published is None


class TestIdentities:
    def test_keys_hold_url_and_guid(self) -> None:
        """An entry is remembered under its canonical URL and under its GUID scoped to the source."""
        entry = parse_rss().entries[0]
        assert entry.guid == "mfa-2024-0925-1"
        assert entry.keys == ("url:https://mfa.example.org/news/reset?id=3", "guid:by-mfa:mfa-2024-0925-1")

    def test_keys_without_guid_hold_only_the_url(self) -> None:
        """An item without a guid is remembered by its URL alone."""
        entry = parse_rss().entries[1]
        assert entry.guid is None
        assert entry.keys == ("url:https://mfa.example.org/ru/news/2/",)

    def test_guid_identity_is_per_source(self) -> None:
        """The same GUID in two sources gives two different guid keys."""
        a = parse_feed(RSS.encode(), "by-mfa", FEED_URL, RSS_TYPE).entries[0]
        b = parse_feed(RSS.encode(), "belta", FEED_URL, RSS_TYPE).entries[0]
        assert a.keys[1] != b.keys[1]

    def test_title_key_ignores_case_punctuation_and_whitespace(self) -> None:
        """Titles that differ only in case, punctuation and spacing have one title key."""
        one = title_key("by-mfa", "Minsk proposes a RESET with Lithuania!")
        two = title_key("by-mfa", "  minsk proposes a reset, with   lithuania ")
        three = title_key("by-mfa", "Minsk proposes a «reset» with Lithuania…")
        assert one is not None and one == two == three

    def test_title_key_folds_yo(self) -> None:
        """Russian titles spelt with ``ё`` and with ``е`` have one title key."""
        assert title_key("belta", "Ещё одно заявление МИД") == title_key("belta", "Еще одно заявление МИД")

    def test_title_key_differs_per_source_and_title(self) -> None:
        """The same title in another source, or another title in the same source, has another key."""
        key = title_key("by-mfa", "Minsk proposes a reset with Lithuania")
        assert key != title_key("belta", "Minsk proposes a reset with Lithuania")
        assert key != title_key("by-mfa", "Minsk proposes a reset with Latvia")

    @pytest.mark.parametrize("title", ["", "News", "Update!!", "  ...  ", "Q&A"])
    def test_title_key_is_none_for_very_short_titles(self, title: str) -> None:
        """A title too short to identify an item has no title key."""
        assert title_key("by-mfa", title) is None


class TestBrokenFeeds:
    def test_undefined_entity_keeps_readable_entries_and_sets_problem(self) -> None:
        """A feed with an undefined entity still yields its entries, and ``problem`` names the fault."""
        body = RSS.replace("Reset &amp; <b>Lithuania</b>", "Reset &eacute; &bogus; <b>Lithuania</b>")
        feed = parse_rss(body)
        assert feed.problem is not None and "entity" in feed.problem
        assert len(feed.entries) == 2
        assert "Lithuania" in feed.entries[0].title
        assert feed.entries[1].title == "Трансграничное сотрудничество"

    def test_truncated_document_keeps_readable_entries_and_sets_problem(self) -> None:
        """A feed cut off in the middle of its second item still yields the first one."""
        body = RSS[: RSS.index("<description>Просто")]
        feed = parse_rss(body)
        assert feed.problem is not None
        assert feed.entries[0].title == "Reset & Lithuania"
        assert feed.entries[0].summary == "First paragraph.\nSecond paragraph."

    @pytest.mark.parametrize("body", [b"<html><body><p>Not a feed", b"\x00\xff\xfe garbage <rss", b"{not json"])
    def test_garbage_yields_no_entries_and_a_problem(self, body: bytes) -> None:
        """A document that is not a feed gives no entries and a problem, never an exception."""
        feed = parse_feed(body, "by-mfa", FEED_URL, RSS_TYPE)
        assert feed.entries == ()
        assert feed.problem

    def test_whitespace_document_yields_no_entries_and_a_problem(self) -> None:
        """A body of only whitespace gives no entries and a problem."""
        feed = parse_feed(b"  \n ", "by-mfa", FEED_URL, RSS_TYPE)
        assert feed.entries == ()
        assert feed.problem

    def test_empty_document_yields_no_entries_and_a_problem(self) -> None:
        """An empty body gives no entries and a problem, without raising."""
        feed = parse_feed(b"", "by-mfa", FEED_URL, RSS_TYPE)
        assert feed.entries == ()
        assert feed.problem

    def test_empty_document_does_not_raise(self) -> None:
        """An empty body, with or without a content type, parses to no entries without raising."""
        assert parse_feed(b"", "by-mfa", FEED_URL, RSS_TYPE).entries == ()
        assert parse_feed(b"", "by-mfa", FEED_URL).entries == ()

    def test_a_well_formed_feed_without_content_type_has_no_problem(self) -> None:
        """A well-formed feed served without a Content-Type is not reported as broken."""
        assert parse_rss(content_type=None).problem is None

    def test_a_well_formed_feed_without_content_type_still_yields_entries(self) -> None:
        """Without a content type the entries are still all there."""
        assert [e.title for e in parse_rss(content_type=None).entries] == ["Reset & Lithuania", "Трансграничное сотрудничество"]

    def test_json_feed_items_are_entries(self) -> None:
        """A JSON Feed 1.1 document yields its items as entries."""
        body = b"""{"version": "https://jsonfeed.org/version/1.1", "title": "MFA",
          "items": [{"id": "1", "url": "https://mfa.example.org/news/1", "title": "Reset with Lithuania",
                     "content_text": "Text.", "date_published": "2024-09-25T11:30:00Z"}]}"""
        feed = parse_feed(body, "by-mfa", "https://mfa.example.org/feed.json", "application/feed+json")
        assert [e.title for e in feed.entries] == ["Reset with Lithuania"]


def test_plain_text_with_a_less_than_sign_is_kept_whole() -> None:
    """A summary that is plain text with a "<" in it is not mistaken for markup."""
    assert html_to_text("turnout a<b and c") == "turnout a<b and c"


def test_an_upper_case_scheme_is_canonicalised() -> None:
    """Tracking parameters are stripped whatever the case of the scheme and host."""
    assert canonical_url("HTTPS://Host.ORG/x?utm_source=y#f") == "https://host.org/x"
