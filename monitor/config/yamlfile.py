"""Safe YAML loading validated by pydantic, with errors that name the file, line and key path.

Every YAML file the monitor reads (sources, elections, countries, rules) goes through
``load_model``: a syntax error or a schema error becomes a ``ConfigError`` whose problems say
``data/sources.yaml:12: sources[3].kind: Input should be 'official', ...``.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from monitor.errors import ConfigError, Problem

M = TypeVar("M", bound=BaseModel)
# libyaml's parser where PyYAML was built with it (ten times faster on the calendar), else PyYAML's own.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def file_bytes(path: Path) -> bytes:
    """The bytes of a configuration file; a ConfigError naming it when it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError([Problem(str(path), "", f"cannot read: {exc.strerror or exc}")]) from exc


def read_yaml(path: Path, raw: bytes | None = None) -> tuple[Any, yaml.Node | None]:
    """Return the data of a YAML file (or of its ``raw`` bytes, already read) and its node tree
    (for line numbers). SafeLoader only."""
    loader = _SafeLoader(decode_utf8(file_bytes(path) if raw is None else raw, path))
    try:
        # One parse: the node tree (for line numbers) and the data built from it.
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([Problem(str(path), "", f"invalid YAML: {reason}", line)]) from exc
    except (ValueError, OverflowError, RecursionError) as exc:  # a value YAML parses but cannot build, like 2024-02-30
        raise ConfigError([Problem(str(path), "", f"invalid YAML value: {exc}")]) from exc
    finally:
        loader.dispose()
    return data, node


def decode_utf8(raw: bytes, path: Path) -> str:
    """The text of a UTF-8 file (a byte-order mark allowed); a ConfigError naming the first bad byte otherwise."""
    start = len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0
    try:
        return raw[start:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = start + exc.start
        line = raw.count(b"\n", 0, offset) + 1
        message = f"not UTF-8: byte 0x{raw[offset]:02x} at byte offset {offset}; save the file as UTF-8"
        raise ConfigError([Problem(str(path), "", message, line)]) from None


def format_loc(loc: tuple[Any, ...]) -> str:
    """``('sources', 3, 'kind')`` -> ``sources[3].kind``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def locate(node: yaml.Node | None, loc: tuple[Any, ...]) -> tuple[tuple[Any, ...], int | None]:
    """The part of ``loc`` that exists in the document, and the 1-based line it ends on.

    Parts of a pydantic location that are not in the document (union tags, for example) are
    dropped, except the last one, which names a missing key. The line is the deepest node
    that exists.
    """
    if node is None:
        return loc, None
    current, kept = node, []
    for index, part in enumerate(loc):
        child = _child(current, part)
        if child is not None:
            current = child
            kept.append(part)
        elif index == len(loc) - 1:
            kept.append(part)
    return tuple(kept), current.start_mark.line + 1


def _child(node: yaml.Node, part: Any) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        pairs: list[tuple[yaml.Node, yaml.Node]] = node.value
        for key, value in pairs:
            if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                return value
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        items: list[yaml.Node] = node.value
        return items[part]
    return None


def problems_from(exc: ValidationError, path: Path, node: yaml.Node | None, prefix: tuple[Any, ...] = ()) -> list[Problem]:
    """Turn every pydantic error into a Problem with its key path and line."""
    problems = []
    for error in exc.errors(include_url=False):
        loc, line = locate(node, prefix + tuple(error["loc"]))
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = "unknown key (not allowed here)"
        elif error["type"] == "missing":
            message = "required key missing"
        elif error["type"] in ("value_error", "assertion_error"):
            message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        problems.append(Problem(str(path), format_loc(loc), message, line))
    return problems


Finding = tuple[tuple[Any, ...], str]
"""A problem found in the raw data: its key path and the message."""

Check = Callable[[Any], Iterable[Finding]]


def load_model(model: type[M], path: Path, *checks: Check, raw: bytes | None = None) -> M:
    """Read ``path`` (or its ``raw`` bytes, already read) and validate it as ``model``; raise
    ConfigError listing every problem.

    ``checks`` look at the raw data for what a schema cannot see (duplicate ids, say); they
    run even when the schema fails, so one run lists everything that is wrong.
    """
    data, node = read_yaml(path, raw)
    return validate(model, {} if data is None else data, path, node, *checks)


def validate(model: type[M], data: Any, path: Path, node: yaml.Node | None, *checks: Check) -> M:
    problems = []
    for check in checks:
        for loc, message in check(data):
            loc, line = locate(node, loc)
            problems.append(Problem(str(path), format_loc(loc), message, line))
    try:
        result = model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(problems_from(exc, path, node) + problems) from exc
    if problems:
        raise ConfigError(problems)
    return result


def unique(list_key: str, field: str) -> Check:
    """A check that every mapping in ``data[list_key]`` has a different ``field``."""

    def check(data: Any) -> Iterable[Finding]:
        items = data.get(list_key) if isinstance(data, dict) else None
        first: dict[Any, int] = {}
        for index, item in enumerate(items if isinstance(items, list) else []):
            value = item.get(field) if isinstance(item, dict) else None
            if value is None or not isinstance(value, str | int):
                continue
            if value in first:
                yield (list_key, index, field), f"duplicate {field} {value!r} (first at {list_key}[{first[value]}])"
            else:
                first[value] = index

    return check
