"""``data/countries.yaml`` -> Gazetteer: which countries a text mentions, most mentioned first.

Each country lists the words that name it, per language: the name, the adjective and
demonym, the capital, the parliament and key institutions. Entries are phrases in the sense of
``monitor.textmatch`` (``Литв*`` covers every inflection). A mention in the title counts three
times, because the title says what the text is about.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, field_validator

from monitor.fieldtypes import CountryCode
from monitor.textmatch import Normalised, PhraseMatcher, phrase_pattern
from monitor.yamlfile import load_model, unique

TITLE_WEIGHT = 3
ABOUT_SHARE = 0.3  # of the most mentioned country's weight: less is a mention in passing


class CountrySpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: CountryCode
    name: str
    names: dict[str, tuple[str, ...]]  # language code -> phrases

    @field_validator("names")
    @classmethod
    def _phrases_compile(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for phrases in value.values():
            for phrase in phrases:
                phrase_pattern(phrase)
        return value


class CountriesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    countries: tuple[CountrySpec, ...]


@dataclass(frozen=True)
class Mention:
    code: str
    weight: int  # mentions in the text + TITLE_WEIGHT x mentions in the title


class Gazetteer:
    """Immutable: one phrase matcher per country."""

    def __init__(self, countries: dict[str, tuple[str, ...]], names: dict[str, str] | None = None) -> None:
        pairs = [(phrase, code) for code, phrases in countries.items() for phrase in phrases]
        # One matcher for all countries: one pass over a text's words finds every mention.
        self._matcher = PhraseMatcher((p for p, _ in pairs), (c for _, c in pairs)) if pairs else None
        self.names = dict(names or {})

    def name(self, code: str) -> str:
        return self.names.get(code, code)

    def mentions(self, title: Normalised, text: Normalised) -> tuple[Mention, ...]:
        """Countries mentioned in the title or text, most weight first."""
        weights: Counter[str] = Counter()
        if self._matcher is not None:
            for span in self._matcher.find(title):
                weights[span.label or ""] += TITLE_WEIGHT
            for span in self._matcher.find(text):
                weights[span.label or ""] += 1
        return tuple(Mention(code, w) for code, w in sorted(weights.items(), key=lambda cw: (-cw[1], cw[0])))


def countries_about(mentions: tuple[Mention, ...]) -> tuple[str, ...]:
    """The countries a text is about: the most mentioned one, and those mentioned not far less."""
    if not mentions:
        return ()
    top = mentions[0].weight
    return tuple(m.code for m in mentions if m.weight >= ABOUT_SHARE * top)


def load_gazetteer(path: Path) -> Gazetteer:
    spec = load_model(CountriesFile, path, unique("countries", "code"))
    return Gazetteer(
        {c.code: tuple(p for phrases in c.names.values() for p in phrases) for c in spec.countries},
        {c.code: c.name for c in spec.countries},
    )
