"""Channels: apprise URLs and apprise configuration files, one apprise object per channel."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.cli.main import main
from monitor.errors import ConfigError
from monitor.notify.channels import LOG_CHANNEL, build_channels
from testbed.settings import make_settings


def test_each_url_is_a_channel_with_a_stable_id_that_hides_secrets() -> None:
    """A channel's id comes from its URL (stable across restarts) and its label masks the password."""
    urls = ("json://127.0.0.1:9/hook", "mailto://user:s3cret@example.org?smtp=127.0.0.1&to=desk@example.org")
    first, again = build_channels(urls, None), build_channels(tuple(reversed(urls)), None)
    assert set(first.targets) == set(again.targets) and len(first.targets) == 2
    labels = " ".join(label for _, label in first.describe())
    assert "s3cret" not in labels and "s3cret" not in " ".join(first.targets)


def test_no_url_means_the_log_channel() -> None:
    """Without any channel, alerts go to the log channel."""
    assert build_channels((), None).targets == (LOG_CHANNEL,)


def test_an_apprise_configuration_file_adds_its_urls(tmp_path: Path) -> None:
    """Every URL in an apprise YAML configuration file is a channel of its own."""
    config = tmp_path / "apprise.yaml"
    config.write_text("urls:\n  - json://127.0.0.1:9/desk:\n      tag: desk\n  - json://127.0.0.1:9/chat\n", encoding="utf-8")
    channels = build_channels(("json://127.0.0.1:9/other",), config)
    assert len(channels.targets) == 3


def test_an_invalid_url_or_missing_config_file_is_a_configuration_error(tmp_path: Path) -> None:
    """A URL apprise does not understand, or an unreadable configuration file, stops the start with exit 2."""
    with pytest.raises(ConfigError) as caught:
        build_channels(("nosuchservice://x",), tmp_path / "missing.yaml")
    assert len(caught.value.problems) == 2
    (tmp_path / "sources.yaml").write_text("sources: []\n", encoding="utf-8")
    assert main(["run", "--once"], settings=make_settings(tmp_path, notify_urls="nosuchservice://x")) == 2
