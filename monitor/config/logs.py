"""How the monitor logs: text for a terminal, or one JSON object per line for a log
collector (``MONITOR_LOG_FORMAT``); the monitor's own loggers at ``MONITOR_LOG_LEVEL``, other
libraries' at WARNING unless it is DEBUG (APScheduler alone says a line per job at start)."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# The ids a message concerns, as the monitor's messages write them: "source=by-mfa item=12".
_IDS = re.compile(r"(?<![\w.])(source|item|alert|channel)=([^\s,;]+)")


class JsonLines(logging.Formatter):
    """A record as one JSON object on one line: time, level, logger, message, and its ids."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": message,
        }
        for name, value in _IDS.findall(message):
            entry.setdefault(name, value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def handler_for(form: str) -> logging.Handler:
    """A handler writing to standard error in ``form``: "text" or "json"."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines() if form == "json" else logging.Formatter(TEXT_FORMAT))
    return handler


def set_up_logging(level: str, form: str) -> None:
    """Does nothing where logging is already set up (an embedding program, the test runner) but set the levels."""
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(handler_for(form))
    root.setLevel(logging.DEBUG if level == "DEBUG" else logging.WARNING)
    logging.getLogger("monitor").setLevel(level)
