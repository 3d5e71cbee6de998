"""The YAML rule language, as pydantic models. Unknown keys are rejected everywhere.

A rule file holds ``rules:`` (a list of rules) and optionally ``filters:`` (exclusions that
apply across rules). A rule's ``match`` is one condition; a condition is a mapping whose key
says what it is. ``rules/README.md`` documents each with an example.

Text conditions: ``phrases``, ``regex``, ``proximity``, ``count``.
Context conditions: ``election_window``, ``source_kind``, ``source_country``, ``source_id``,
``language``.
Combinations: ``all``, ``any``, ``not``, ``at_least`` (with ``of``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    field_validator,
    model_validator,
)

from monitor.config.fieldtypes import CountryCode, LanguageCode
from monitor.detect.phrases import phrase_pattern
from monitor.detect.rules.lexicon import REFERENCE
from monitor.detect.rules.safety import check_pattern
from monitor.models import Field as TextField
from monitor.models import Severity, SourceKind

RuleId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]*$")]

_STRICT = ConfigDict(extra="forbid", frozen=True)
ALL_FIELDS = (TextField.TITLE, TextField.TEXT)


def _phrases_compile(value: tuple[str, ...]) -> tuple[str, ...]:
    """Every phrase compiles; ``@name`` references a lexicon (checked against the pack on loading)."""
    for phrase in value:
        if phrase.startswith(REFERENCE):
            if not LEXICON_REFERENCE.match(phrase):
                raise ValueError(f"{phrase!r} is not a lexicon reference (@ and a lexicon id, like @threat)")
        else:
            phrase_pattern(phrase)
    return value


def _no_references(value: tuple[str, ...]) -> tuple[str, ...]:
    if any(phrase.startswith(REFERENCE) for phrase in value):
        raise ValueError("count lists phrases, not lexicons: each phrase counts once")
    return _phrases_compile(value)


LEXICON_REFERENCE = re.compile(r"^@[a-z][a-z0-9-]*$")


PhraseList = Annotated[tuple[str, ...], Field(min_length=1)]


class PhrasesCondition(BaseModel):
    """Any of the phrases occurs in one of the fields."""

    model_config = _STRICT
    phrases: PhraseList
    fields: tuple[TextField, ...] = ALL_FIELDS

    _check = field_validator("phrases")(_phrases_compile)


class RegexCondition(BaseModel):
    """The regular expression finds a match in the normalised text of one of the fields."""

    model_config = _STRICT
    regex: str
    fields: tuple[TextField, ...] = ALL_FIELDS

    @field_validator("regex")
    @classmethod
    def _safe(cls, value: str) -> str:
        check_pattern(value)
        return value


class ProximitySpec(BaseModel):
    model_config = _STRICT
    terms: tuple[PhraseList, ...] = Field(min_length=2, description="groups of phrases: one of each group must occur")
    within: int = Field(10, ge=1, le=200, description="words from the first to the last term")
    sentence: bool = Field(True, description="all terms in one sentence")

    @field_validator("terms", mode="before")
    @classmethod
    def _one_phrase_groups(cls, value: object) -> object:
        """A group of one phrase may be written as the phrase alone: ``terms: ["@threat", "@election"]``."""
        return [[group] if isinstance(group, str) else group for group in value] if isinstance(value, list) else value

    @field_validator("terms")
    @classmethod
    def _groups_compile(cls, value: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], ...]:
        for group in value:
            _phrases_compile(group)
        return value


class ProximityCondition(BaseModel):
    """A phrase of every group occurs, all within ``within`` words (and one sentence)."""

    model_config = _STRICT
    proximity: ProximitySpec
    fields: tuple[TextField, ...] = ALL_FIELDS


class CountSpec(BaseModel):
    model_config = _STRICT
    phrases: PhraseList
    at_least: int = Field(ge=1, description="how many distinct phrases of the list must occur")

    _check = field_validator("phrases")(_no_references)

    @model_validator(mode="after")
    def _reachable(self) -> CountSpec:
        if self.at_least > len(self.phrases):
            raise ValueError(f"at_least is {self.at_least} but the list has only {len(self.phrases)} phrases")
        return self


class CountCondition(BaseModel):
    """At least ``at_least`` distinct phrases of the list occur."""

    model_config = _STRICT
    count: CountSpec
    fields: tuple[TextField, ...] = ALL_FIELDS


class Window(BaseModel):
    model_config = _STRICT
    before: int = Field(60, ge=0, le=730, description="days the vote may lie ahead of publication")
    after: int = Field(0, ge=0, le=365, description="days the vote may lie behind publication")
    foreign: bool = Field(True, description="the election's country is not the source's country")
    between_rounds: bool = Field(False, description="only between the first round and the runoff of the same country")
    mentions: Literal["about", "any"] = Field(
        "about", description="countries the text is about (default), or any country it mentions, even in passing"
    )


class ElectionWindowCondition(BaseModel):
    """An election in a country the text is about lies in the window around publication."""

    model_config = _STRICT
    election_window: Window


class SourceKindCondition(BaseModel):
    model_config = _STRICT
    source_kind: tuple[SourceKind, ...] = Field(min_length=1)


class SourceCountryCondition(BaseModel):
    model_config = _STRICT
    source_country: tuple[CountryCode, ...] = Field(min_length=1)


class SourceIdCondition(BaseModel):
    model_config = _STRICT
    source_id: tuple[str, ...] = Field(min_length=1)


class LanguageCondition(BaseModel):
    model_config = _STRICT
    language: tuple[LanguageCode, ...] = Field(min_length=1)


class AllCondition(BaseModel):
    model_config = _STRICT
    all: tuple[ConditionSpec, ...] = Field(min_length=1)


class AnyCondition(BaseModel):
    model_config = _STRICT
    any: tuple[ConditionSpec, ...] = Field(min_length=1)


class NotCondition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    not_: ConditionSpec = Field(alias="not")


class AtLeastCondition(BaseModel):
    """At least ``at_least`` of the conditions in ``of`` hold."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    at_least: int = Field(ge=1)
    of: tuple[ConditionSpec, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _reachable(self) -> AtLeastCondition:
        if self.at_least > len(self.of):
            raise ValueError(f"at_least is {self.at_least} but only {len(self.of)} conditions are listed")
        return self


CONDITIONS: dict[str, type[ConditionSpec]] = {  # a model missing from the union below is a type error
    "phrases": PhrasesCondition,
    "regex": RegexCondition,
    "proximity": ProximityCondition,
    "count": CountCondition,
    "election_window": ElectionWindowCondition,
    "source_kind": SourceKindCondition,
    "source_country": SourceCountryCondition,
    "source_id": SourceIdCondition,
    "language": LanguageCondition,
    "all": AllCondition,
    "any": AnyCondition,
    "not": NotCondition,
    "at_least": AtLeastCondition,
}
_KEY_OF = {model: key for key, model in CONDITIONS.items()}


def _condition_tag(value: Any) -> str | None:
    """The union member for a mapping: the first condition key it holds.

    Tags are spelt ``<key>-condition`` so that they never look like a key of the document
    in error locations.
    """
    if isinstance(value, dict):
        key = next((key for key in CONDITIONS if key in value), None)
    else:
        key = _KEY_OF.get(type(value))
    return f"{key}-condition" if key else None


if TYPE_CHECKING:
    # The union built from CONDITIONS below, spelt out for the type checker, which cannot read a
    # union made at run time.
    ConditionSpec: TypeAlias = (
        PhrasesCondition | RegexCondition | ProximityCondition | CountCondition | ElectionWindowCondition
        | SourceKindCondition | SourceCountryCondition | SourceIdCondition | LanguageCondition
        | AllCondition | AnyCondition | NotCondition | AtLeastCondition
    )
else:
    ConditionSpec = Annotated[
        Union[tuple(Annotated[model, Tag(f"{key}-condition")] for key, model in CONDITIONS.items())],  # noqa: UP007 (X | Y cannot spread a tuple)
        Discriminator(
            _condition_tag,
            custom_error_type="unknown_condition",
            custom_error_message="a condition needs one of the keys: " + ", ".join(CONDITIONS),
        ),
    ]

for _model in (AllCondition, AnyCondition, NotCondition, AtLeastCondition):
    _model.model_rebuild()


def phrase_lists(spec: Any) -> Iterator[tuple[str, ...]]:
    """Every phrase list of a condition (its own ``phrases`` and each ``proximity`` group), nested ones too."""
    if isinstance(spec, PhrasesCondition):
        yield spec.phrases
    elif isinstance(spec, ProximityCondition):
        yield from spec.proximity.terms
    elif isinstance(spec, CountCondition):  # each phrase counts apart: each is a list of its own
        yield from ((phrase,) for phrase in spec.count.phrases)
    elif isinstance(spec, (AllCondition, AnyCondition)):
        for part in spec.all if isinstance(spec, AllCondition) else spec.any:
            yield from phrase_lists(part)
    elif isinstance(spec, AtLeastCondition):
        for part in spec.of:
            yield from phrase_lists(part)
    elif isinstance(spec, NotCondition):
        yield from phrase_lists(spec.not_)


class Example(BaseModel):
    """A text the rule must (or must not) match, with the context it was published in."""

    model_config = _STRICT
    text: str
    title: str = ""
    published: date | None = None
    source_kind: SourceKind = SourceKind.OFFICIAL
    source_country: CountryCode = "XX"
    source_id: str = "example"
    language: LanguageCode | None = None


class Examples(BaseModel):
    model_config = _STRICT
    match: tuple[Example, ...] = Field(min_length=1, description="texts the rule must match")
    no_match: tuple[Example, ...] = Field(min_length=1, description="texts the rule must not match")


class RuleSpec(BaseModel):
    model_config = _STRICT
    id: RuleId
    title: str
    description: str = ""
    status: Literal["experimental", "test", "stable"] = "experimental"
    severity: Severity
    weight: float = Field(gt=0, le=100)
    tags: tuple[str, ...] = ()
    languages: tuple[LanguageCode, ...] = Field((), description="the languages the rule's phrases cover")
    references: tuple[str, ...] = ()
    falsepositives: tuple[str, ...] = ()
    match: ConditionSpec
    examples: Examples


class FilterExamples(BaseModel):
    model_config = _STRICT
    match: tuple[Example, ...] = ()
    no_match: tuple[Example, ...] = ()


class FilterSpec(BaseModel):
    """Known false positives: when ``match`` holds, the rules listed in ``rules`` do not count."""

    model_config = _STRICT
    id: RuleId
    title: str
    description: str = ""
    rules: tuple[str, ...] = Field(("*",), description="rule ids or glob patterns (ei05-*); default every rule")
    match: ConditionSpec
    examples: FilterExamples = FilterExamples()


class RuleFile(BaseModel):
    model_config = _STRICT
    rules: tuple[RuleSpec, ...] = ()
    filters: tuple[FilterSpec, ...] = ()
