"""Checks of a loaded rule pack that its schema cannot make: one small class per check.

Each validator checks one thing, has an identifier and a severity, and yields the issues it
finds, each with the file and line of the rule, filter or example at fault. ``validate_pack``
applies a list of them to a pack. An ``error`` blocks the pack (`monitor rules check` exits 2,
a reload keeps the rules in force, a backtest refuses the candidate); a ``warning`` is printed
and blocks nothing.

What holds for any pack is an error; what makes a good pack but that an analyst's small pack
may lack (three examples each way, examples in the scripts of its languages) is a warning.
The example self-test, which needs the calendar and the gazetteer, is in ``monitor.review.selftest``.
"""

from __future__ import annotations

import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fnmatch import fnmatchcase
from pathlib import Path
from typing import ClassVar

from monitor.detect.families import FAMILIES, FAMILY_PREFIX, FAMILY_TAG
from monitor.detect.rules.ruleset import Filter, Rule, RuleSet
from monitor.errors import Problem, RuleError


class IssueSeverity(StrEnum):
    ERROR = "error"  # the pack is refused: by `rules check` (exit 2), a reload, a backtest
    WARNING = "warning"  # printed; the pack is taken


@dataclass(frozen=True)
class Issue:
    """What one validator found, and where: ``rules/ei06.yaml:40: rule ei06-x: ... (examples-each-way)``."""

    validator: str
    severity: IssueSeverity
    path: str
    line: int | None
    subject: str  # "rule ei06-abyss-threat", "filter fp-x", or "" for the pack as a whole
    message: str

    def problem(self) -> Problem:
        return Problem(self.path, self.subject, f"{self.message} ({self.validator})", self.line)

    def __str__(self) -> str:
        return f"{self.severity}: {self.problem()}"


class Validator(ABC):
    """One check of a loaded pack. Subclasses set ``id``, ``severity`` and ``description``."""

    id: ClassVar[str]
    severity: ClassVar[IssueSeverity]
    description: ClassVar[str]

    @abstractmethod
    def check(self, pack: RuleSet) -> Iterator[Issue]: ...

    def issue(self, owner: Rule | Filter, message: str, line: int | None = None) -> Issue:
        """An issue of ``owner``, at ``line`` (one of its examples) or else at the owner's own line."""
        kind = "rule" if isinstance(owner, Rule) else "filter"
        return Issue(self.id, self.severity, owner.path, owner.line if line is None else line, f"{kind} {owner.id}", message)


def validate_pack(pack: RuleSet, validators: Iterable[Validator]) -> tuple[Issue, ...]:
    """Every issue every validator finds in the pack, in file and line order."""
    issues = [issue for validator in validators for issue in validator.check(pack)]
    return tuple(sorted(issues, key=lambda i: (i.path, i.line or 0)))


def errors(issues: Iterable[Issue]) -> list[Issue]:
    return [issue for issue in issues if issue.severity is IssueSeverity.ERROR]


def warnings(issues: Iterable[Issue]) -> list[Issue]:
    return [issue for issue in issues if issue.severity is IssueSeverity.WARNING]


def raise_errors(issues: Sequence[Issue]) -> None:
    """A RuleError listing the errors among ``issues``, if there is one; warnings pass."""
    found = errors(issues)
    if found:
        raise RuleError([issue.problem() for issue in found])


class FamilyTagKnown(Validator):
    """A mistyped family (``ei:EI-1``) would make a context rule count as content and alert alone."""

    id = "family-tag-known"
    severity = IssueSeverity.ERROR
    description = "every ei: tag names a family EI-01 ... EI-13"

    def check(self, pack: RuleSet) -> Iterator[Issue]:
        for rule in pack.rules:
            for tag in rule.tags:
                if tag.startswith(FAMILY_PREFIX) and not FAMILY_TAG.match(tag):
                    yield self.issue(rule, f"tag {tag!r} names no indicator family (ei:EI-01 ... ei:EI-13)")


class FamilyTagPresent(Validator):
    """A rule without a family counts as content, but joins no story and no per-family figure."""

    id = "family-tag-present"
    severity = IssueSeverity.WARNING
    description = "every rule has an ei:EI-NN tag"

    def check(self, pack: RuleSet) -> Iterator[Issue]:
        for rule in pack.rules:
            if not any(tag.startswith(FAMILY_PREFIX) for tag in rule.tags):
                yield self.issue(rule, "no indicator family tag (ei:EI-NN)")


MIN_EXAMPLES = 3


class ExamplesEachWay(Validator):
    """One example each way (the schema's minimum) tests a phrase, not a rule."""

    id = "examples-each-way"
    severity = IssueSeverity.WARNING
    description = f"every rule has {MIN_EXAMPLES} or more match and {MIN_EXAMPLES} or more no_match examples"

    def check(self, pack: RuleSet) -> Iterator[Issue]:
        for rule in pack.rules:
            match, no_match = len(rule.examples.match), len(rule.examples.no_match)
            if match < MIN_EXAMPLES or no_match < MIN_EXAMPLES:
                yield self.issue(rule, f"{match} match and {no_match} no_match examples; {MIN_EXAMPLES} or more each way test it better")


# The script each declared language is written in; the rest are written in Latin letters.
# Serbian is written in both: Cyrillic is its official script.
SCRIPT_OF_LANGUAGE = {
    **dict.fromkeys(("ru", "uk", "be", "bg", "sr", "mk", "kk", "ky", "tg", "mn"), "CYRILLIC"),
    "el": "GREEK",
    "ka": "GEORGIAN",
    "hy": "ARMENIAN",
    **dict.fromkeys(("ar", "fa", "ur"), "ARABIC"),
    "he": "HEBREW",
    **dict.fromkeys(("zh", "ja"), "CJK"),
}


def script_of(text: str) -> str | None:
    """The script most letters of ``text`` are written in (LATIN, CYRILLIC, ...), None without letters."""
    counts: dict[str, int] = {}
    for char in text:
        if char.isalpha():
            script = unicodedata.name(char, "?").split(" ")[0]
            counts[script] = counts.get(script, 0) + 1
    return max(counts, key=lambda s: counts[s]) if counts else None


class ExampleScripts(Validator):
    """A rule whose languages are written in several scripts is tested in two of them at least:
    a list of phrases in one alphabet only is what examples in one alphabet hide."""

    id = "example-scripts"
    severity = IssueSeverity.WARNING
    description = "a rule whose languages use several scripts has examples in two of them at least"

    def check(self, pack: RuleSet) -> Iterator[Issue]:
        for rule in pack.rules:
            declared = {SCRIPT_OF_LANGUAGE.get(language, "LATIN") for language in rule.languages}
            if len(declared) < 2:
                continue
            examples = rule.examples.match + rule.examples.no_match
            written = {s for s in (script_of(e.example.title + " " + e.example.text) for e in examples) if s in declared}
            if len(written) < 2:
                found = ", ".join(sorted(s.lower() for s in written)) or "none of them"
                yield self.issue(rule, f"its languages use {', '.join(sorted(s.lower() for s in declared))} scripts; its examples only {found}")


class FilterNamesARule(Validator):
    """A filter whose pattern names no rule does nothing: the rule was renamed or is not in this pack.
    A warning: an analyst's small pack may keep the shipped filters for rules it does not have."""

    id = "filter-names-a-rule"
    severity = IssueSeverity.WARNING
    description = "each pattern in a filter's rules names at least one rule of the pack"

    def check(self, pack: RuleSet) -> Iterator[Issue]:
        for flt in pack.filters:
            for pattern in flt.rule_patterns:
                if not any(fnmatchcase(rule.id, pattern) for rule in pack.rules):
                    yield self.issue(flt, f"rules: {pattern!r} names no rule of the pack")


class FamiliesCovered(Validator):
    """The shipped pack's promise: a rule for every family. Not among the default validators:
    an analyst's pack may watch for a few families only."""

    id = "families-covered"
    severity = IssueSeverity.WARNING
    description = "every family EI-01 ... EI-13 has a rule (the shipped pack's own test; not run by default)"

    def check(self, pack: RuleSet) -> Iterator[Issue]:
        covered = {tag for rule in pack.rules for tag in rule.tags}
        missing = [family for family in FAMILIES if family not in covered]
        if missing and pack.rules:
            directory = str(Path(pack.rules[0].path).parent)
            yield Issue(self.id, self.severity, directory, None, "", f"no rule for {', '.join(missing)}")


DEFAULT_VALIDATORS: tuple[Validator, ...] = (FamilyTagKnown(), FamilyTagPresent(), ExamplesEachWay(), ExampleScripts(), FilterNamesARule())
"""What `rules check`, a reload and a backtest hold every pack to, besides its examples."""
