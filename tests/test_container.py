"""The container files, checked without a container engine: the Dockerfile and compose.yaml name
only what exists, and the image's commands (its CMD and HEALTHCHECK) work in a plain environment
set up as the image sets it: the package installed, its ENV, a working directory of its own."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
from pathlib import Path

import yaml

from testbed.servers import free_port
from testbed.timing import wait_for
from tests.conftest import ROOT

DOCKERFILE = ROOT / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions, continuation lines joined: (INSTRUCTION, arguments)."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text(encoding="utf-8"))
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def test_the_image_is_built_in_two_stages_and_runs_as_a_user_with_a_volume_a_port_and_a_health_check() -> None:
    found = instructions()
    kinds = [kind for kind, _ in found]
    assert kinds.count("FROM") == 2 and "COPY" in kinds
    assert any(kind == "COPY" and args.startswith("--from=build") for kind, args in found)
    assert ("USER", "monitor") in found
    assert ("VOLUME", "/var/lib/monitor") in found and ("EXPOSE", "8080") in found
    assert "HEALTHCHECK" in kinds


def test_every_file_the_dockerfile_copies_exists_and_is_in_the_build_context() -> None:
    ignored = [line for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    kept = {line[1:] for line in ignored if line.startswith("!")}
    assert ignored[0] == "*", "the context is what the Dockerfile names, nothing more"
    for kind, args in instructions():
        if kind != "COPY" or args.startswith("--from"):
            continue
        *sources, _ = args.split()
        for source in sources:
            assert (ROOT / source).exists(), source
            assert source in kept, f"{source} is left out of the build context by .dockerignore"


def test_compose_runs_postgres_a_migration_and_two_workers_from_files_that_exist() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    workers = [name for name, service in services.items() if service.get("command") == ["monitor", "run"]]
    assert len(workers) == 2
    assert services["migrate"]["command"] == ["monitor", "db", "upgrade"]
    for name in workers:
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert services[name]["environment"]["MONITOR_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for service in services.values():
        if "build" in service:
            assert (ROOT / service["build"] / "Dockerfile").is_file()
    assert set(compose.get("volumes", {})) >= {volume.split(":")[0] for s in services.values() for volume in s.get("volumes", [])}


def test_the_images_commands_run_the_daemon_and_its_health_check_passes(installed: Path, tmp_path: Path) -> None:
    """CMD (migrate, then run) in a plain environment with the image's ENV; HEALTHCHECK's command
    then answers healthy, and SIGTERM stops the daemon."""
    found = instructions()
    env_line = " ".join(args for kind, args in found if kind == "ENV")
    image_env = dict(pair.split("=", 1) for pair in shlex.split(env_line))
    port = free_port()
    home = tmp_path / "var-lib-monitor"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")} | image_env | {
        "PATH": f"{installed / 'bin'}:{os.environ['PATH']}",
        "MONITOR_DATABASE_URL": f"sqlite:///{home}/monitor.db",  # as the image's, in this test's folder
        "MONITOR_CACHE_DIR": str(home / "cache"),
        "MONITOR_HTTP_LISTEN": f"127.0.0.1:{port}",
        "MONITOR_SOURCES_FILE": str(write_quiet_sources(tmp_path)),
    }
    cmd = json.loads(next(args for kind, args in found if kind == "CMD"))
    daemon = subprocess.Popen(cmd, cwd=home, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        check = json.loads(next(args for kind, args in found if kind == "HEALTHCHECK").split("CMD", 1)[1])
        check = [part.replace("8080", str(port)) for part in check]
        healthy = lambda: subprocess.run(check, env=env, capture_output=True, timeout=10).returncode == 0  # noqa: E731
        assert wait_for(healthy, 90), "the health check never passed"
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=30) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
    assert (home / "monitor.db").is_file()


def write_quiet_sources(folder: Path) -> Path:
    """One source on a closed port: the daemon runs with something to poll (and fail), nothing leaves the machine."""
    path = folder / "sources.yaml"
    path.write_text("sources:\n  - id: nowhere\n    name: Nowhere\n    url: http://127.0.0.1:9/feed.xml\n    kind: news\n    country: LT\n", encoding="utf-8")
    return path
