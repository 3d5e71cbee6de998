"""Named multilingual lexicons (concepts) that rules reference as ``@name``.

A lexicon file in ``rules/lexicons/`` holds one concept and its entries per language:

    lexicon:
      id: threat
      description: loss and menace
      entries:
        en: [sanction*2, "pay the price", ...]
        ru: [санкци*3, ...]

Entries are phrases in the sense of ``monitor.detect.phrases``. Every lexicon of the pack is compiled
into one matcher: a text is scanned once for every concept, whatever the number of rules that
use them, and the rules look the concepts' places up (``Concepts``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from monitor.config.fieldtypes import LanguageCode
from monitor.config.yamlfile import load_model
from monitor.detect.document import Document
from monitor.detect.normalisation import Normalised, normalise_phrase
from monitor.detect.phrase_matcher import PhraseMatcher, without_overlaps
from monitor.detect.phrases import check_phrase_table
from monitor.errors import ConfigError, Problem
from monitor.models import Concepts

LexiconId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]*$")]
REFERENCE = "@"  # "@threat" in a phrase list stands for every entry of the lexicon "threat"
TARGET = "target"  # "@target": a mention of a country whose vote is near (not a lexicon)


class LexiconSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: LexiconId
    description: str = ""
    entries: dict[LanguageCode, Annotated[tuple[str, ...], Field(min_length=1)]] = Field(min_length=1)

    _phrases_compile = field_validator("entries")(check_phrase_table)


class LexiconFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    lexicon: LexiconSpec


def lexicon_files(rules_directory: Path) -> list[Path]:
    folder = rules_directory / "lexicons"
    return sorted(p for p in folder.glob("*.y*ml") if p.is_file()) if folder.is_dir() else []


def load_lexicon_specs(rules_directory: Path) -> tuple[list[LexiconSpec], list[Problem], set[str]]:
    """Every valid lexicon of the pack, the problems of the others (file and line), and the names of the broken files.

    A broken file is named by its file name, so that the rules that reference it are not
    reported as well: one mistake, one problem. Files read before with the same bytes are not
    validated again (a reload of the rules that leaves the lexicons alone costs little).
    """
    files = lexicon_files(rules_directory)
    digest = hashlib.sha256(b"".join(p.name.encode() + b"\0" + p.read_bytes() + b"\0" for p in files)).hexdigest()
    specs, problems, broken = _specs_of(tuple(files), digest)
    return list(specs), list(problems), set(broken)


@lru_cache(maxsize=4)
def _specs_of(files: tuple[Path, ...], digest: str) -> tuple[tuple[LexiconSpec, ...], tuple[Problem, ...], frozenset[str]]:
    """``digest``: of the files' names and bytes, so that a changed file is read again."""
    specs: list[LexiconSpec] = []
    problems: list[Problem] = []
    broken: set[str] = set()
    seen: dict[str, Path] = {}
    for path in files:
        try:
            spec = load_model(LexiconFile, path).lexicon
        except ConfigError as exc:
            problems.extend(exc.problems)
            broken.add(path.stem)
            continue
        if spec.id in seen:
            problems.append(Problem(str(path), "lexicon.id", f"duplicate lexicon id {spec.id!r} (first in {seen[spec.id].name})"))
            continue
        seen[spec.id] = path
        specs.append(spec)
    return tuple(specs), tuple(problems), frozenset(broken)


@dataclass(frozen=True)
class Lexicon:
    """Every concept of the pack, and every rule's own phrases, behind one matcher. Immutable.

    An entry matches texts of its own language only: Serbian "rat" (war) is an English word,
    Latvian "ja" (if) a German one. A text whose language is unknown, or has no entries, is
    read with the entries of every language. A rule's own phrases match texts of any language.
    """

    entries: Mapping[str, tuple[str, ...]]  # concept -> entries of every language
    descriptions: Mapping[str, str]
    languages: frozenset[str]
    _matcher: PhraseMatcher | None  # labelled by entry: _owners says whose it is
    _owners: Mapping[str, tuple[tuple[str, str], ...]]  # label -> (language or ANY_LANGUAGE, concept)

    @classmethod
    def cached(cls, specs: tuple[LexiconSpec, ...], phrase_lists: tuple[tuple[str, ...], ...]) -> Lexicon:
        """``build``, remembered for the last few packs: reloading unchanged rules costs nothing."""
        content = tuple((spec.id, spec.description, tuple(spec.entries.items())) for spec in specs)
        return _built(content, phrase_lists)

    @classmethod
    def build(cls, specs: Iterable[LexiconSpec], phrase_lists: Iterable[tuple[str, ...]] = ()) -> Lexicon:
        """The lexicons, and the rules' own phrase lists (each scanned under its ``list_name``):
        one scan of a text finds everything the pack looks for."""
        specs = list(specs)
        owners: dict[str, set[tuple[str, str]]] = {}
        spelling: dict[str, str] = {}

        def add(phrase: str, language: str, concept: str) -> None:
            key = normalise_phrase(phrase)
            owners.setdefault(key, set()).add((language, concept))
            spelling.setdefault(key, phrase)

        for spec in specs:
            for language, phrases in spec.entries.items():
                for phrase in phrases:
                    add(phrase, language, spec.id)
        for phrases in dict.fromkeys(tuple(p) for p in phrase_lists):
            name = list_name(phrases)
            for phrase in phrases:
                add(phrase, ANY_LANGUAGE, name)
        labels = {key: str(number) for number, key in enumerate(owners)}
        matcher = PhraseMatcher((spelling[k] for k in owners), (labels[k] for k in owners)) if owners else None
        return cls(
            entries={spec.id: tuple(p for phrases in spec.entries.values() for p in phrases) for spec in specs},
            descriptions={spec.id: spec.description for spec in specs},
            languages=frozenset(language for spec in specs for language in spec.entries),
            _matcher=matcher,
            _owners={labels[k]: tuple(sorted(v)) for k, v in owners.items()},
        )

    def __contains__(self, concept: str) -> bool:
        return concept in self.entries

    def scan(self, document: Document, language: str | None = None) -> Concepts:
        """Where each concept occurs in the title and text of a text written in ``language``."""
        if self._matcher is None:
            return Concepts()
        read_as = LANGUAGE_ALIASES.get(language or "", language or "")
        accepted = {read_as, ANY_LANGUAGE} if read_as in self.languages else None  # None: every language
        return Concepts(self._places(document.title, accepted), self._places(document.text, accepted))

    def _places(self, normalised: Normalised, accepted: set[str] | None) -> dict[str, tuple[tuple[int, int], ...]]:
        """Concept -> its places. Concepts found through the same entries (rules' lists that
        share the phrases the text holds) share one tuple of places, worked out once."""
        assert self._matcher is not None
        by_label: dict[str, list[tuple[int, int]]] = {}  # in the order the labels first occur
        for start, end, label in self._matcher.locate_labelled(normalised):
            by_label.setdefault(label or "", []).append((start, end))
        labels_of: dict[str, list[str]] = {}
        for label in by_label:
            for language, concept in self._owners[label]:
                if accepted is None or language in accepted:
                    labels_of.setdefault(concept, []).append(label)
        shared: dict[tuple[str, ...], tuple[tuple[int, int], ...]] = {}
        found = {}
        for concept, labels in labels_of.items():
            key = tuple(labels)
            if key not in shared:
                places = [p for label in labels for p in by_label[label]]
                # Within one concept, the longer of two overlapping entries counts (once).
                shared[key] = _longer_kept(places) if len(places) > 1 else tuple(places)
            found[concept] = shared[key]
        return found


@lru_cache(maxsize=4)
def _built(content: tuple[tuple[str, str, tuple[tuple[str, tuple[str, ...]], ...]], ...], phrase_lists: tuple[tuple[str, ...], ...]) -> Lexicon:
    """The lexicon of specs given by content (id, description, entries), so that equal packs share one."""
    specs = [LexiconSpec.model_construct(id=i, description=d, entries=dict(e)) for i, d, e in content]
    return Lexicon.build(specs, phrase_lists)


def _longer_kept(places: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    return tuple((s, e) for s, e, _ in without_overlaps([(s, e, None) for s, e in places]))


def list_name(phrases: tuple[str, ...]) -> str:
    """The name under which a rule's own list of phrases is scanned (never a lexicon id: those start with a letter)."""
    return "~" + hashlib.sha1("\n".join(normalise_phrase(p) for p in phrases).encode()).hexdigest()[:16]


ANY_LANGUAGE = "*"  # a rule's own phrases: texts of every language
# Languages that identification tells apart and one list serves: Serbian in Latin script is
# often identified as Croatian or Bosnian.
LANGUAGE_ALIASES = {"hr": "sr", "bs": "sr"}


EMPTY = Lexicon({}, {}, frozenset(), None, {})


def references(phrases: Iterable[str]) -> tuple[tuple[str, ...], list[str]]:
    """A phrase list -> (its plain phrases, the names it references with ``@``)."""
    plain, named = [], []
    for phrase in phrases:
        if phrase.startswith(REFERENCE):
            named.append(phrase.removeprefix(REFERENCE))
        else:
            plain.append(phrase)
    return tuple(plain), named
