"""YAML configuration errors name the file, the line and the key path, and list every problem at once."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.config.yamlfile import format_loc, load_model
from monitor.errors import ConfigError, Problem
from monitor.ingest.sources import SourcesFile, load_sources

INTERVAL = timedelta(minutes=15)

GOOD_SOURCE = """\
  - id: by-mfa
    name: Ministry of Foreign Affairs of Belarus
    url: https://mfa.example.by/feed.xml
    kind: official
    country: BY
"""


def write(tmp_path: Path, text: str, name: str = "sources.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(ConfigError) as caught:
        load_sources(path, INTERVAL)
    return caught.value.problems


def test_a_valid_file_loads(tmp_path: Path) -> None:
    """A valid sources file loads into Source objects, with the default interval filled in."""
    (source,) = load_sources(write(tmp_path, "sources:\n" + GOOD_SOURCE), INTERVAL)
    assert (source.id, source.kind, source.country, source.interval) == ("by-mfa", "official", "BY", INTERVAL)


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    """A YAML syntax error is one problem with the file and the line of the fault."""
    path = write(tmp_path, "sources:\n" + GOOD_SOURCE + "  - id: [unclosed\n    name: x\n")
    (problem,) = problems_of(path)
    assert problem.path == str(path)
    assert problem.line is not None and problem.line >= 7
    assert "invalid YAML" in problem.message
    assert str(problem).startswith(f"{path}:{problem.line}: ")


def test_tab_indentation_is_a_syntax_error_with_line(tmp_path: Path) -> None:
    """A tab used for indentation is reported with its line, not as a Python exception."""
    path = write(tmp_path, "sources:\n  - id: by-mfa\n\tname: x\n")
    (problem,) = problems_of(path)
    assert problem.line == 3


def test_unknown_key_names_its_path_and_line(tmp_path: Path) -> None:
    """An unknown key is reported as ``unknown key`` with its key path and its own line."""
    path = write(tmp_path, "sources:\n" + GOOD_SOURCE + "    colour: red\n")
    (problem,) = problems_of(path)
    assert problem.location == "sources[0].colour"
    assert problem.line == 7
    assert "unknown key" in problem.message
    assert str(problem) == f"{path}:7: sources[0].colour: unknown key (not allowed here)"


def test_unknown_top_level_key(tmp_path: Path) -> None:
    """An unknown key at the top of the file names itself and its line."""
    path = write(tmp_path, "sources:\n" + GOOD_SOURCE + "feeds: []\n")
    (problem,) = problems_of(path)
    assert (problem.location, problem.line) == ("feeds", 7)


def test_wrong_enum_value_names_its_path_and_the_choices(tmp_path: Path) -> None:
    """A kind outside the enum is reported at ``sources[1].kind`` on its line, listing the allowed values."""
    second = GOOD_SOURCE.replace("by-mfa", "belta").replace("kind: official", "kind: ministry")
    path = write(tmp_path, "sources:\n" + GOOD_SOURCE + second)
    (problem,) = problems_of(path)
    assert problem.location == "sources[1].kind"
    assert problem.line == 10
    assert "official" in problem.message and "state_media" in problem.message
    assert str(problem).startswith(f"{path}:10: sources[1].kind: ")
    assert str(problem).endswith(problem.message)


def test_missing_key_names_the_entry(tmp_path: Path) -> None:
    """A required key that is missing is reported with the path it should have and the entry's line."""
    path = write(tmp_path, "sources:\n" + GOOD_SOURCE.replace("    country: BY\n", ""))
    (problem,) = problems_of(path)
    assert problem.location == "sources[0].country"
    assert problem.message == "required key missing"
    assert problem.line == 2


def test_every_schema_problem_in_a_file_is_listed(tmp_path: Path) -> None:
    """Several schema problems in one file are all listed, each with its own path and line, in file order."""
    text = (
        "sources:\n"
        + GOOD_SOURCE
        + GOOD_SOURCE.replace("by-mfa", "belta").replace("kind: official", "kind: ministry")
        + GOOD_SOURCE.replace("by-mfa", "tass").replace("country: BY", "country: ru\n    colour: red")
    )
    path = write(tmp_path, text)
    problems = problems_of(path)
    assert [(p.location, p.line) for p in problems] == [
        ("sources[1].kind", 10),
        ("sources[2].country", 16),
        ("sources[2].colour", 17),
    ]
    assert all(p.path == str(path) for p in problems)
    assert str(problems[0]).startswith(f"{path}:10: sources[1].kind: ")


def test_duplicate_id_is_a_problem(tmp_path: Path) -> None:
    """Two sources with one id are a ConfigError naming the second one's id path."""
    path = write(tmp_path, "sources:\n" + GOOD_SOURCE + GOOD_SOURCE)
    (problem,) = problems_of(path)
    assert problem.location == "sources[1].id"
    assert "duplicate" in problem.message and "by-mfa" in problem.message


def test_duplicate_id_names_its_line(tmp_path: Path) -> None:
    """The duplicate-id problem names the line of the second id, like every other problem."""
    path = write(tmp_path, "sources:\n" + GOOD_SOURCE + GOOD_SOURCE)
    (problem,) = problems_of(path)
    assert problem.line == 7


def test_duplicate_id_is_listed_with_schema_problems(tmp_path: Path) -> None:
    """A wrong kind, an unknown key and a duplicate id in one file are all listed in one ConfigError."""
    text = (
        "sources:\n"
        + GOOD_SOURCE
        + GOOD_SOURCE.replace("by-mfa", "belta").replace("kind: official", "kind: ministry")
        + GOOD_SOURCE.replace("country: BY", "country: BY\n    colour: red")
    )
    problems = problems_of(write(tmp_path, text))
    assert {p.location for p in problems} == {"sources[1].kind", "sources[2].colour", "sources[2].id"}


def test_empty_file_is_an_empty_list(tmp_path: Path) -> None:
    """An empty file is valid and has no sources."""
    assert load_sources(write(tmp_path, ""), INTERVAL) == ()


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    """A file that cannot be read is one problem naming the file."""
    path = tmp_path / "nope.yaml"
    (problem,) = problems_of(path)
    assert problem.path == str(path)
    assert "cannot read" in problem.message


def test_a_list_instead_of_a_mapping(tmp_path: Path) -> None:
    """A document of the wrong shape is a ConfigError, not a Python exception."""
    with pytest.raises(ConfigError):
        load_model(SourcesFile, write(tmp_path, "- id: by-mfa\n"))


def test_unsafe_tags_are_rejected(tmp_path: Path) -> None:
    """Python object tags are refused by the safe loader and reported as invalid YAML."""
    path = write(tmp_path, "sources: !!python/object/apply:os.system ['true']\n")
    (problem,) = problems_of(path)
    assert "invalid YAML" in problem.message
    assert problem.line == 1


def test_config_error_message_lists_every_problem(tmp_path: Path) -> None:
    """The exception's text is every problem, one per line."""
    error = ConfigError([Problem("a.yaml", "x[0].y", "bad", 3), Problem("b.yaml", "", "unreadable")])
    assert str(error) == "a.yaml:3: x[0].y: bad\nb.yaml: unreadable"


@pytest.mark.parametrize(
    ("loc", "text"),
    [(("sources", 3, "kind"), "sources[3].kind"), (("rules", 0, "match", "all", 2), "rules[0].match.all[2]"), ((), "")],
)
def test_format_loc(loc: tuple, text: str) -> None:
    """A pydantic location tuple is written as a key path with [index] for list items."""
    assert format_loc(loc) == text


# -- fuzzing: any file gives sources or a ConfigError ----------------------------------------

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20),
    st.sampled_from(["official", "BY", "by-mfa", "15m", "0s", "1e400", "http://x/", "https://mfa.example.by/feed.xml", "ftp://x", "http://a\nb"]),
)
KEYS = st.one_of(st.sampled_from(["sources", "id", "name", "url", "kind", "country", "language", "interval", "tags", "enabled", "fetch_pages"]), st.text(max_size=8))
DOCUMENTS = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=6), max_leaves=25)


@settings(max_examples=150, deadline=None)
@given(DOCUMENTS)
def test_any_yaml_document_gives_sources_or_a_config_error(document: object) -> None:
    """A random document (shaped like a sources file or not): a tuple of sources, or a ConfigError; never another exception."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sources.yaml"
        path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
        try:
            assert isinstance(load_sources(path, INTERVAL), tuple)
        except ConfigError as exc:
            assert exc.problems and all(p.path == str(path) for p in exc.problems)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_any_bytes_give_sources_or_a_config_error(raw: bytes) -> None:
    """Random bytes (not UTF-8, control characters, broken YAML): sources or a ConfigError naming the file."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sources.yaml"
        path.write_bytes(b"sources:\n  - " + raw)
        try:
            load_sources(path, INTERVAL)
        except ConfigError as exc:
            assert exc.problems and all(p.path == str(path) for p in exc.problems)


@pytest.mark.parametrize("text", ["day: 2024-02-30\n", "sources:\n  - interval: 1e400\n", "sources:\n  - interval: 99999999999d\n"])
def test_a_value_yaml_reads_but_python_cannot_hold_is_a_config_error(tmp_path: Path, text: str) -> None:
    """An impossible date or a duration past any calendar is a ConfigError, not a ValueError or OverflowError."""
    with pytest.raises(ConfigError):
        load_sources(write(tmp_path, text), INTERVAL)


def test_a_file_that_is_not_utf8_names_the_line_and_byte_offset(tmp_path: Path) -> None:
    """Latin-1 text: one problem with the line and the offset of the first bad byte."""
    path = tmp_path / "sources.yaml"
    path.write_bytes("sources:\n  - id: by-mfa\n    name: Ministère\n".encode("latin-1"))
    (problem,) = problems_of(path)
    assert (problem.line, problem.message) == (3, "not UTF-8: byte 0xe8 at byte offset 40; save the file as UTF-8")


def test_a_byte_order_mark_is_allowed(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_bytes(b"\xef\xbb\xbfsources:\n" + GOOD_SOURCE.encode())
    assert len(load_sources(path, INTERVAL)) == 1
