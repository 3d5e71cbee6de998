"""The YAML rule language, as pydantic models. Unknown keys are rejected everywhere.

A rule file holds ``rules:``, a list of rules. A rule's ``match`` is one condition; a
condition is a mapping whose key says what it is:

- ``phrases: [...]`` (optional ``fields: [title, text]``) — any phrase, ``*`` = stem wildcard
- ``regex: '...'`` (optional ``fields``) — a regular expression on the normalised text
- ``election_window: {before: 60, after: 0}`` — an election in a country the text mentions,
  from ``after`` days before publication to ``before`` days after it, that country not the
  source's own (``foreign: false`` lifts that)
- ``source_kind: [official, state_media]`` and ``source_country: [BY, RU]``
- ``all: [...]``, ``any: [...]``, ``not: {...}`` — combinations
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal, Union

import regex
from pydantic import BaseModel, ConfigDict, Discriminator, Field, StringConstraints, Tag, field_validator

from monitor.models import Field as TextField
from monitor.models import Severity, SourceKind
from monitor.fieldtypes import CountryCode
from monitor.textmatch import phrase_pattern

RuleId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]*$")]

_STRICT = ConfigDict(extra="forbid", frozen=True)
ALL_FIELDS = (TextField.TITLE, TextField.TEXT)


class PhrasesCondition(BaseModel):
    model_config = _STRICT
    phrases: tuple[str, ...] = Field(min_length=1)
    fields: tuple[TextField, ...] = ALL_FIELDS

    @field_validator("phrases")
    @classmethod
    def _each_compiles(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for phrase in value:
            phrase_pattern(phrase)
        return value


class RegexCondition(BaseModel):
    model_config = _STRICT
    regex: str
    fields: tuple[TextField, ...] = ALL_FIELDS

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            regex.compile(value, regex.IGNORECASE | regex.V1)
        except regex.error as exc:
            raise ValueError(f"invalid regular expression: {exc}") from exc
        return value


class Window(BaseModel):
    model_config = _STRICT
    before: int = Field(60, ge=0, le=730, description="days the vote may lie ahead of publication")
    after: int = Field(0, ge=0, le=365, description="days the vote may lie behind publication")
    foreign: bool = Field(True, description="the election's country is not the source's country")


class ElectionWindowCondition(BaseModel):
    model_config = _STRICT
    election_window: Window


class SourceKindCondition(BaseModel):
    model_config = _STRICT
    source_kind: tuple[SourceKind, ...] = Field(min_length=1)


class SourceCountryCondition(BaseModel):
    model_config = _STRICT
    source_country: tuple[CountryCode, ...] = Field(min_length=1)


class AllCondition(BaseModel):
    model_config = _STRICT
    all: tuple[Condition, ...] = Field(min_length=1)


class AnyCondition(BaseModel):
    model_config = _STRICT
    any: tuple[Condition, ...] = Field(min_length=1)


class NotCondition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    not_: Condition = Field(alias="not")


CONDITION_KEYS = ("phrases", "regex", "election_window", "source_kind", "source_country", "all", "any", "not")


def _condition_tag(value: Any) -> str | None:
    """The union member for a mapping: the first condition key it holds.

    Tags are spelt ``<key>-condition`` so that they never look like a key of the document
    in error locations.
    """
    if isinstance(value, dict):
        key = next((key for key in CONDITION_KEYS if key in value), None)
    elif isinstance(value, NotCondition):
        key = "not"
    else:
        key = next((key for key in CONDITION_KEYS if hasattr(value, key)), None)
    return f"{key}-condition" if key else None


Condition = Annotated[
    Union[
        Annotated[PhrasesCondition, Tag("phrases-condition")],
        Annotated[RegexCondition, Tag("regex-condition")],
        Annotated[ElectionWindowCondition, Tag("election_window-condition")],
        Annotated[SourceKindCondition, Tag("source_kind-condition")],
        Annotated[SourceCountryCondition, Tag("source_country-condition")],
        Annotated[AllCondition, Tag("all-condition")],
        Annotated[AnyCondition, Tag("any-condition")],
        Annotated[NotCondition, Tag("not-condition")],
    ],
    Discriminator(
        _condition_tag,
        custom_error_type="unknown_condition",
        custom_error_message="a condition needs one of the keys: " + ", ".join(CONDITION_KEYS),
    ),
]

AllCondition.model_rebuild()
AnyCondition.model_rebuild()
NotCondition.model_rebuild()


class Example(BaseModel):
    """A text the rule must (or must not) match, with the context it was published in."""

    model_config = _STRICT
    text: str
    title: str = ""
    published: date | None = None
    source_kind: SourceKind = SourceKind.OFFICIAL
    source_country: CountryCode = "XX"


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
    references: tuple[str, ...] = ()
    falsepositives: tuple[str, ...] = ()
    match: Condition
    examples: Examples


class RuleFile(BaseModel):
    model_config = _STRICT
    rules: tuple[RuleSpec, ...] = ()
