"""Phrase matching that survives case, typography and inflection, with offsets into the original.

Texts and phrases are normalised the same way (Unicode NFKC, case folding, ``ё``→``е``, one kind
of quote, one kind of dash, soft hyphens and zero-width characters dropped, any whitespace one
space). Matching runs on the normalised text; every span is mapped back to the original text, so
evidence quotes exactly what the source published.

A phrase is a sequence of words; ``*`` inside or at the end of a word stands for any further
letters, so ``голосова*`` matches ``голосовать`` and ``голосования``. Phrases match on Unicode
word boundaries and across line breaks.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from monitor.models import Field

_QUOTES = dict.fromkeys("\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033\u301d\u301e", '"') | dict.fromkeys(
    "\u2018\u2019\u201a\u201b\u2039\u203a\u02bc\u2032`\u00b4", "'"
)
_DASHES = dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2e3a\u2e3b\ufe58\ufe63\uff0d", "-")
_DROPPED = dict.fromkeys("\u00ad\u200b\u200c\u200d\u2060\ufeff", "")
_LETTERS = {"ё": "е"}
_MAP = _QUOTES | _DASHES | _DROPPED | _LETTERS


@lru_cache(maxsize=65536)
def _normalise_cluster(cluster: str) -> str:
    """One character with its combining marks -> its normalised form (possibly empty).

    Typographic characters are mapped before NFKC, which would otherwise decompose some of
    them (an acute accent used as an apostrophe becomes a space and a combining mark).
    Combining marks that do not compose with their letter (stress marks in Russian) are
    dropped, so they never split a word.
    """
    mapped = "".join(_MAP.get(char, char) for char in cluster)
    folded = unicodedata.normalize("NFC", unicodedata.normalize("NFKC", mapped).casefold())
    out = []
    for char in folded:
        char = _MAP.get(char, char)
        if unicodedata.combining(char):
            continue
        out.append(" " if char.isspace() else char)
    return "".join(out)


@dataclass(frozen=True)
class Normalised:
    """A normalised text and, for each of its characters, where its origin starts and ends."""

    original: str
    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a non-empty span of the normalised text back to a span of the original."""
        return self.starts[start], self.ends[end - 1]


def normalise(text: str) -> Normalised:
    """Normalise ``text`` for matching, keeping a map back to the original offsets."""
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        piece = _normalise_cluster(text[i:j])
        if piece:
            pieces.append(piece)
            starts.extend([i] * len(piece))
            ends.extend([j] * len(piece))
        i = j
    return Normalised(text, "".join(pieces), tuple(starts), tuple(ends))


def normalise_phrase(phrase: str) -> str:
    return normalise(phrase).text.strip()


def phrase_pattern(phrase: str) -> str:
    """The regex source for one phrase (already word-bounded on both ends)."""
    words = normalise_phrase(phrase).split()
    if not words:
        raise ValueError("empty phrase")
    parts = []
    for word in words:
        if word.strip("*") == "":
            raise ValueError(f"phrase {phrase!r} has a word that is only a wildcard")
        parts.append(r"\w*".join(re.escape(piece) for piece in word.split("*")))
    return r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)"


@dataclass(frozen=True)
class Span:
    start: int  # in the original text
    end: int
    quote: str


class PhraseMatcher:
    """Finds any of a list of phrases in a normalised text. Immutable once built."""

    def __init__(self, phrases: Iterable[str]) -> None:
        self.phrases = tuple(phrases)
        if not self.phrases:
            raise ValueError("no phrases")
        # Longest first, so that "vote correctly" wins over "vote" at the same position.
        ordered = sorted(self.phrases, key=lambda p: -len(p))
        self._regex = re.compile("|".join(f"(?:{phrase_pattern(p)})" for p in ordered))

    def find(self, text: Normalised) -> list[Span]:
        spans = []
        for found in self._regex.finditer(text.text):
            start, end = text.span(found.start(), found.end())
            spans.append(Span(start, end, text.original[start:end]))
        return spans


@dataclass(frozen=True)
class Document:
    """An article's title and text, normalised once and shared by context and scoring."""

    title: Normalised
    text: Normalised

    def field(self, which: Field) -> Normalised:
        return self.title if which is Field.TITLE else self.text


def prepare(title: str, text: str) -> Document:
    return Document(normalise(title), normalise(text))
