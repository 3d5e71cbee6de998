"""Country names in every language, from the Unicode CLDR (through Babel), as phrases to match.

A gazetteer lists by hand only what CLDR lacks (adjectives, demonyms, capitals, institutions);
the names themselves come from here, in every language the monitor reads and in each country's
own official languages. A name is written in its dictionary form, so for languages that inflect
it is turned into a bounded stem: ``Литва`` becomes ``Литв*3`` (Литвы, Литве, Литвой ...),
``Lengyelország`` becomes ``Lengyelország*5`` (Lengyelországban ...). The bound keeps a stem from
swallowing other words (``Литвинов``); where two countries' stems both fit a word, the longer
stem wins in the matcher (``Нигери*3`` over ``Нигер*3`` for ``Нигерии``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache

from babel import Locale, UnknownLocaleError, localedata
from babel.core import get_global

from monitor.detect.phrases import is_unspaced


@dataclass(frozen=True)
class Inflection:
    """How a language changes the end of a name: endings dropped to form the stem, letters allowed after it."""

    endings: tuple[str, ...]  # longest first; at most one is dropped
    extra: int  # letters that may follow the stem


_SLAVIC = Inflection(tuple("аеиоуыэюяіїєьйaeiouyąęáéíóúýůě"), 3)
INFLECTIONS: dict[str, Inflection] = {
    **dict.fromkeys(("ru", "uk", "be", "bg", "mk", "sr", "pl", "cs", "sk", "sl", "hr", "bs"), _SLAVIC),
    "lt": Inflection(("as", "is", "ys", "us", "a", "ė", "i", "o", "e", "s"), 4),
    "lv": Inflection(("as", "is", "us", "a", "e", "s", "š", "i"), 3),
    # Finnish and Estonian add case endings to the whole name (Puolassa, Hiinas): dropping its last
    # vowel would make stems of common words (Puol* catches puolue, "party").
    "et": Inflection((), 3),
    "fi": Inflection((), 4),
    "hu": Inflection(("a", "e"), 5),
    "el": Inflection(("ας", "ες", "ος", "α", "η", "ο", "ι", "ί", "ή", "ό", "ά"), 3),
    "ro": Inflection(("a", "ă", "e"), 3),
    "de": Inflection((), 1),  # Deutschlands, Polens
    "sv": Inflection((), 1),
    "da": Inflection((), 1),
    "nb": Inflection((), 1),
    "is": Inflection(("a", "i", "ur"), 3),
    "ka": Inflection(("ი", "ა"), 4),  # რუსეთი -> რუსეთის, რუსეთში
    "hy": Inflection((), 4),  # Հայաստան -> Հայաստանի, Հայաստանում
    "fa": Inflection((), 2),  # ezafe and plural after a dropped zero-width non-joiner
    "tr": Inflection((), 0),  # suffixes follow an apostrophe: Rusya'da
    "az": Inflection((), 0),
}
MIN_STEM = 4  # shorter stems (Куб* for Куба) would catch ordinary words: such names match exactly
# Arabic writes "and", "with", "for" and "so" as one letter joined to the next word: وروسيا, بروسيا.
ARABIC_PREFIXES = ("و", "ب", "ل", "ف", "وب", "ول")


@cache
def _territories(language: str) -> dict[str, str]:
    """CLDR's territory names in one language (Babel locale id, ``zh_Hant``), empty if unknown."""
    try:
        return dict(Locale.parse(language).territories)
    except (UnknownLocaleError, ValueError):
        return {}
    finally:
        # Babel keeps every locale it has loaded, all of its data (about 75 MB for the languages
        # a gazetteer reads, held for the life of the daemon): only the names are needed, kept above.
        localedata.clear_caches()


def official_languages(code: str) -> tuple[str, ...]:
    """The languages CLDR lists as official in a territory, as Babel locale ids."""
    languages = get_global("territory_languages").get(code, {})
    return tuple(lang for lang, info in languages.items() if info.get("official_status") in ("official", "de_facto_official"))


def cldr_names(code: str, language: str) -> tuple[str, ...]:
    """A country's name in one language, without CLDR's bracketed glosses: ``Myanmar (Burma)``
    gives Myanmar, ``Гонконг (САР)`` Гонконг (a gloss is often another country's name or an
    abbreviation); ``Congo - Kinshasa`` gives Congo-Kinshasa."""
    name = _territories(language).get(code, "").replace(" - ", "-")
    name = re.sub(r"\s*[(（].*?[)）]\s*", " ", name).strip()
    return (name,) if len(name) > 1 else ()


def inflected(name: str, language: str) -> str:
    """The phrase that matches a name in its inflected forms (every word of it) in ``language``."""
    rule = INFLECTIONS.get(language.split("_")[0])
    if rule is None or rule.extra == 0 or is_unspaced(name):
        return name
    return " ".join(_stem_word(word, rule) for word in name.split())


def _stem_word(word: str, rule: Inflection) -> str:
    parts = re.split(r"([-'’])", word)
    return "".join(_stem(part, rule) if index % 2 == 0 else part for index, part in enumerate(parts))


def _stem(part: str, rule: Inflection) -> str:
    if not part.isalpha():
        return part
    lowered = part.casefold()
    ending = next((e for e in rule.endings if lowered.endswith(e)), "")
    stem = part[: len(part) - len(ending)]
    return f"{stem}*{rule.extra}" if len(stem) >= MIN_STEM else part


def with_prefixes(name: str, language: str) -> Iterator[str]:
    """The name, and in Arabic the forms with a one-letter word joined in front of it."""
    yield name
    if language.split("_")[0] == "ar" and " " not in name:
        for prefix in ARABIC_PREFIXES:
            # ل before the article ال drops its alif: للمجر, not لالمجر
            yield prefix + (name[1:] if prefix.endswith("ل") and name.startswith("ال") else name)


def parse_exclusion(entry: str) -> tuple[str | None, str]:
    """``"Chad"`` -> (None, "Chad"): in every language; ``"hr:Mali"`` -> ("hr", "Mali"): in Croatian only."""
    language, colon, name = entry.partition(":")
    return (language, name) if colon and language.replace("_", "").isalpha() and language.isascii() else (None, entry)


def country_phrases(code: str, languages: Iterable[str], excluded: Iterable[str] = ()) -> dict[str, tuple[str, ...]]:
    """Language -> phrases for a country's CLDR names in ``languages`` and its official languages.

    ``excluded`` names (compared case-insensitively, before inflection; ``"hr:Mali"`` for one
    language) are left out: words that also mean something else.
    """
    dropped = {(language, name.casefold()) for language, name in map(parse_exclusion, excluded)}
    out: dict[str, tuple[str, ...]] = {}
    for language in dict.fromkeys([*languages, *official_languages(code)]):
        phrases = [
            form
            for name in cldr_names(code, language)
            if (None, name.casefold()) not in dropped and (language, name.casefold()) not in dropped
            for form in with_prefixes(inflected(name, language), language)
        ]
        if phrases:
            out[language] = tuple(dict.fromkeys(phrases))
    return out
