"""A text's analysis that no rule changes, as compact bytes: computed once per item, reused by re-scoring.

Re-scoring a stored item with other rules (backtests, evaluation, tuning) needs the item's
``Document`` (title, text and lead normalised, with their maps back to the original and their
words) and its ``Context`` (language, countries mentioned and where, elections near). None of
them depends on the rules, and computing them costs more than scoring. ``encode`` writes them
as bytes, ``decode`` reads them back equal to what ``analyse`` computes afresh.

The bytes are plain data (lengths, UTF-8 text, arrays of offsets, a small JSON part), never
pickled objects: they come back from a database. They begin with a digest of what the analysis
depends on (the code of normalisation, matching and context, the libraries' versions, the
gazetteer's content); bytes made under another digest are stale and ``decode`` refuses them, so
they are recomputed, never wrongly reused. The original title and text are not repeated (the
item has them). Elections are not kept: ``decode`` looks them up in the calendar it is given,
which is quick, so editing the calendar makes nothing stale.

Pure: no store, no network.
"""

from __future__ import annotations

import bisect
import hashlib
import importlib.metadata
import json
import struct
import sys
import unicodedata
import zlib
from array import array
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from monitor.detect.article_context import WINDOW_AFTER_DAYS, WINDOW_BEFORE_DAYS, build_context
from monitor.detect.countries import Gazetteer
from monitor.detect.document import Document, lead_of, prepare
from monitor.detect.elections import ElectionCalendar
from monitor.detect.normalisation import Normalised
from monitor.models import Context, Field, Source

FORMAT = 1
MAGIC = b"MP"
DIGEST_BYTES = 16
_HEADER = struct.Struct(f"<2sB{DIGEST_BYTES}sI")  # magic, format, digest, length of the JSON part
_TEXT = struct.Struct("<IBI")  # UTF-8 bytes of the normalised text, flags, words
_HAS_MAP, _HAS_WORDS, _WIDE = 1, 2, 4
# The code the analysis is made by, and the libraries it calls: a change to any makes stored analyses stale.
_DEPENDS_ON = ("normalisation", "document", "phrases", "phrase_matcher", "placenames", "countries", "language", "article_context", "prepared")
_LIBRARIES = ("regex", "py3langid", "babel")

Analysis = tuple[Document, Context]


def analyse(title: str, text: str, source: Source, published: datetime, gazetteer: Gazetteer, calendar: ElectionCalendar, language: str | None) -> Analysis:
    """What the pipeline computes before scoring, from the raw title and text."""
    document = prepare(title, text)
    return document, build_context(document, source, published, gazetteer, calendar, language)


def digest_of(gazetteer: Gazetteer) -> bytes:
    """What stored analyses made now are made with: the code, the libraries and the gazetteer."""
    return hashlib.sha256(_code_digest() + gazetteer.digest.encode("ascii")).digest()[:DIGEST_BYTES]


@lru_cache(maxsize=1)  # the code of a running process does not change
def _code_digest() -> bytes:
    hashed = hashlib.sha256(f"{FORMAT} {sys.version_info[:2]} {unicodedata.unidata_version}".encode())
    for library in _LIBRARIES:
        hashed.update(f" {library}={importlib.metadata.version(library)}".encode())
    here = Path(__file__).parent
    for module in _DEPENDS_ON:
        hashed.update((here / f"{module}.py").read_bytes())
    return hashed.digest()


def encode(document: Document, context: Context, digest: bytes) -> bytes:
    """The analysis as bytes (the source and the publication time are the item's, not kept)."""
    lead = len(document.lead.text) if _is_prefix(document) else -1
    meta = {
        "language": context.language,
        "mentioned": context.countries_mentioned,
        "about": context.countries_about,
        "places": [[code, str(where), start, end] for code, where, start, end in context.places],
        "lead": lead,
    }
    meta_bytes = json.dumps(meta, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    parts = [_HEADER.pack(MAGIC, FORMAT, digest, len(meta_bytes)), meta_bytes, _text_bytes(document.title), _text_bytes(document.text)]
    if lead < 0:
        parts.append(_text_bytes(document.lead))
    return zlib.compress(b"".join(parts), 1)


def decode(blob: bytes, digest: bytes, title: str, text: str, source: Source, published: datetime, calendar: ElectionCalendar) -> Analysis | None:
    """The analysis ``encode`` wrote, for this title and text; None if stale or unreadable (compute it afresh)."""
    try:
        data = zlib.decompress(blob)
        magic, version, made_with, meta_size = _HEADER.unpack_from(data)
        if magic != MAGIC or version != FORMAT or made_with != digest:
            return None
        at = _HEADER.size + meta_size
        meta = json.loads(data[_HEADER.size : at])
        normalised_title, at = _read_text(data, at, title)
        normalised_text, at = _read_text(data, at, text)
        lead_text = lead_of(text)
        lead = _prefix(normalised_text, lead_text, meta["lead"]) if meta["lead"] >= 0 else _read_text(data, at, lead_text)[0]
        mentioned = tuple(meta["mentioned"])
        context = Context(
            language=meta["language"],
            countries_mentioned=mentioned,
            countries_about=tuple(meta["about"]),
            elections_near=calendar.near(published.date(), mentioned, WINDOW_BEFORE_DAYS, WINDOW_AFTER_DAYS),
            source=source,
            published=published,
            places=tuple((code, Field(where), start, end) for code, where, start, end in meta["places"]),
        )
    except (ValueError, KeyError, TypeError, IndexError, struct.error, zlib.error):  # bytes that are not ours: recompute
        return None
    return Document(normalised_title, normalised_text, lead), context


def _text_bytes(normalised: Normalised) -> bytes:
    """A normalised text: its characters, its map back to the original (if not one to one) and its words."""
    encoded = normalised.text.encode("utf-8")
    words = normalised.tokens
    flags = (_HAS_MAP if normalised.starts is not None else 0) | (_HAS_WORDS if words else 0)
    if len(normalised.original) >= 0xFFFF or len(normalised.text) >= 0xFFFF:
        flags |= _WIDE
    code = "I" if flags & _WIDE else "H"
    parts = [_TEXT.pack(len(encoded), flags, len(words)), encoded]
    if normalised.starts is not None and normalised.ends is not None:
        parts += [_little(array(code, normalised.starts)), _little(array(code, normalised.ends))]
    parts += [_little(array(code, [start for _, start, _ in words])), _little(array(code, [end for _, _, end in words]))]
    return b"".join(parts)


def _read_text(data: bytes, at: int, original: str) -> tuple[Normalised, int]:
    size, flags, words = _TEXT.unpack_from(data, at)
    at += _TEXT.size
    normalised = data[at : at + size].decode("utf-8")
    at += size
    code = "I" if flags & _WIDE else "H"
    starts = ends = None
    if flags & _HAS_MAP:
        starts, at = _read_array(data, at, code, len(normalised))
        ends, at = _read_array(data, at, code, len(normalised))
    word_starts, at = _read_array(data, at, code, words)
    word_ends, at = _read_array(data, at, code, words)
    result = Normalised(original, normalised, None if starts is None else tuple(starts), None if ends is None else tuple(ends))
    # Its words, as ``Normalised.tokens`` finds them: set on the instance as the cached property would be.
    vars(result)["tokens"] = [(normalised[start:end], start, end) for start, end in zip(word_starts, word_ends, strict=True)]
    return result, at


def _read_array(data: bytes, at: int, code: str, count: int) -> tuple[array[int], int]:
    values = array(code)
    end = at + count * values.itemsize
    if end > len(data):
        raise ValueError("truncated analysis")
    values.frombytes(data[at:end])
    if sys.byteorder == "big":
        values.byteswap()
    return values, end


def _little(values: array[int]) -> bytes:
    if sys.byteorder == "big":
        values.byteswap()
    return values.tobytes()


def _is_prefix(document: Document) -> bool:
    """Whether the lead's normalisation is the start of the text's (almost always: then it is not kept twice)."""
    lead = document.lead
    cut = _prefix(document.text, lead.original, len(lead.text))
    return cut == lead and cut.tokens == lead.tokens


def _prefix(text: Normalised, original: str, length: int) -> Normalised:
    """The first ``length`` characters of a normalised text, as the normalisation of ``original``."""
    cut = Normalised(original, text.text[:length], _cut(text.starts, length), _cut(text.ends, length))
    words = text.tokens[: bisect.bisect_left(text.tokens, length, key=_start)]
    if words and words[-1][2] > length:  # a word the lead cuts off
        word, start, _ = words[-1]
        words[-1] = (word[: length - start], start, length)
    vars(cut)["tokens"] = words
    return cut


def _start(word: tuple[str, int, int]) -> int:
    return word[1]


def _cut(offsets: tuple[int, ...] | None, length: int) -> tuple[int, ...] | None:
    return offsets[:length] if offsets is not None else None
