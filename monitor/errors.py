"""One exception tree for the monitor.

    MonitorError
    ├── ConfigError          a YAML or settings file is invalid (carries file and location)
    │   └── RuleError        a rule file is invalid
    ├── FetchError           a URL could not be fetched
    │   ├── AddressRefused   the URL resolves to an address we must not contact
    │   ├── ResponseTooLarge the body exceeded the size cap
    │   ├── DeadlineExceeded the fetch took longer than its total deadline
    │   └── NotText          the body is binary, or not a web page: it is not read as text
    ├── FetchStopped         a fetch abandoned because the monitor is stopping (not a failure of the URL)
    └── DatabaseError        the schema is missing or behind the code

Configuration errors are collected, not raised one at a time, so that a command can list
every problem in every file at once (``ConfigErrors``).
"""

from __future__ import annotations

from dataclasses import dataclass


class MonitorError(Exception):
    """Root of every error the monitor raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One problem in one file: where it is and what is wrong."""

    path: str
    location: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        loc = f" {self.location}:" if self.location else ""
        return f"{where}:{loc} {self.message}"


class ConfigError(MonitorError):
    """A configuration file is invalid; ``problems`` lists every error found in it."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class RuleError(ConfigError):
    """A rule file is invalid, or a rule's own examples fail."""


class FetchError(MonitorError):
    """A URL could not be fetched (network, HTTP status, limits)."""


class HTTPStatusError(FetchError):
    """The server answered with an error status (4xx, 5xx)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class AddressRefused(FetchError):
    """The URL's host resolves to a loopback, private, link-local or metadata address."""


class ResponseTooLarge(FetchError):
    """The response body exceeded the configured maximum size."""


class DeadlineExceeded(FetchError):
    """The fetch, redirects and body included, took longer than its total deadline."""


class FetchStopped(MonitorError):
    """A fetch abandoned because the monitor is stopping: nothing is wrong with the URL, so it is
    not a FetchError (a page fetch that fails falls back to the feed's text; this must not)."""


class NotText(FetchError):
    """A fetched body is binary (or of a type that is not a web page), so no text is taken from it."""


class ExtractionCrashed(MonitorError):
    """The process extracting a page died (killed, out of memory, a crash in a parser): the entry
    is left unstored and retried next poll. Not a FetchError: the feed's text must not stand in."""


class DatabaseError(MonitorError):
    """The database is unreachable or its schema is not at the code's revision."""
