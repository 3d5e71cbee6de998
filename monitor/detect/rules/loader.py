"""A directory of rule files -> RuleSet. Every problem in every file is collected, then raised."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from monitor.config.yamlfile import Check, Finding, locate, read_yaml, validate
from monitor.detect.rules.conditions import compile_condition
from monitor.detect.rules.lexicon import (
    REFERENCE,
    TARGET,
    Lexicon,
    LexiconSpec,
    lexicon_files,
    load_lexicon_specs,
    references,
)
from monitor.detect.rules.needs import needs
from monitor.detect.rules.ruleset import ExampleSet, Filter, Rule, RuleExample, RuleSet
from monitor.detect.rules.schema import Example, RuleFile, phrase_lists
from monitor.detect.rules.weights import WEIGHTS_FILE, load_weights, weights_path
from monitor.errors import ConfigError, Problem, RuleError


def rule_files(directory: Path) -> list[Path]:
    """The rule files: every ``*.yaml`` of the directory but the learned weights."""
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix in (".yaml", ".yml") and p.name != WEIGHTS_FILE)


def rules_digest(directory: Path) -> str:
    """A hash of the rule and lexicon files' names and bytes: whether anything changed since a load."""
    digest = hashlib.sha256()
    weights = [weights_path(directory)] if weights_path(directory).is_file() else []
    for path in [*rule_files(directory), *lexicon_files(directory), *weights] if directory.is_dir() else []:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def load_rules(directory: Path, learned: bool = True) -> RuleSet:
    """Load, validate and compile every ``*.yaml`` in ``directory``; RuleError lists all problems.

    ``learned=False`` leaves ``weights.yaml`` aside: what `rules tune` needs to fit new weights
    when the old file names rules that are gone.
    """
    if not directory.is_dir():
        raise RuleError([Problem(str(directory), "", "rules directory not found")])
    files = rule_files(directory)
    if not files:
        raise RuleError([Problem(str(directory), "", "no rule files (*.yaml) in the rules directory")])
    rules: list[Rule] = []
    filters: list[Filter] = []
    first_seen: dict[str, str] = {}  # rule id -> where it was first defined
    conditions: list[Any] = []  # the match of every rule and filter: their phrase lists join the lexicon
    specs, problems, broken = load_lexicon_specs(directory)
    named = {spec.id for spec in specs}
    weights = None
    try:
        weights = load_weights(directory) if learned else None
    except ConfigError as exc:
        problems.extend(exc.problems)
    for path in files:
        try:
            data, node = read_yaml(path)
            spec = validate(RuleFile, {} if data is None else data, path, node, _unique_ids(path, first_seen), _known_lexicons(named, broken))
        except ConfigError as exc:
            problems.extend(exc.problems)
            continue
        rules.extend(_rule(rule, path, _Lines(node, ("rules", index))) for index, rule in enumerate(spec.rules))
        conditions.extend([rule.match for rule in spec.rules] + [f.match for f in spec.filters])
        filters.extend(_filter(f, path, _Lines(node, ("filters", index))) for index, f in enumerate(spec.filters))
    if not rules and not problems:
        problems.append(Problem(str(directory), "", "the rule files define no rule"))
    if weights is not None:
        known = {rule.id for rule in rules}
        problems.extend(
            Problem(str(weights_path(directory)), f"weights.{rule_id}", "no such rule: re-run `monitor rules tune`")
            for rule_id in weights.weights
            if rule_id not in known and not problems
        )
        rules = [replace(rule, weight=weights.weights.get(rule.id, rule.weight)) for rule in rules]
    if problems:
        raise RuleError(problems)
    return RuleSet(tuple(rules), rules_digest(directory), tuple(filters), lexicon_for(specs, conditions))


def lexicon_for(specs: list[LexiconSpec], conditions: Iterable[Any]) -> Lexicon:
    """One matcher per language over the lexicons and the phrase lists of the conditions (specs)."""
    own = tuple(dict.fromkeys(plain for condition in conditions for phrases in phrase_lists(condition) if (plain := references(phrases)[0])))
    return Lexicon.cached(tuple(specs), own)


def _known_lexicons(named: set[str], broken: set[str]) -> Check:
    """Every ``@name`` in a phrase list names a lexicon of the pack (or is ``@target``); broken files are reported apart."""

    def check(data: Any, where: tuple[Any, ...] = ()) -> Iterable[Finding]:
        if isinstance(data, dict):
            for key, value in data.items():
                yield from check(value, (*where, key))
        elif isinstance(data, list):
            for index, value in enumerate(data):
                yield from check(value, (*where, index))
        elif isinstance(data, str) and data.startswith(REFERENCE) and "match" in where:
            name = data.removeprefix(REFERENCE)
            if name != TARGET and name not in named and name not in broken:
                known = ", ".join(sorted(named)) or "none"
                yield where, f"unknown lexicon {data!r} (lexicons in rules/lexicons: {known})"

    return check


def _unique_ids(path: Path, first_seen: dict[str, str]) -> Check:
    """Rule and filter ids are unique across all files; checked on the raw data, so even a file with schema errors is checked."""

    def check(data: Any) -> Iterable[Finding]:
        for key in ("rules", "filters"):
            raw = data.get(key) if isinstance(data, dict) else None
            for index, rule in enumerate(raw if isinstance(raw, list) else []):
                rule_id = rule.get("id") if isinstance(rule, dict) else None
                if not isinstance(rule_id, str):
                    continue
                if rule_id in first_seen:
                    yield (key, index, "id"), f"duplicate id {rule_id!r} (first in {first_seen[rule_id]})"
                else:
                    first_seen[rule_id] = f"{path.name} {key}[{index}]"

    return check


@dataclass(frozen=True)
class _Lines:
    """The lines of one rule or filter item (``("rules", 3)``) in its file's node tree: its own and its examples'."""

    node: yaml.Node | None
    item: tuple[Any, ...]

    def at(self, *loc: Any) -> int | None:
        return locate(self.node, self.item + loc)[1]

    def examples(self, match: tuple[Example, ...], no_match: tuple[Example, ...]) -> ExampleSet:
        return ExampleSet(
            tuple(RuleExample(e, self.at("examples", "match", i)) for i, e in enumerate(match)),
            tuple(RuleExample(e, self.at("examples", "no_match", i)) for i, e in enumerate(no_match)),
        )


def _filter(spec: Any, path: Path, lines: _Lines) -> Filter:
    examples = lines.examples(spec.examples.match, spec.examples.no_match)
    condition = compile_condition(spec.match)
    return Filter(spec.id, spec.title, spec.rules, condition, examples, str(path), lines.at(), needs(condition))


def _rule(spec: Any, path: Path, lines: _Lines) -> Rule:
    condition = compile_condition(spec.match)
    return Rule(
        id=spec.id,
        title=spec.title,
        description=spec.description,
        status=spec.status,
        severity=spec.severity,
        weight=spec.weight,
        tags=spec.tags,
        condition=condition,
        examples=lines.examples(spec.examples.match, spec.examples.no_match),
        path=str(path),
        needs=needs(condition),
        declared_weight=spec.weight,
        line=lines.at(),
        languages=spec.languages,
    )
