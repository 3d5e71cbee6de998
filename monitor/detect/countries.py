"""``data/countries.yaml`` -> Gazetteer: which countries a text mentions, most mentioned first.

A country is named by its CLDR names (``monitor.detect.placenames``: every language the monitor reads
and the country's own, inflected forms included) and by the phrases the file keeps by hand for
what CLDR lacks: adjectives and demonyms, the capital, unambiguous institutions. Entries are
phrases in the sense of ``monitor.detect.phrases`` (``литовск*`` covers every inflection). A mention
in the title counts three times, because the title says what the text is about.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from babel import Locale, UnknownLocaleError
from pydantic import BaseModel, ConfigDict, field_validator

from monitor.config.fieldtypes import CountryCode
from monitor.config.yamlfile import Finding, file_bytes, load_model, unique
from monitor.detect.normalisation import Normalised
from monitor.detect.phrase_matcher import PhraseMatcher, without_overlaps
from monitor.detect.phrases import check_phrase_table
from monitor.detect.placenames import cldr_names, country_phrases, official_languages, parse_exclusion
from monitor.models import Field as TextField

TITLE_WEIGHT = 3
ABOUT_SHARE = 0.3  # of the most mentioned country's weight: less is a mention in passing
Region = Literal["Africa", "Americas", "Asia", "Europe", "Oceania"]


class CountrySpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: CountryCode
    name: str  # in English, as alerts show it
    region: Region  # continent (UN M49), for reports
    capital: dict[str, str] = {}  # language -> name, for reading; matched only through `phrases`
    parliament: dict[str, str] = {}
    commission: dict[str, str] = {}  # the election commission
    phrases: dict[str, tuple[str, ...]] = {}  # language -> phrases matched besides the CLDR names
    exclude: tuple[str, ...] = ()  # CLDR names not to match ("Chad"; "hr:Mali" in one language)

    _phrases_compile = field_validator("phrases")(check_phrase_table)


class CountriesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    languages: tuple[str, ...] = ()  # every language texts are read in: CLDR names are added in each
    countries: tuple[CountrySpec, ...]

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for language in value:
            try:
                Locale.parse(language)
            except (UnknownLocaleError, ValueError):
                raise ValueError(f"{language!r} is not a language CLDR knows (write e.g. en, zh_Hant, sr_Latn)") from None
        return value

    def cldr_phrases(self, country: CountrySpec) -> dict[str, tuple[str, ...]]:
        """CLDR locale -> the phrases of ``country``'s CLDR names (its excluded names left out)."""
        return country_phrases(country.code, self.languages, country.exclude)


def _exclusions_are_names(data: Any) -> Iterable[Finding]:
    """An excluded name that CLDR does not give the country is a typo that would exclude nothing."""
    countries = data.get("countries") if isinstance(data, dict) else None
    languages = data.get("languages") or () if isinstance(data, dict) else ()
    for index, country in enumerate(countries if isinstance(countries, list) else []):
        if not isinstance(country, dict) or not isinstance(country.get("code"), str):
            continue
        code = country["code"]
        known = {
            name.casefold()
            for language in (*languages, *official_languages(code))
            if isinstance(language, str)
            for name in cldr_names(code, language)
        }
        for position, entry in enumerate(country.get("exclude") or ()):
            if not isinstance(entry, str):
                continue
            language, name = parse_exclusion(entry)
            names = known if language is None else {n.casefold() for n in cldr_names(code, language)}
            if name.casefold() not in names:
                where = f"in {language}" if language else "in the file's languages"
                yield ("countries", index, "exclude", position), f"{name!r} is not a CLDR name of {code} {where}"


@dataclass(frozen=True)
class Mention:
    code: str
    weight: int  # mentions in the text + TITLE_WEIGHT x mentions in the title
    places: tuple[tuple[TextField, int, int], ...] = ()  # where, in the normalised title or text


class Gazetteer:
    """Immutable. The phrases kept by hand match texts in any language; the CLDR names of a
    language match only texts in that language (German "Island" is Iceland, English "island" is
    not), or every text when its language is unknown."""

    def __init__(
        self,
        phrases: dict[str, tuple[str, ...]],
        names: dict[str, str] | None = None,
        regions: dict[str, str] | None = None,
        by_language: dict[str, dict[str, tuple[str, ...]]] | None = None,
    ) -> None:
        """``phrases``: code -> phrases for every text; ``by_language``: language -> code -> phrases."""
        self._matcher = _matcher(phrases)
        self.digest = _digest(phrases, by_language or {})  # what a stored analysis of a text was made with
        self._by_language = {language: m for language, table in (by_language or {}).items() if (m := _matcher(table))}
        # Read-only views: one gazetteer is shared by every Monitor of a process (load_gazetteer).
        self.names: Mapping[str, str] = MappingProxyType(dict(names or {}))
        self.regions: Mapping[str, str] = MappingProxyType(dict(regions or {}))

    def __getstate__(self) -> dict[str, object]:
        """Pickled with plain dicts for its read-only views (a view does not pickle)."""
        return self.__dict__ | {"names": dict(self.names), "regions": dict(self.regions)}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self.names = MappingProxyType(self.names)
        self.regions = MappingProxyType(self.regions)

    def name(self, code: str) -> str:
        return self.names.get(code, code)

    def mentions(self, title: Normalised, text: Normalised, language: str | None = None) -> tuple[Mention, ...]:
        """Countries mentioned in the title or text (written in ``language``), most weight first."""
        matchers = [self._matcher] if self._matcher else []
        if language is None:
            matchers.extend(self._by_language.values())
        elif language in self._by_language:
            matchers.append(self._by_language[language])
        weights: Counter[str] = Counter()
        places: dict[str, list[tuple[TextField, int, int]]] = {}
        for normalised, weight, which in ((title, TITLE_WEIGHT, TextField.TITLE), (text, 1, TextField.TEXT)):
            # One country per place: where two lists match the same words, the longer match counts.
            for start, end, code in without_overlaps([m for matcher in matchers for m in matcher.locate(normalised)]):
                weights[code or ""] += weight
                places.setdefault(code or "", []).append((which, start, end))
        ranked = sorted(weights.items(), key=lambda cw: (-cw[1], cw[0]))
        return tuple(Mention(code, w, tuple(places[code])) for code, w in ranked)


def _digest(phrases: dict[str, tuple[str, ...]], by_language: dict[str, dict[str, tuple[str, ...]]]) -> str:
    """A digest of the gazetteer's content: a stored analysis made with another one is stale."""
    content = json.dumps([phrases, by_language], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def _matcher(table: dict[str, tuple[str, ...]]) -> PhraseMatcher | None:
    """One matcher for many countries, labelled by code: one pass over a text's words finds every mention."""
    pairs = [(phrase, code) for code, phrases in table.items() for phrase in phrases]
    return PhraseMatcher((p for p, _ in pairs), (c for _, c in pairs)) if pairs else None


def text_language(locale: str) -> str:
    """The code language identification gives texts written in a CLDR locale's language."""
    language = locale.split("_")[0]
    return "no" if language == "nb" else language


def countries_about(mentions: tuple[Mention, ...]) -> tuple[str, ...]:
    """The countries a text is about: the most mentioned one, and those mentioned not far less."""
    if not mentions:
        return ()
    top = mentions[0].weight
    return tuple(m.code for m in mentions if m.weight >= ABOUT_SHARE * top)


def load_countries(path: Path, raw: bytes | None = None) -> CountriesFile:
    return load_model(CountriesFile, path, unique("countries", "code"), _exclusions_are_names, raw=raw)


def load_gazetteer(path: Path) -> Gazetteer:
    """The gazetteer of a countries file. Building its matchers takes about a second, so a
    gazetteer is built once per content of the file and shared: it is immutable."""
    return _gazetteer_of(path, file_bytes(path))


@lru_cache(maxsize=2)
def _gazetteer_of(path: Path, raw: bytes) -> Gazetteer:
    spec = load_countries(path, raw)
    by_language: dict[str, dict[str, tuple[str, ...]]] = {}
    for country in spec.countries:
        for locale, phrases in spec.cldr_phrases(country).items():
            table = by_language.setdefault(text_language(locale), {})
            table[country.code] = tuple(dict.fromkeys([*table.get(country.code, ()), *phrases]))
    return Gazetteer(
        {c.code: tuple(p for phrases in c.phrases.values() for p in phrases) for c in spec.countries},
        {c.code: c.name for c in spec.countries},
        {c.code: c.region for c in spec.countries},
        by_language,
    )
