"""An endpoint's operator routes for tests and benchmarks of its verdict routes: a worker that is well."""

from __future__ import annotations

from monitor.daemon.endpoint import Operator
from monitor.daemon.status import Health

WELL = Operator(lambda: Health(True, {"status": "ok"}), lambda: b"")
