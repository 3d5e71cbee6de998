"""Hostile bytes: whatever a server sends as a feed or a page, reading it and preparing its texts
raise nothing but the project's own errors, and no binary garbage comes out as text."""

from __future__ import annotations

import html
import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.detect.document import prepare
from monitor.detect.phrase_matcher import PhraseMatcher
from monitor.errors import MonitorError
from monitor.ingest.extract import extract_page
from monitor.ingest.feeds import parse_feed, title_key

FEED_URL = "https://mfa.example.org/feed.xml"
MATCHER = PhraseMatcher(["vote correctly", "Lithuan*3", "голосова*", "台湾"])
GARBLED = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]")
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Pieces of hostile text: control characters, combining marks, mixed scripts, giant "words".
controls = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x1F), max_size=20)
letters = st.text(alphabet="aбв\u0301\u00ad\u200bё台\ufffd<>&;\"' \n", max_size=200)
long_words = st.builds(lambda letter, n: letter * n, st.sampled_from("aж台\u0301"), st.integers(0, 30_000))
pieces = st.lists(st.one_of(controls, letters, long_words), max_size=6).map("".join)
nested = st.builds(lambda text, depth, tag: f"<{tag}>" * depth + text + f"</{tag}>" * depth, pieces, st.integers(0, 400), st.sampled_from(["div", "b", "p"]))
fragment = st.one_of(pieces, nested)


def _rss(title: str, summary: str, link: str, depth: int) -> bytes:
    item = f"<item><title>{html.escape(title)}</title><link>{html.escape(link)}</link><description>{html.escape(summary)}</description>{'<x>' * depth}{'</x>' * depth}</item>"
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>F</title>{item}</channel></rss>'.encode("utf-8", "surrogatepass")


def _atom(title: str, summary: str, link: str, depth: int) -> bytes:
    body = f"<![CDATA[{summary.replace(']]>', '')}]]>" if depth % 2 else html.escape(summary)
    entry = f'<entry><id>{html.escape(link)}</id><title type="html">{html.escape(title)}</title><link href="{html.escape(link, quote=True)}"/><content type="html">{body}</content></entry>'
    return f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>F</title>{entry}</feed>'.encode("utf-8", "surrogatepass")


def _json(title: str, summary: str, link: str, depth: int) -> bytes:
    nested: list[object] = []
    for _ in range(depth):
        nested = [nested]
    item = {"id": link, "url": link, "title": title, "content_html": summary, "nested": nested}
    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "F", "items": [item]}).encode()


feed_bytes = st.one_of(
    st.binary(max_size=4_000),
    st.builds(
        lambda build, title, summary, link, depth: build(title, summary, link, depth),
        st.sampled_from([_rss, _atom, _json]),
        fragment,
        fragment,
        st.one_of(st.just("https://mfa.example.org/news/1"), pieces),
        st.integers(0, 300),
    ),
    # A well-formed feed cut short or with bytes flipped: what a broken server or proxy sends.
    st.builds(lambda body, cut: body[:cut], st.builds(_rss, fragment, fragment, st.just("/a"), st.just(0)), st.integers(0, 2_000)),
)


@FUZZ
@given(body=feed_bytes, content_type=st.sampled_from([None, "application/rss+xml", "text/html", "application/json"]))
def test_hostile_feed_bytes_are_read_and_prepared_without_surprises(body: bytes, content_type: str | None) -> None:
    try:
        feed = parse_feed(body, "fuzz", FEED_URL, content_type)
    except MonitorError:
        return
    for entry in feed.entries:
        title_key("fuzz", entry.title, entry.published)
        for text in (entry.summary, entry.content):
            document = prepare(entry.title, text)
            for span in MATCHER.find(document.text):
                assert document.text.original[span.start : span.end] == span.quote


# Binary content behind the first bytes of a web page: what a misconfigured server sends.
behind_html = st.builds(lambda junk: b"<html><body><article><p>" + junk + b"</p></article></body></html>", st.binary(min_size=2_000, max_size=20_000))


@FUZZ
@given(body=st.one_of(feed_bytes, behind_html))
def test_hostile_page_bytes_are_extracted_or_refused_with_a_clear_error(body: bytes) -> None:
    try:
        extracted = extract_page(body, "https://mfa.example.org/a.html", "text/html")
    except MonitorError as exc:
        assert str(exc)
        return
    if extracted is not None:
        assert len(GARBLED.findall(extracted.text)) <= 0.01 * len(extracted.text), "binary bytes read as text"
        prepare(extracted.title or "", extracted.text)
