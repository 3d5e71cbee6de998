"""The phrase syntax: a phrase's words, its wildcards, its regular expression.

A phrase is a sequence of words; ``*`` inside or at the end of a word stands for any further
letters, so ``голосова*`` matches ``голосовать`` and ``голосования``; ``*3`` at the end of a word
stands for at most three (``Литв*3`` matches ``Литве``, not ``Литвинов``). Phrases match on
Unicode word boundaries and across line breaks; a phrase in a script written without spaces
(Chinese, Japanese, Thai) matches inside a longer run of letters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import regex

from monitor.detect.normalisation import normalise_phrase

# A word of a phrase and its wildcard: ``*`` = any further letters, ``*3`` = at most three more.
_PIECE = regex.compile(r"([\w\p{M}]+)(\*(\d)?)?")
# Scripts written without spaces between words: a phrase in them matches inside a longer run of
# letters (``台湾`` in ``台湾地区``), so these phrases are found by a scan, not by word boundaries.
_UNSPACED = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}]")
# A run of such letters with the marks that go with them (Khmer and Burmese vowel signs are
# marks, which would split a run of "word" characters).
UNSPACED_RUN = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}\p{M}]+")
# What may stand between two words of a phrase matched from the word index: white space (any
# amount), or a few of these marks with or without spaces, exactly as the phrase has them
# ("Guinea-Bissau", "Côte d'Ivoire", "U.S", "St. Kitts & Nevis").
_SEPARATOR = re.compile(r"[\s\-'.&]{1,4}")


def is_unspaced(phrase: str) -> bool:
    return bool(_UNSPACED.search(phrase))


def check_phrase_table(table: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """A pydantic validator for ``language -> phrases``: every phrase compiles (ValueError otherwise)."""
    for phrases in table.values():
        for phrase in phrases:
            phrase_pattern(phrase)
    return table


@lru_cache(maxsize=131072)
def phrase_pattern(phrase: str) -> str:
    """The regex source for one phrase (already word-bounded on both ends, except in unspaced scripts)."""
    words = normalise_phrase(phrase).split()
    if not words:
        raise ValueError("empty phrase")
    if is_unspaced(phrase):
        if "*" in phrase:
            raise ValueError(f"phrase {phrase!r}: no wildcard in a script written without spaces")
        return r"\s+".join(re.escape(word) for word in words)
    parts = []
    for word in words:
        if not re.sub(r"\*\d?", "", word):
            raise ValueError(f"phrase {phrase!r} has a word that is only a wildcard")
        pieces = re.split(r"\*(\d?)", word)
        source = re.escape(pieces[0])
        for bound, piece in zip(pieces[1::2], pieces[2::2], strict=True):
            source += (rf"\w{{0,{bound}}}" if bound else r"\w*") + re.escape(piece)
        parts.append(source)
    return r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)"


UNLIMITED = -1  # a stem followed by any number of letters


@dataclass(frozen=True, slots=True)  # slots: a pack and a gazetteer hold some 100,000 of them
class PhraseWord:
    """One word of a phrase: matched exactly, or as a stem with some or any letters after it."""

    letters: str
    extra: int  # letters that may follow: 0 = the word exactly, UNLIMITED = any number

    def __reduce__(self) -> tuple[type[PhraseWord], tuple[str, int]]:
        # Unpickled by a call, several times quicker than dataclasses' field-by-field state of a
        # slotted class (a kept pack holds some 100,000: monitor.config.buildcache).
        return PhraseWord, (self.letters, self.extra)

    def fits(self, token: str) -> bool:
        if self.extra == 0:
            return token == self.letters
        return token.startswith(self.letters) and (self.extra == UNLIMITED or len(token) - len(self.letters) <= self.extra)


@dataclass(frozen=True, slots=True)
class ParsedPhrase:
    """A phrase of words, each matched exactly or as a stem, joined by white space or by marks (``-'.&``)."""

    words: tuple[PhraseWord, ...]
    joiners: tuple[str, ...]  # between word i and i+1: " " for any white space, else exactly this
    length: int  # characters, to prefer the longer of two phrases matching at one place
    label: str | None

    def __reduce__(self) -> tuple[type[ParsedPhrase], tuple[tuple[PhraseWord, ...], tuple[str, ...], int, str | None]]:
        return ParsedPhrase, (self.words, self.joiners, self.length, self.label)  # as PhraseWord's

    def matches_at(self, tokens: list[tuple[str, int, int]], index: int, text: str) -> int | None:
        """The index of the last token of this phrase starting at ``index``, or None."""
        last = index + len(self.words) - 1
        if last >= len(tokens):
            return None
        for offset, word in enumerate(self.words):
            token, start, _ = tokens[index + offset]
            if not word.fits(token):
                return None
            if offset:
                between = text[tokens[index + offset - 1][2] : start]
                joiner = self.joiners[offset - 1]
                if not (between.isspace() if joiner == " " else between == joiner or _marks(between) == joiner):
                    return None
        return last


def parse_phrase(text: str, length: int, label: str | None) -> ParsedPhrase | None:
    """A normalised phrase the word index can find, or None when it needs a regular expression."""
    words: list[PhraseWord] = []
    joiners: list[str] = []
    position = 0
    while position < len(text):
        found = _PIECE.match(text, position)
        if found is None:
            return None
        star, bound = found.group(2), found.group(3)
        words.append(PhraseWord(found.group(1), 0 if not star else int(bound) if bound else UNLIMITED))
        position = found.end()
        if position == len(text):
            break
        separator = _SEPARATOR.match(text, position)
        if separator is None:
            return None
        position = separator.end()
        if position == len(text):
            if separator.group().strip(".") == "":
                break  # "U.S." is "U.S": the word boundary after the S is what counts
            return None  # ends in a hyphen or an apostrophe: a regular expression says that
        joiners.append(_marks(separator.group()))
    return ParsedPhrase(tuple(words), tuple(joiners), length, label)


def _marks(separator: str) -> str:
    """A separator's marks without white space ("St. Kitts" and "St.Kitts" alike); " " when it is only white space."""
    return "".join(separator.split()) or " "


def phrase_needle(phrase: str) -> str:
    """The letters a phrase's first word starts with: text without them holds no match."""
    return regex.match(r"[\w\p{M}]*", phrase).group()  # type: ignore[union-attr]
