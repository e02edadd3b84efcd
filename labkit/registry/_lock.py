"""The registry's writer lock: ``flock`` on POSIX, ``msvcrt.locking`` on Windows.

Imported only when something writes (:meth:`labkit.registry.Registry.lock`),
so reading a registry, scoring and serving never load a platform module. Both
locks are advisory, held through an open file handle, and released by the
operating system if the holder dies.

Examples
--------
>>> with hold(tmp_path / ".lock", timeout=1.0, holder="a registry"):
...     print("only one writer in here")
only one writer in here
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from labkit.errors import RegistryLocked

if os.name == "nt":
    import msvcrt

    def _try_lock(handle: IO[str]) -> bool:
        handle.seek(0)  # msvcrt locks bytes from the current position: always byte 0
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(handle: IO[str]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(handle: IO[str]) -> bool:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(handle: IO[str]) -> None:
        fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def hold(path: Path, *, timeout: float, holder: str) -> Iterator[None]:
    """Hold the exclusive lock on ``path`` for the block, waiting up to ``timeout`` seconds.

    Raises
    ------
    RegistryLocked
        When another process or handle kept it for longer than ``timeout``.
    """
    with open(path, "a+") as handle:
        deadline = time.monotonic() + timeout
        while not _try_lock(handle):
            if time.monotonic() > deadline:
                raise RegistryLocked(
                    f"{holder} stayed locked by another writer for {timeout:.0f} s. "
                    "Is a retrain stuck? Check running `labkit` processes."
                )
            time.sleep(0.1)
        try:
            yield
        finally:
            _unlock(handle)
