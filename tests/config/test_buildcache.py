"""Built knowledge is kept on disk by the digest of its inputs and the code, and read back."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from monitor.config.buildcache import KEPT_PER_KIND, BuildCache, default_directory, file_inputs
from monitor.daemon.wiring import load_knowledge
from monitor.errors import ConfigError
from testbed.settings import make_settings
from tests.conftest import ROOT


class Builds:
    """A build that counts its calls."""

    def __init__(self, value: object) -> None:
        self.value, self.calls = value, 0

    def __call__(self) -> object:
        self.calls += 1
        return self.value


def test_the_same_inputs_are_built_once_and_read_back(tmp_path: Path) -> None:
    build = Builds({"rules": ["a", "b"]})
    first = BuildCache(tmp_path).get("rules", b"inputs", build)
    again = BuildCache(tmp_path).get("rules", b"inputs", build)
    assert build.calls == 1
    assert again == first and again is not first  # read back from the file, in a later start


def test_other_inputs_or_another_kind_are_built_anew(tmp_path: Path) -> None:
    cache, build = BuildCache(tmp_path), Builds([1])
    cache.get("rules", b"one", build)
    cache.get("rules", b"two", build)
    cache.get("gazetteer", b"one", build)
    assert build.calls == 3


def test_a_damaged_file_is_a_miss_and_is_replaced(tmp_path: Path) -> None:
    cache, build = BuildCache(tmp_path), Builds([1, 2])
    cache.get("rules", b"inputs", build)
    (kept,) = tmp_path.glob("rules-*.pickle")
    kept.write_bytes(kept.read_bytes()[:5])  # cut short, as by a full disk
    assert cache.get("rules", b"inputs", build) == [1, 2]
    assert build.calls == 2
    assert cache.get("rules", b"inputs", build) == [1, 2] and build.calls == 2


def test_without_a_directory_or_where_nothing_can_be_written_everything_is_built(tmp_path: Path) -> None:
    build = Builds("built")
    assert BuildCache(None).get("rules", b"inputs", build) == "built"
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    assert BuildCache(blocked / "cache").get("rules", b"inputs", build) == "built"
    assert build.calls == 2


def test_only_the_newest_few_files_of_a_kind_are_kept(tmp_path: Path) -> None:
    cache = BuildCache(tmp_path)
    for number in range(KEPT_PER_KIND + 3):
        cache.get("rules", str(number).encode(), Builds(number))
    assert len(list(tmp_path.glob("rules-*.pickle"))) == KEPT_PER_KIND
    newest = Builds("built again")
    assert cache.get("rules", str(KEPT_PER_KIND + 2).encode(), newest) == KEPT_PER_KIND + 2 and newest.calls == 0


def test_the_default_folder_is_the_users_cache_and_none_without_a_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_directory() == tmp_path / "election-monitor"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_directory() == tmp_path / "home" / ".cache" / "election-monitor"
    monkeypatch.setattr(Path, "home", classmethod(no_home))  # as for a user without a passwd entry or HOME
    assert default_directory() is None


def no_home(cls: type[Path]) -> Path:
    raise RuntimeError("Could not determine home directory.")


def test_file_inputs_change_with_a_files_bytes_or_place(tmp_path: Path) -> None:
    one, two = tmp_path / "one.yaml", tmp_path / "two.yaml"
    one.write_text("a: 1")
    two.write_text("a: 1")
    before = file_inputs(one)
    assert file_inputs(two) != before
    one.write_text("a: 2")
    assert file_inputs(one) != before


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(ROOT / "rules", tmp_path / "rules"))


def test_knowledge_read_back_is_the_knowledge_built(tmp_path: Path, rules_copy: Path) -> None:
    settings = make_settings(tmp_path, rules_dir=rules_copy, cache_dir=tmp_path / "built")
    built = load_knowledge(settings)
    read_back = load_knowledge(settings)
    assert sorted((tmp_path / "built").glob("*.pickle")) and read_back.rules is not built.rules
    assert [(r.id, r.weight) for r in read_back.rules.rules] == [(r.id, r.weight) for r in built.rules.rules]
    assert read_back.rules.digest == built.rules.digest
    assert read_back.gazetteer.digest == built.gazetteer.digest and dict(read_back.gazetteer.names) == dict(built.gazetteer.names)


def test_a_changed_rule_file_is_validated_again_and_its_problems_reported_every_time(tmp_path: Path, rules_copy: Path) -> None:
    settings = make_settings(tmp_path, rules_dir=rules_copy, cache_dir=tmp_path / "built")
    load_knowledge(settings)
    rule_file = sorted(rules_copy.glob("*.yaml"))[0]
    rule_file.write_text(rule_file.read_text(encoding="utf-8") + "\nunknown_key: true\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(ConfigError, match="unknown_key"):
            load_knowledge(settings)
