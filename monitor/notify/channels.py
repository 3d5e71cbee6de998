"""Notification channels: each apprise URL is one channel, with its own apprise object.

A channel's id is derived from its URL, so it is stable across restarts and reordering and
never shows the secret parts of the URL. With no URL configured, alerts go to the ``log``
channel: they are written to the log (and stored, as always).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import apprise

from monitor.errors import ConfigError, Problem

logger = logging.getLogger(__name__)

LOG_CHANNEL = "log"


@dataclass(frozen=True)
class SendResult:
    ok: bool
    error: str | None = None


class Channel:
    """One apprise URL and the apprise object that sends to it."""

    def __init__(self, url: str, tags: frozenset[str] = frozenset()) -> None:
        self._apprise = apprise.Apprise()
        if not self._apprise.add(url):
            raise ValueError("apprise does not understand this URL")
        self.id = "ch-" + hashlib.sha256(url.encode()).hexdigest()[:12]
        self.label = self._apprise[0].url(privacy=True)
        self.tags = tags  # from an apprise configuration file: what routing sends here
        # E-mail gets the rich HTML message; everything else the short Markdown one.
        self.format = "email" if url.split("://", 1)[0].lower() in ("mailto", "mailtos") else "chat"

    def send(self, title: str, body: str) -> SendResult:
        body_format = apprise.NotifyFormat.HTML if self.format == "email" else apprise.NotifyFormat.MARKDOWN
        with apprise.LogCapture(level=logging.WARNING) as captured:
            ok = self._apprise.notify(title=title, body=body, body_format=body_format)
        if ok:
            return SendResult(True)
        lines = [line.strip() for line in captured.getvalue().splitlines() if line.strip()]
        return SendResult(False, " | ".join(lines[-3:]) or "apprise reported a failure")


class LogChannel:
    """Alerts written to the log when no channel is configured."""

    id = LOG_CHANNEL
    label = "log"
    format = "text"
    tags: frozenset[str] = frozenset()

    def send(self, title: str, body: str) -> SendResult:
        logger.warning("ALERT %s\n%s", title, body)
        return SendResult(True)


class Channels:
    """The configured channels, by id. Built once, where every object is built (``monitor.daemon.wiring``)."""

    def __init__(self, channels: list[Channel]) -> None:
        self._channels = tuple(channels)
        self._by_id: dict[str, Channel | LogChannel] = {c.id: c for c in channels}
        self._by_id.setdefault(LOG_CHANNEL, LogChannel())
        self.targets: tuple[str, ...] = tuple(c.id for c in channels) or (LOG_CHANNEL,)

    def tagged(self, tag: str) -> tuple[str, ...]:
        """The ids of the channels with this tag; ``*`` is every channel."""
        if tag == "*":
            return self.targets
        return tuple(c.id for c in self._channels if tag in c.tags)

    @property
    def tags(self) -> frozenset[str]:
        return frozenset(tag for c in self._channels for tag in c.tags)

    def get(self, channel_id: str) -> Channel | LogChannel | None:
        return self._by_id.get(channel_id)

    def describe(self) -> list[tuple[str, str]]:
        return [(cid, self._by_id[cid].label) for cid in self.targets]


def build_channels(urls: tuple[str, ...], config_file: Path | None) -> Channels:
    """Channels from apprise URLs and an apprise configuration file; ConfigError if any is invalid."""
    problems: list[Problem] = []
    tagged: dict[str, frozenset[str]] = {url: frozenset() for url in urls}
    if config_file is not None:
        tagged.update(_urls_in_config(config_file, problems))
    channels = []
    for index, (url, tags) in enumerate(tagged.items()):
        try:
            channels.append(Channel(url, tags))
        except ValueError as exc:
            scheme = url.split("://", 1)[0]
            problems.append(Problem("MONITOR_NOTIFY_URLS", f"url[{index}] ({scheme}://...)", str(exc)))
    if problems:
        raise ConfigError(problems)
    return Channels(channels)


def _urls_in_config(path: Path, problems: list[Problem]) -> dict[str, frozenset[str]]:
    """Each URL of an apprise configuration file with its tags."""
    config = apprise.AppriseConfig()
    if not path.is_file() or not config.add(str(path.resolve())):
        problems.append(Problem(str(path), "", "cannot read the apprise configuration file"))
        return {}
    expanded = apprise.Apprise()
    expanded.add(config)
    urls = {server.url(): frozenset(str(tag) for tag in server.tags) for server in expanded}
    if not urls:
        problems.append(Problem(str(path), "", "no notification URL in the apprise configuration file"))
    return urls
