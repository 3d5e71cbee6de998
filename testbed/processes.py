"""Real faults for the extraction pool: its worker processes killed from outside (os.kill), as the
kernel's OOM killer or an operator would, and a page that takes its worker long enough to be hit."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from pathlib import Path

from testbed.builders import page


def slow_page(paragraphs: int = 4000) -> str:
    """A well-formed article long enough (about a second of extraction) to be killed mid-way."""
    return page("A long statement on transit", *(f"Paragraph {i} of the statement on transit and trade across the border." for i in range(paragraphs)))


def children_of(pid: int) -> list[int]:
    """The live child processes of ``pid`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def kill(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


class Reaper:
    """While running, kills every process the fork server of this process starts (every extraction
    worker, however often the pool is replaced): no extraction in a worker survives. Nothing else
    is touched (a test's database server, say)."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Reaper:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            for server in fork_servers():
                kill(children_of(server))


def fork_servers() -> list[int]:
    """The multiprocessing fork server this process started (if any): the parent of every pool worker."""
    servers = []
    for pid in children_of(os.getpid()):
        try:
            if b"forkserver" in Path(f"/proc/{pid}/cmdline").read_bytes():
                servers.append(pid)
        except OSError:
            continue
    return servers
