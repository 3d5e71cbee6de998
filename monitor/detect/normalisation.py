"""Text normalised for matching, with a map from every character back to the original.

Texts and phrases are normalised the same way (Unicode NFKC, case folding, ``ё``→``е``, one kind
of quote, one kind of dash, soft hyphens and zero-width characters dropped, any whitespace one
space, a word mixing Latin and Cyrillic look-alikes read in its main alphabet). Matching runs on
the normalised text; every span is mapped back to the original text, so evidence quotes exactly
what the source published.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import accumulate

import regex

_QUOTES = dict.fromkeys("\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033\u301d\u301e", '"') | dict.fromkeys(
    "\u2018\u2019\u201a\u201b\u2039\u203a\u02bc\u2032`\u00b4", "'"
)
_DASHES = dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2e3a\u2e3b\ufe58\ufe63\uff0d", "-")
_DROPPED = dict.fromkeys("\u00ad\u200b\u200c\u200d\u2060\ufeff", "")
_LETTERS = {"ё": "е"}
_MAP = _QUOTES | _DASHES | _DROPPED | _LETTERS
# Line breaks stay line breaks (a headline without a full stop is still a sentence of its own);
# every other kind of white space becomes one space.
_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
# A word: letters and digits, and the marks of scripts whose vowel signs are marks (Hindi, Bengali).
_WORD = regex.compile(r"[\w\p{M}]+")
WORD_SEPARATOR = "\x00"  # never inside a word
_SENTENCE_END = re.compile(r"[.!?\u2026]+[\"')\]]*\s+|\n+")


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
        out.append(("\n" if char in _LINE_BREAKS else " ") if char.isspace() else char)
    return "".join(out)


@dataclass(frozen=True)
class Normalised:
    """A normalised text and, for each of its characters, where its origin starts and ends."""

    original: str
    text: str
    starts: tuple[int, ...] | None  # None: character i of ``text`` is character i of ``original``
    ends: tuple[int, ...] | None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a non-empty span of the normalised text back to a span of the original."""
        if self.starts is None or self.ends is None:
            return start, end
        return self.starts[start], self.ends[end - 1]

    @cached_property
    def tokens(self) -> list[tuple[str, int, int]]:
        """The words of the normalised text with their offsets, computed once per text."""
        return [(m.group(), m.start(), m.end()) for m in _WORD.finditer(self.text)]

    @cached_property
    def word_string(self) -> tuple[str, list[int]]:
        """The words joined by ``WORD_SEPARATOR``, with one before the first word and one after
        the last, and where each word's leading separator stands: what a matcher's automaton
        runs over (``⟨sep⟩word`` is found only where a word begins)."""
        words = [word for word, _, _ in self.tokens]
        offsets = list(accumulate(map(len, words), lambda at, length: at + length + 1, initial=0))
        return WORD_SEPARATOR + WORD_SEPARATOR.join(words) + WORD_SEPARATOR, offsets

    @cached_property
    def words_at(self) -> dict[str, list[int]]:
        """Each distinct word -> the indices where it occurs."""
        index: dict[str, list[int]] = {}
        for position, (word, _, _) in enumerate(self.tokens):
            index.setdefault(word, []).append(position)
        return index

    @cached_property
    def _token_starts(self) -> list[int]:
        return [start for _, start, _ in self.tokens]

    @cached_property
    def _sentence_ends(self) -> list[int]:
        return [m.end() for m in _SENTENCE_END.finditer(self.text)]

    def word_index(self, offset: int) -> int:
        """The index of the word at (or after) a normalised offset."""
        return bisect.bisect_left(self._token_starts, offset)

    def sentence_index(self, offset: int) -> int:
        """The index of the sentence that holds a normalised offset."""
        return bisect.bisect_right(self._sentence_ends, offset)


_ONE_TO_ONE = str.maketrans(
    {char: mapped for char, mapped in _MAP.items() if len(mapped) == 1}
    | dict.fromkeys("\t\x1f", " ")
    | dict.fromkeys(_LINE_BREAKS, "\n")
)
_NEEDS_CLUSTERS = regex.compile(r"[\p{M}" + "".join(c for c, m in _MAP.items() if len(m) != 1) + "]")


# Letters that look alike in the Latin and Cyrillic alphabets (lower case, after folding; h and b
# stand for the capitals H and B). A word written mostly in one alphabet with a few letters of
# the other, by accident or to dodge filters ("НАТO" with a Latin O), is read in its main one.
_TO_CYRILLIC = str.maketrans("acepoxykmthbi", "асерохукмтнві")
_TO_LATIN = str.maketrans("асерохукмтнві", "acepoxykmthbi")
_MIXED_WORD = regex.compile(r"\b(?=\w*\p{Latin})(?=\w*\p{Cyrillic})\w+")
_CYRILLIC_LETTER = regex.compile(r"\p{Cyrillic}")
_LATIN_LETTER = regex.compile(r"\p{Latin}")


def _one_alphabet(text: str) -> str:
    """Words that mix Latin and Cyrillic look-alikes, rewritten in their main alphabet (same length)."""

    def fix(found: regex.Match[str]) -> str:
        word = found.group()
        cyrillic, latin = len(_CYRILLIC_LETTER.findall(word)), len(_LATIN_LETTER.findall(word))
        return word.translate(_TO_CYRILLIC if cyrillic >= latin else _TO_LATIN)

    return _MIXED_WORD.sub(fix, text)


def normalise(text: str) -> Normalised:
    """Normalise ``text`` for matching, keeping a map back to the original offsets."""
    if unicodedata.is_normalized("NFKC", text) and not _NEEDS_CLUSTERS.search(text):
        folded = text.casefold()
        if len(folded) == len(text):  # the common case: every character maps to one character
            return Normalised(text, _one_alphabet(folded.translate(_ONE_TO_ONE)), None, None)
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    plain_from = 0
    for found in _CAREFUL.finditer(text):
        start, end = found.span()
        if start and unicodedata.combining(text[start]):
            start -= 1  # a combining mark goes with the letter before it (a plain one)
        _plain(text, plain_from, start, pieces, starts, ends)
        _clusters(text, start, end, pieces, starts, ends)
        plain_from = end
    _plain(text, plain_from, len(text), pieces, starts, ends)
    return Normalised(text, _one_alphabet("".join(pieces)), tuple(starts), tuple(ends))


# The characters that need more than folding and a one-to-one translation, each with the
# combining marks after it: marks, characters NFKC changes (or may change next to others),
# those folded into several, those dropped, and one space NFKC leaves alone. Runs of every
# other character are normalised at once (tests/detect/test_normalisation.py checks every
# code point against ``_normalise_cluster``).
_FOLDED_LONGER = (
    "\u00df\u0130\u0149\u01f0\u0390\u03b0\u0587\u1e96-\u1e9a\u1e9e\u1f50\u1f52\u1f54\u1f56\u1f80-\u1faf"
    "\u1fb2-\u1fb4\u1fb6\u1fb7\u1fbc\u1fc2-\u1fc4\u1fc6\u1fc7\u1fcc\u1fd2\u1fd3\u1fd6\u1fd7\u1fe2-\u1fe4"
    "\u1fe6\u1fe7\u1ff2-\u1ff4\u1ff6\u1ff7\u1ffc\ufb00-\ufb06\ufb13-\ufb17"
)
_CAREFUL = regex.compile(
    r"[\p{M}\p{NFKC_QC=N}\p{NFKC_QC=M}\u1680" + _FOLDED_LONGER + "".join(c for c, m in _MAP.items() if len(m) != 1) + "]+"
)


def _plain(text: str, start: int, end: int, pieces: list[str], starts: list[int], ends: list[int]) -> None:
    """Characters that need no care, each becoming one: folded and translated at once."""
    if start >= end:
        return
    run = text[start:end]
    folded = run.casefold()
    if len(folded) != len(run):  # a character unknown to _CAREFUL (a newer Unicode): one at a time
        _clusters(text, start, end, pieces, starts, ends)
        return
    pieces.append(folded.translate(_ONE_TO_ONE))
    starts.extend(range(start, end))
    ends.extend(range(start + 1, end + 1))


def _clusters(text: str, start: int, end: int, pieces: list[str], starts: list[int], ends: list[int]) -> None:
    """Each character from ``start`` to ``end`` with its combining marks, normalised one by one."""
    i = start
    while i < end:
        j = i + 1
        while j < end and unicodedata.combining(text[j]):
            j += 1
        piece = _normalise_cluster(text[i:j])
        if piece:
            pieces.append(piece)
            starts.extend([i] * len(piece))
            ends.extend([j] * len(piece))
        i = j


@lru_cache(maxsize=131072)  # a pack's phrases are normalised when validated, indexed and named: once is enough
def normalise_phrase(phrase: str) -> str:
    return normalise(phrase).text.strip()
