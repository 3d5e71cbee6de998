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

import bisect
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache

import regex

from monitor.models import Field

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
    def words_at(self) -> dict[str, list[int]]:
        """Each distinct word -> the indices where it occurs."""
        index: dict[str, list[int]] = {}
        for position, (word, _, _) in enumerate(self.tokens):
            index.setdefault(word, []).append(position)
        return index

    @cached_property
    def prefixes_at(self) -> dict[str, list[int]]:
        """Every beginning of every word -> the indices of the words that begin so (for stems)."""
        index: dict[str, list[int]] = {}
        for word, positions in self.words_at.items():
            for length in range(1, len(word) + 1):
                index.setdefault(word[:length], []).extend(positions)
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
    return Normalised(text, _one_alphabet("".join(pieces)), tuple(starts), tuple(ends))


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
    label: str | None = None  # the label of the phrase that matched, if the matcher has labels


_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?\u2026]+[\"')\]]*\s+|\n+")
_PLAIN_WORD = re.compile(r"\w+\*?")


@dataclass(frozen=True)
class _Phrase:
    """A phrase of plain words: each matched exactly, or as a prefix when it ends in ``*``."""

    words: tuple[tuple[str, bool], ...]  # (letters, is_stem)
    length: int  # characters, to prefer the longer of two phrases matching at one place
    label: str | None

    def matches_at(self, tokens: list[tuple[str, int, int]], index: int, text: str) -> int | None:
        """The index of the last token of this phrase starting at ``index``, or None."""
        last = index + len(self.words) - 1
        if last >= len(tokens):
            return None
        for offset, (letters, stem) in enumerate(self.words):
            token, start, _ = tokens[index + offset]
            if not (token.startswith(letters) if stem else token == letters):
                return None
            if offset and not text[tokens[index + offset - 1][2] : start].isspace():
                return None  # words of a phrase are separated by whitespace only
        return last


class PhraseMatcher:
    """Finds any of a list of phrases in a normalised text. Immutable once built.

    Phrases made of plain words (letters, digits, a final ``*``) are looked up word by word from
    an index of first words, so that hundreds of phrases cost one pass over the text's words;
    any other phrase (with punctuation, or ``*`` inside a word) is a regular expression.
    """

    def __init__(self, phrases: Iterable[str], labels: Iterable[str | None] | None = None) -> None:
        """``labels``, one per phrase, say which group a phrase belongs to (a country, say)."""
        self.phrases = tuple(phrases)
        if not self.phrases:
            raise ValueError("no phrases")
        phrase_labels = tuple(labels) if labels is not None else (None,) * len(self.phrases)
        self._first: dict[tuple[str, bool], list[_Phrase]] = {}  # (first word, is stem) -> phrases
        other = []
        for phrase, label in zip(self.phrases, phrase_labels, strict=True):
            pattern = phrase_pattern(phrase)  # validates every phrase alike
            words = normalise_phrase(phrase).split()
            if all(_PLAIN_WORD.fullmatch(w) for w in words):
                parsed = _Phrase(tuple((w.rstrip("*"), w.endswith("*")) for w in words), len(phrase), label)
                self._first.setdefault(parsed.words[0], []).append(parsed)
            else:
                other.append((len(phrase), pattern, label))
        # Longest first, so that "vote correctly" wins over "vote" at the same position.
        other.sort(key=lambda entry: -entry[0])
        self._regex_labels = [label for _, _, label in other]
        self._regex = re.compile("|".join(f"({p})" for _, p, _ in other)) if other else None

    def find(self, text: Normalised) -> list[Span]:
        """Every match, as spans of the original text."""
        spans = []
        for start, end, label in self.locate(text):
            start, end = text.span(start, end)
            spans.append(Span(start, end, text.original[start:end], label))
        return spans

    def locate(self, text: Normalised) -> list[tuple[int, int, str | None]]:
        """Every match, as (start, end, label) in the normalised text."""
        found = self._find_words(text)
        if self._regex is not None:
            found.extend((m.start(), m.end(), self._regex_labels[m.lastindex - 1]) for m in self._regex.finditer(text.text) if m.lastindex)
            found = _without_overlaps(found)
        return found

    def _find_words(self, text: Normalised) -> list[tuple[int, int, str | None]]:
        """Look each phrase's first word up in the text's word index, then check the rest in place."""
        starting: dict[int, list[_Phrase]] = {}
        for (letters, stem), phrases in self._first.items():
            for position in (text.prefixes_at if stem else text.words_at).get(letters, ()):
                starting.setdefault(position, []).extend(phrases)
        tokens = text.tokens
        found = []
        resume = 0  # matches do not overlap: the first (and longest) at a place wins
        for index in sorted(starting):
            if index < resume:
                continue
            best: tuple[int, int, str | None] | None = None  # (last token, phrase length, label)
            for phrase in starting[index]:
                last = phrase.matches_at(tokens, index, text.text)
                if last is not None and (best is None or (last, phrase.length) > best[:2]):
                    best = (last, phrase.length, phrase.label)
            if best is not None:
                found.append((tokens[index][1], tokens[best[0]][2], best[2]))
                resume = best[0] + 1
        return found


def _without_overlaps(spans: list[tuple[int, int, str | None]]) -> list[tuple[int, int, str | None]]:
    """Sorted spans, the longer kept where two overlap."""
    kept: list[tuple[int, int, str | None]] = []
    for span in sorted(spans, key=lambda s: (s[0], -s[1])):
        if kept and span[0] < kept[-1][1]:
            continue
        kept.append(span)
    return kept


@dataclass(frozen=True)
class Document:
    """An article's title and text, normalised once and shared by context and scoring.

    The lead is the text's first paragraph (at most ``LEAD_CHARS``): a prefix of the text, so
    offsets in the lead are offsets in the text too.
    """

    title: Normalised
    text: Normalised
    lead: Normalised

    def field(self, which: Field) -> Normalised:
        if which is Field.TITLE:
            return self.title
        return self.lead if which is Field.LEAD else self.text


LEAD_CHARS = 600


def prepare(title: str, text: str) -> Document:
    body = normalise(text)
    paragraph_end = text.find("\n", 1)
    lead_end = min(LEAD_CHARS, paragraph_end if paragraph_end > 0 else len(text))
    return Document(normalise(title), body, normalise(text[:lead_end]))
