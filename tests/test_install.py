"""Installed anywhere: the wheel carries the rule pack and data, and the monitor runs from any directory."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.conftest import ROOT


def monitor(environment: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")} | {"MONITOR_CACHE_DIR": ""}
    return subprocess.run([str(environment / "bin" / "monitor"), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_the_installed_package_is_not_the_checkout(installed: Path, tmp_path: Path) -> None:
    where = subprocess.run([str(installed / "bin" / "python"), "-c", "import monitor; print(monitor.__file__)"], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert where.stdout.startswith(str(installed))


def test_demo_and_rules_check_run_outside_the_repository(installed: Path, tmp_path: Path) -> None:
    demo = monitor(installed, tmp_path, "demo")
    assert demo.returncode == 0, demo.stderr
    assert "1 alert(s) would be sent" in demo.stdout and "vote correctly" in demo.stdout
    check = monitor(installed, tmp_path, "rules", "check")
    assert check.returncode == 0, check.stderr
    assert "rules in" in check.stdout and ": OK" in check.stdout


def test_init_makes_a_folder_whose_copies_the_monitor_then_uses(installed: Path, tmp_path: Path) -> None:
    made = monitor(installed, tmp_path, "init", "pack")
    assert made.returncode == 0, made.stderr
    pack = tmp_path / "pack"
    assert (pack / "rules" / "weights.yaml").is_file() and (pack / "data" / "elections.yaml").is_file()
    (pack / "rules" / "ei02-voting-appeal.yaml").write_text("rules: [", encoding="utf-8")  # the copy is what counts now
    broken = monitor(installed, pack, "rules", "check")
    assert broken.returncode == 2 and "ei02-voting-appeal.yaml" in broken.stderr
    again = monitor(installed, tmp_path, "init", "pack")
    assert again.returncode == 2 and "already exists" in again.stderr


def test_the_shipped_pack_is_not_written_to(installed: Path, tmp_path: Path) -> None:
    """Tuning would write the weights into the package: refused, pointing at `monitor init`."""
    refused = monitor(installed, tmp_path, "rules", "tune", str(ROOT / "tests" / "eval" / "dev"))
    assert refused.returncode == 2 and "monitor init" in refused.stderr
