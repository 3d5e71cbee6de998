"""Phrase matching that survives case, typography and inflection, with offsets into the original.

Texts and phrases are normalised the same way (Unicode NFKC, case folding, ``ё``→``е``, one kind
of quote, one kind of dash, soft hyphens and zero-width characters dropped, any whitespace one
space). Matching runs on the normalised text; every span is mapped back to the original text, so
evidence quotes exactly what the source published.

A phrase is a sequence of words; ``*`` inside or at the end of a word stands for any further
letters, so ``голосова*`` matches ``голосовать`` and ``голосования``; ``*3`` at the end of a word
stands for at most three (``Литв*3`` matches ``Литве``, not ``Литвинов``). Phrases match on
Unicode word boundaries and across line breaks; a phrase in a script written without spaces
(Chinese, Japanese, Thai) matches inside a longer run of letters.
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


@lru_cache(maxsize=131072)  # a pack's phrases are normalised when validated, indexed and named: once is enough
def normalise_phrase(phrase: str) -> str:
    return normalise(phrase).text.strip()


# A word of a phrase and its wildcard: ``*`` = any further letters, ``*3`` = at most three more.
_PIECE = regex.compile(r"([\w\p{M}]+)(\*(\d)?)?")
# Scripts written without spaces between words: a phrase in them matches inside a longer run of
# letters (``台湾`` in ``台湾地区``), so these phrases are found by a scan, not by word boundaries.
_UNSPACED = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}]")
# A run of such letters with the marks that go with them (Khmer and Burmese vowel signs are
# marks, which would split a run of "word" characters).
_UNSPACED_RUN = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}\p{M}]+")
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


@dataclass(frozen=True)
class Span:
    start: int  # in the original text
    end: int
    quote: str
    label: str | None = None  # the label of the phrase that matched, if the matcher has labels


# A word: letters and digits, and the marks of scripts whose vowel signs are marks (Hindi, Bengali).
_WORD = regex.compile(r"[\w\p{M}]+")
_SENTENCE_END = re.compile(r"[.!?\u2026]+[\"')\]]*\s+|\n+")

UNLIMITED = -1  # a stem followed by any number of letters


@dataclass(frozen=True)
class _Word:
    letters: str
    extra: int  # letters that may follow: 0 = the word exactly, UNLIMITED = any number

    def fits(self, token: str) -> bool:
        if self.extra == 0:
            return token == self.letters
        return token.startswith(self.letters) and (self.extra == UNLIMITED or len(token) - len(self.letters) <= self.extra)


@dataclass(frozen=True)
class _Phrase:
    """A phrase of words, each matched exactly or as a stem, joined by white space or by marks (``-'.&``)."""

    words: tuple[_Word, ...]
    joiners: tuple[str, ...]  # between word i and i+1: " " for any white space, else exactly this
    length: int  # characters, to prefer the longer of two phrases matching at one place
    label: str | None

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


def _parse(text: str, length: int, label: str | None) -> _Phrase | None:
    """A normalised phrase the word index can find, or None when it needs a regular expression."""
    words: list[_Word] = []
    joiners: list[str] = []
    position = 0
    while position < len(text):
        found = _PIECE.match(text, position)
        if found is None:
            return None
        star, bound = found.group(2), found.group(3)
        words.append(_Word(found.group(1), 0 if not star else int(bound) if bound else UNLIMITED))
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
    return _Phrase(tuple(words), tuple(joiners), length, label)


def _marks(separator: str) -> str:
    """A separator's marks without white space ("St. Kitts" and "St.Kitts" alike); " " when it is only white space."""
    return "".join(separator.split()) or " "


class _Bucket:
    """The phrases that share a first word, those with an exact second word indexed by it:
    "if he wins", "if she wins" … are not all tried wherever "if" occurs."""

    def __init__(self) -> None:
        self.by_second: dict[str, list[_Phrase]] = {}
        self.others: list[_Phrase] = []  # one word, or a stem for a second word

    def add(self, phrase: _Phrase) -> None:
        if len(phrase.words) > 1 and phrase.words[1].extra == 0:
            self.by_second.setdefault(phrase.words[1].letters, []).append(phrase)
        else:
            self.others.append(phrase)

    def candidates(self, following: str | None) -> list[_Phrase]:
        paired = self.by_second.get(following, []) if following is not None else []
        return self.others + paired if paired else self.others


class PhraseMatcher:
    """Finds any of a list of phrases in a normalised text. Immutable once built.

    Most phrases are found through their first word: the first words of all phrases are
    intersected with the text's words, and each distinct word's beginnings of the lengths of the
    phrases' stems are looked up, so that thousands of phrases cost little more than a few; phrases in scripts written without spaces are found by a scan of the runs of letters
    that hold such a script; any other phrase (other punctuation, ``*`` inside a word) is a
    regular expression.
    """

    def __init__(self, phrases: Iterable[str], labels: Iterable[str | None] | None = None) -> None:
        """``labels``, one per phrase, say which group a phrase belongs to (a country, say)."""
        self.phrases = tuple(phrases)
        if not self.phrases:
            raise ValueError("no phrases")
        phrase_labels = tuple(labels) if labels is not None else (None,) * len(self.phrases)
        self._exact: dict[str, _Bucket] = {}  # first word -> phrases
        self._stems: dict[str, _Bucket] = {}  # first word's stem -> phrases
        self._unspaced: dict[str, str | None] = {}  # phrase -> label
        other = []
        for phrase, label in zip(self.phrases, phrase_labels, strict=True):
            text = normalise_phrase(phrase)
            parsed = _parse(text, len(phrase), label) if text and not is_unspaced(text) else None
            if parsed is None:
                pattern = phrase_pattern(phrase)  # raises ValueError for an empty phrase or a bare wildcard
                if is_unspaced(text):
                    self._unspaced.setdefault("".join(text.split()), label)
                else:
                    other.append((_needle(text), re.compile(pattern), label))
                continue
            first = parsed.words[0]
            (self._exact if first.extra == 0 else self._stems).setdefault(first.letters, _Bucket()).add(parsed)
        self._unspaced_lengths = sorted({len(p) for p in self._unspaced}, reverse=True)
        self._stem_lengths = tuple(sorted({len(s) for s in self._stems}))
        self._regex = tuple(other)  # (a piece of text every match contains, pattern, label)

    def find(self, text: Normalised) -> list[Span]:
        """Every match, as spans of the original text."""
        spans = []
        for start, end, label in self.locate(text):
            start, end = text.span(start, end)
            spans.append(Span(start, end, text.original[start:end], label))
        return spans

    def locate(self, text: Normalised) -> list[tuple[int, int, str | None]]:
        """Every match, as (start, end, label) in the normalised text; where two overlap, the longer."""
        found = self._find_words(text)
        extra = self._find_unspaced(text)
        extra.extend(self._find_regex(text))
        return without_overlaps(found + extra) if extra else found

    def locate_labelled(self, text: Normalised) -> list[tuple[int, int, str | None]]:
        """Every match of every label, sorted: labels do not hide each other, and within one
        label the longer of two overlapping matches is kept.

        This is how one matcher serves many lists at once (every lexicon and every rule's
        phrases): "vote correctly" of one list does not hide "vote" of another.
        """
        found = self._find_words(text, every_label=True) + self._find_unspaced(text, every_label=True)
        found.extend(self._find_regex(text))
        by_label: dict[str | None, list[tuple[int, int, str | None]]] = {}
        for span in found:
            by_label.setdefault(span[2], []).append(span)
        return sorted(span for spans in by_label.values() for span in without_overlaps(spans))

    def _find_regex(self, text: Normalised) -> list[tuple[int, int, str | None]]:
        """The phrases only a regular expression finds, each searched only in texts that hold its needle."""
        return [(m.start(), m.end(), label) for needle, pattern, label in self._regex if needle in text.text for m in pattern.finditer(text.text) if m.end() > m.start()]

    def _starting(self, text: Normalised) -> dict[int, list[_Bucket]]:
        """Word index -> the buckets of phrases whose first word fits the word there.

        The phrases' first words are intersected with the text's words (the rest of a phrase is
        checked in place); stems are looked up below.
        """
        starting: dict[int, list[_Bucket]] = {}
        words = text.words_at
        # A set intersection runs in C: only the first words the text has are looked at.
        found = [(self._exact[w], words[w]) for w in self._exact.keys() & words.keys()]
        found += self._stems_found(words)
        for bucket, positions in found:
            for position in positions:
                starting.setdefault(position, []).append(bucket)
        return starting

    def _stems_found(self, words: dict[str, list[int]]) -> list[tuple[_Bucket, list[int]]]:
        """The stems that begin each distinct word of the text, with the word's positions.

        Only the beginnings as long as this matcher's stems are cut from a word, and none is
        kept: a text's cost stays linear in its length however long its words (an index of
        every beginning of every word grows with the square of a word's length).
        """
        found: list[tuple[_Bucket, list[int]]] = []
        if not self._stem_lengths:
            return found
        stems, lengths = self._stems, self._stem_lengths
        for word, positions in words.items():
            for length in lengths:
                if length > len(word):
                    break
                bucket = stems.get(word[:length])
                if bucket is not None:
                    found.append((bucket, positions))
        return found

    def _find_words(self, text: Normalised, every_label: bool = False) -> list[tuple[int, int, str | None]]:
        """Find where each phrase's first word stands, then check the rest of the phrase in place.

        By default matches do not overlap (the first, and longest, at a place wins); with
        ``every_label``, the longest match of each label at each place is kept.
        """
        starting = self._starting(text)
        tokens = text.tokens
        found = []
        resume = 0
        for index in sorted(starting):
            if index < resume:
                continue
            best: dict[str | None, tuple[int, int, str | None]] = {}  # label (or None) -> (last token, phrase length, label)
            following = tokens[index + 1][0] if index + 1 < len(tokens) else None
            for phrase in (p for bucket in starting[index] for p in bucket.candidates(following)):
                last = phrase.matches_at(tokens, index, text.text)
                key = phrase.label if every_label else None
                if last is not None and (key not in best or (last, phrase.length) > best[key][:2]):
                    best[key] = (last, phrase.length, phrase.label)
            for last, _, label in best.values():
                found.append((tokens[index][1], tokens[last][2], label))
                if not every_label:
                    resume = last + 1
        return found

    def _find_unspaced(self, text: Normalised, every_label: bool = False) -> list[tuple[int, int, str | None]]:
        """Leftmost-longest matches inside runs of letters of scripts written without spaces
        (with ``every_label``: every match at every place, the caller keeps the longest per label)."""
        found: list[tuple[int, int, str | None]] = []
        if not self._unspaced:
            return found
        for run in _UNSPACED_RUN.finditer(text.text):
            word, start = run.group(), run.start()
            i = 0
            while i < len(word):
                step = 1
                for length in self._unspaced_lengths:
                    piece = word[i : i + length]
                    if len(piece) == length and piece in self._unspaced:
                        found.append((start + i, start + i + length, self._unspaced[piece]))
                        if not every_label:
                            step = length
                            break
                i += step
        return found


def _needle(phrase: str) -> str:
    """The letters a phrase's first word starts with: text without them holds no match."""
    return regex.match(r"[\w\p{M}]*", phrase).group()  # type: ignore[union-attr]


def without_overlaps(spans: list[tuple[int, int, str | None]]) -> list[tuple[int, int, str | None]]:
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
