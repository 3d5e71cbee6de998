"""Page bytes -> article text and metadata, with trafilatura. Pure: no network.

A body is sniffed before it is read: binary content (an image, an archive, garbage behind an
HTML header) would otherwise come out as a long text of replacement characters.
"""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from monitor.errors import NotText

logger = logging.getLogger(__name__)

SNIFF_BYTES = 65_536  # the beginning of a body that decides whether it is text
# Control characters other than white space: text has next to none, random bytes one in eight.
_CONTROLS = bytes(b for b in range(32) if b not in b"\t\n\r\f") + b"\x7f"
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]")
MAX_CONTROL_SHARE = 0.01  # of the sniffed bytes, or of the extracted text's characters
# Media types a page may be served as; application/octet-stream (often a misconfigured server)
# and a missing type are judged by their bytes alone.
_TEXT_TYPES = ("text/", "application/xhtml+xml", "application/xml", "application/octet-stream")
# Text in UTF-16 or UTF-32 is full of NUL and other control bytes; it is judged by its characters.
_WIDE_ENCODINGS = ("utf-32", "utf-16", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")


def check_text_body(body: bytes, content_type: str | None = None) -> None:
    """Raise NotText unless ``body`` looks like a web page: a text media type (or none), and
    hardly any control characters in its first SNIFF_BYTES (read as bytes, or as UTF-16/32)."""
    media = (content_type or "").split(";")[0].strip().lower()
    if media and not (media.startswith(_TEXT_TYPES) or media.endswith("+xml")):
        raise NotText(f"not a web page: content type {media}")
    sample = body[:SNIFF_BYTES]
    controls = len(sample) - len(sample.translate(None, _CONTROLS))
    if controls <= MAX_CONTROL_SHARE * len(sample) or any(_wide_text(sample, name) for name in _WIDE_ENCODINGS):
        return
    raise NotText(f"binary content: {controls} control bytes in the first {len(sample)}")


def _wide_text(sample: bytes, encoding: str) -> bool:
    """Whether ``sample`` decodes strictly in ``encoding`` to text with hardly any control characters.

    Random bytes do not: they hold unpaired surrogates (UTF-16) or values beyond Unicode (UTF-32).
    """
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        text = decoder.decode(sample, final=False)  # the sample may end inside a character
    except UnicodeError:  # undecodable, or (utf-16, utf-32) no byte order mark
        return False
    return bool(text) and len(_CONTROL_CHARS.findall(text)) <= MAX_CONTROL_SHARE * len(text)


@dataclass(frozen=True)
class Extracted:
    text: str
    title: str | None
    author: str | None
    published: datetime | None
    language: str | None
    site_name: str | None


def extract_page(body: bytes, url: str | None = None, content_type: str | None = None) -> Extracted | None:
    """The main text and metadata of an HTML page; None when no text can be found.

    Raises NotText for a body that is not a web page (see ``check_text_body``), or whose
    text is mostly undecodable bytes (binary content after a first stretch of text).
    """
    # Imported on the first page, in the process that extracts: a run that meets only unchanged
    # feeds never loads trafilatura and lxml (a third of a second of every start).
    import trafilatura
    from trafilatura.settings import Document

    check_text_body(body, content_type)
    try:
        document = trafilatura.bare_extraction(
            body, url=url, with_metadata=True, include_comments=False, include_tables=True, deduplicate=False
        )
    except Exception as exc:  # trafilatura/lxml raise many types on hostile markup
        logger.warning("extraction failed url=%s error=%s", url, exc)
        return None
    if not isinstance(document, Document):  # None when nothing was found (a dict only with as_dict=True)
        return None
    text = (document.text or "").strip()
    if not text:
        return None
    garbled = len(_CONTROL_CHARS.findall(text))
    if garbled > MAX_CONTROL_SHARE * len(text):
        raise NotText(f"binary content: {garbled} undecodable or control characters in {len(text)} of text")
    return Extracted(
        text=text,
        title=document.title or None,
        author=document.author or None,
        published=_day(document.date),
        language=document.language or None,
        site_name=document.sitename or None,
    )


MAX_TEXT_CHARS = 300_000  # the default cap on the text kept per item (setting MONITOR_MAX_TEXT_CHARS)


def clip_text(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, at the last white space near the cut if
    there is one, so that a huge page makes no unbounded item (and no half word)."""
    if len(text) <= limit:
        return text
    clipped = text[:limit]
    space = max(clipped.rfind(" ", limit - 200), clipped.rfind("\n", limit - 200))
    return (clipped[:space] if space > 0 else clipped).rstrip()


def _day(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.combine(date.fromisoformat(value[:10]), datetime.min.time(), tzinfo=UTC)
    except ValueError:
        return None
