"""Routing: alerts reach the channels their severity, rules, source and target country call for."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from monitor.cli.main import main
from monitor.daemon.scheduler import build_scheduler, digest_job
from monitor.daemon.wiring import Monitor, check_crontab
from monitor.demo import demo_sources, serve_sample_site
from monitor.errors import ConfigError
from monitor.models import RetryPolicy
from monitor.notify.channels import build_channels
from monitor.notify.outbox import deliver_pending
from monitor.notify.routing import load_router
from testbed.settings import make_settings

ROUTING = """\
routes:
  - match: {min_severity: high}
    to: [chat]
  - match: {min_severity: medium}
    to: [email]
  - match: {countries: [MD]}
    to: [moldova-desk]
operational: [chat]
"""


def tagged_channels(tmp_path: Path, receiver) -> Path:
    host = receiver.base.removeprefix("http://")
    config = tmp_path / "apprise.yaml"
    config.write_text(
        "urls:\n"
        f"  - json://{host}/chat:\n      tag: chat\n"
        f"  - json://{host}/email:\n      tag: email\n"
        f"  - json://{host}/moldova:\n      tag: moldova-desk\n",
        encoding="utf-8",
    )
    return config


def test_alerts_go_to_the_channels_of_every_route_they_match(tmp_path: Path, receiver, clock) -> None:
    """The critical Lithuanian case goes to chat and e-mail, not to the Moldova desk."""
    routing = tmp_path / "routing.yaml"
    routing.write_text(ROUTING, encoding="utf-8")
    with serve_sample_site() as base:
        settings = make_settings(tmp_path, sources_file=demo_sources(base, tmp_path), notify_config=tagged_channels(tmp_path, receiver), routing_file=routing)
        assert main(["run", "--once"], clock=clock, settings=settings) == 0
    assert [len(receiver.hits(p, "POST")) for p in ("/chat", "/email", "/moldova")] == [1, 1, 0]


def test_a_route_to_a_tag_no_channel_has_is_a_configuration_error(tmp_path: Path, receiver) -> None:
    """A misspelt tag is caught at start, with the route that names it."""
    routing = tmp_path / "routing.yaml"
    routing.write_text(ROUTING.replace("[email]", "[e-mail]"), encoding="utf-8")
    channels = build_channels((), tagged_channels(tmp_path, receiver))
    with pytest.raises(ConfigError) as caught:
        load_router(routing, channels, check_cron=check_crontab)
    (problem,) = caught.value.problems
    assert problem.location == "routes[1].to" and "'e-mail'" in problem.message


def test_a_digest_cron_line_the_scheduler_cannot_read_is_refused_at_load_with_its_line(tmp_path: Path, receiver, capsys) -> None:
    """A cron line is checked by the scheduler's own reader when the file loads: exit 2, naming file, line and key."""
    routing = tmp_path / "routing.yaml"
    routing.write_text(ROUTING + "digests:\n  - {to: [email], cron: '0 7 * * *'}\n  - to: [email]\n    cron: '61 7 * *'\n", encoding="utf-8")
    channels = build_channels((), tagged_channels(tmp_path, receiver))
    with pytest.raises(ConfigError) as caught:
        load_router(routing, channels, check_cron=check_crontab)
    (problem,) = caught.value.problems
    assert (problem.location, problem.line) == ("digests[1].cron", 12) and "expected 5" in problem.message
    (tmp_path / "sources.yaml").write_text("sources: []\n", encoding="utf-8")
    settings = make_settings(tmp_path, notify_config=tagged_channels(tmp_path, receiver), routing_file=routing)
    assert main(["run", "--once"], settings=settings) == 2
    assert f"{routing}:12: digests[1].cron: Wrong number of fields" in capsys.readouterr().err


def test_without_a_routing_file_every_channel_gets_every_alert(tmp_path: Path, receiver) -> None:
    """No routing file: route to all; operational alerts too."""
    channels = build_channels((), tagged_channels(tmp_path, receiver))
    router = load_router(None, channels, check_cron=check_crontab)
    assert router.operational() == channels.targets and len(channels.targets) == 3


def test_a_digest_lists_the_alerts_since_the_last_one_and_says_nothing_when_there_are_none(tmp_path: Path, receiver, clock) -> None:
    """One digest message groups the alerts by election; the next run, with nothing new, sends nothing."""
    routing = tmp_path / "routing.yaml"
    routing.write_text(ROUTING + "digests:\n  - {to: [email], cron: '0 7 * * *'}\n", encoding="utf-8")
    with serve_sample_site() as base:
        settings = make_settings(tmp_path, sources_file=demo_sources(base, tmp_path), notify_config=tagged_channels(tmp_path, receiver), routing_file=routing)
        assert main(["run", "--once"], clock=clock, settings=settings) == 0
    with Monitor(settings, clock) as monitor:
        scheduler = build_scheduler(monitor.enabled_sources, monitor.deps, timedelta(seconds=30), RetryPolicy())
        assert "digest:0" in {job.id for job in scheduler.get_jobs()}
        (email,) = monitor.channels.tagged("email")
        clock.advance(timedelta(hours=1))
        assert len(digest_job(monitor.deps, (email,))) == 1
        deliver_pending(monitor.deps.store, monitor.channels, clock, RetryPolicy())
        clock.advance(timedelta(days=1))
        assert digest_job(monitor.deps, (email,)) == []  # nothing new: no message

    posts = receiver.hits("/email", "POST")
    assert len(posts) == 2  # the alert itself, then the digest
    digest = posts[1].json()
    assert digest["title"].startswith("Digest: 1 alert since")
    assert digest["message"].startswith("Lithuania, parliamentary election on 2024-10-13\n  [CRITICAL] score ")
