"""Built knowledge kept on disk: a rule pack or a gazetteer that was built once is read back.

Validating and compiling the shipped rule pack and gazetteer takes seconds of every start
(each phrase parsed and checked, a CLDR name table read per language, an automaton per
matcher). What comes out depends only on the files' bytes and on the code that read them, so
it is pickled under a digest of both, and a start with the same files and the same code reads
it back instead. Only a load that passed is kept, so a file with problems is validated, and
its problems reported, every time.

The digest covers the files' paths and bytes, every module of the package, the Python version
and every installed distribution's name and version: a changed rule, a new release or an upgraded
library builds anew. Anything wrong with a kept file (unreadable, truncated, from another
version of a class) is a miss, never an error: the knowledge is built as if there were no cache.
The directory is the user's own (mode 700), since reading a pickle runs what it names.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TypeVar, cast

T = TypeVar("T")

logger = logging.getLogger(__name__)

KEPT_PER_KIND = 8  # built files of one kind kept: a few rule directories or versions at once
PACKAGE = Path(__file__).resolve().parent.parent


class BuildCache:
    """Objects built from files, kept in ``directory`` (None: nothing is kept, everything built)."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory

    def get(self, kind: str, inputs: bytes, build: Callable[[], T]) -> T:
        """What ``build`` returns for ``inputs`` (a digest of what it reads), read back when kept."""
        if self.directory is None:
            return build()
        path = self.directory / f"{kind}-{_key(kind, inputs)}.pickle"
        try:
            with path.open("rb") as kept:
                return cast(T, pickle.load(kept))
        except FileNotFoundError:
            pass
        except Exception as exc:  # any damage to a kept file is a miss
            logger.info("built %s in %s unreadable, building it again: %s", kind, path, exc)
        built = build()
        self._keep(path, kind, built)
        return built

    def _keep(self, path: Path, kind: str, built: object) -> None:
        assert self.directory is not None
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=f".{kind}-")
            with os.fdopen(handle, "wb") as out:
                pickle.dump(built, out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, path)  # readers see the whole file or none
        except (OSError, pickle.PicklingError) as exc:
            logger.info("cannot keep the built %s in %s: %s", kind, self.directory, exc)
            return
        _forget_old(self.directory, kind)


def file_inputs(*paths: Path) -> bytes:
    """A digest of files' resolved paths and bytes (objects built from them may name their paths)."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(str(path.resolve()).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.digest()


def default_directory() -> Path | None:
    """``$XDG_CACHE_HOME/election-monitor``, else ``~/.cache/election-monitor``; None for a user
    without a home (a container's), who keeps nothing unless MONITOR_CACHE_DIR says where."""
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:
            return None
    return Path(base) / "election-monitor"


def _key(kind: str, inputs: bytes) -> str:
    return hashlib.sha256(kind.encode() + b"\0" + inputs + _code_digest()).hexdigest()[:32]


@cache
def _code_digest() -> bytes:
    """The package's modules, the Python version and the installed distributions' versions."""
    digest = hashlib.sha256(f"{sys.version}\0{pickle.HIGHEST_PROTOCOL}".encode())
    for module in sorted(PACKAGE.rglob("*.py")):
        digest.update(str(module.relative_to(PACKAGE)).encode() + b"\0" + module.read_bytes())
    digest.update("\n".join(_installed()).encode())
    return digest.digest()


def _installed() -> list[str]:
    """Every installed distribution's name and version, as its metadata folder is named
    (``regex-2024.11.6.dist-info``): listing the folders costs a fraction of reading each one's
    metadata. A source checkout's build leftovers (``*.egg-info``) are not installations."""
    found: set[str] = set()
    for entry in sys.path:
        try:
            found.update(name for name in os.listdir(entry or ".") if name.endswith(".dist-info"))
        except OSError:  # a zip file, or a folder that is gone
            continue
    return sorted(found)


def _forget_old(directory: Path, kind: str) -> None:
    """Keep the newest few files of a kind: built files of old versions or old rules go."""
    try:
        kept = sorted(directory.glob(f"{kind}-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in kept[KEPT_PER_KIND:]:
            old.unlink(missing_ok=True)
    except OSError:  # another process removed one first
        pass
