"""A public Telegram channel's web preview (``https://t.me/s/NAME``) -> entries, newest first.

Each message is an item whose text is the message itself (no page is fetched): its text, its
time and its permalink. The preview shows the latest twenty or so messages; older ones are on
``?before=ID`` pages, which a first poll reads back a few of (``earlier_page``).
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit, urlunsplit

import lxml.html
from lxml import etree

from monitor.ingest.feeds import ParsedFeed, canonical_url, iso_datetime
from monitor.models import FeedEntry

_PARSER = lxml.html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True)
TITLE_CHARS = 140  # a message has no title: its first line stands for one, cut here


def parse_telegram(body: bytes, source_id: str, url: str) -> ParsedFeed:
    """Never raises for a malformed page; ``problem`` says what was wrong."""
    try:
        page = lxml.html.document_fromstring(body, parser=_PARSER)
    except (etree.ParserError, ValueError) as exc:
        return ParsedFeed((), f"not HTML: {exc}", "")
    messages = page.cssselect("div.tgme_widget_message[data-post]")
    if not messages:
        return ParsedFeed((), "no messages: not a channel's web preview (https://t.me/s/NAME)", "")
    entries = [entry for message in messages if (entry := _entry(message, source_id)) is not None]
    return ParsedFeed(tuple(reversed(entries)), None, "telegram")  # the page lists the oldest first


def _entry(message: lxml.html.HtmlElement, source_id: str) -> FeedEntry | None:
    post = message.get("data-post", "")
    body = next(iter(message.cssselect(".tgme_widget_message_text")), None)
    text = _text(body) if body is not None else ""
    if not text:  # a picture or a sticker alone: nothing to read
        return None
    stamp = next(iter(message.cssselect("a.tgme_widget_message_date time[datetime]")), None)
    link = next(iter(message.cssselect("a.tgme_widget_message_date[href]")), None)
    address = (link.get("href") if link is not None else None) or f"https://t.me/{post}"
    first_line = text.split("\n", 1)[0]
    return FeedEntry(
        source_id=source_id,
        guid=post,
        url=address,
        canonical_url=canonical_url(address),
        title=first_line if len(first_line) <= TITLE_CHARS else first_line[: TITLE_CHARS - 1] + "…",
        summary="",
        content=text,
        published=iso_datetime(stamp.get("datetime")) if stamp is not None else None,
    )


def _text(node: lxml.html.HtmlElement) -> str:
    """The message's text, its line breaks kept."""
    for br in node.iter("br"):
        br.tail = "\n" + (br.tail or "")
    lines = (" ".join(line.split()) for line in node.text_content().split("\n"))
    return "\n".join(line for line in lines if line)


def earlier_page(url: str, feed: ParsedFeed) -> str | None:
    """The address of the messages before the oldest on this page (``?before=ID``), if there are any."""
    numbers = [int(entry.guid.rsplit("/", 1)[1]) for entry in feed.entries if entry.guid and entry.guid.rsplit("/", 1)[-1].isdigit()]
    if not numbers:
        return None
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode({"before": min(numbers)}), ""))
