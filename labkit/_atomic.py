"""Replace a file in one step, so a reader sees the old content or the new, never half.

The one atomic-write helper of labkit: write a temporary file in the target's
folder (a rename is only atomic within one file system), flush it and
``fsync`` it, ``os.replace`` it over the target, then ``fsync`` the folder so
the rename itself survives a power cut (where the platform allows opening a
folder; Windows does not, and its ``MoveFileEx`` is used by ``os.replace``).

Examples
--------
>>> path = atomic_write(tmp_path / "pointer.json", '{"champion": "1.0.0"}\\n')
>>> path.read_text()
'{"champion": "1.0.0"}\\n'
>>> sorted(p.name for p in tmp_path.iterdir())  # no temporary file left behind
['pointer.json']
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path


def atomic_write(path: str | Path, data: bytes | str, *, encoding: str = "utf-8") -> Path:
    """Write ``data`` to ``path`` atomically and durably; return ``path``.

    Parameters
    ----------
    path : str or Path
        The file to create or replace. Its folder must exist.
    data : bytes or str
        The whole new content; text is encoded with ``encoding``.
    encoding : str, default="utf-8"
        Encoding of text ``data``.

    Returns
    -------
    Path
        ``path``, once the new content and its name are on disk.

    Raises
    ------
    OSError
        When writing fails; ``path`` then still holds its old content and the
        temporary file is removed.

    Examples
    --------
    >>> atomic_write(tmp_path / "a.txt", b"bytes work too").read_bytes()
    b'bytes work too'
    """
    target = Path(path)
    payload = data.encode(encoding) if isinstance(data, str) else data
    temporary = target.with_name(f".{target.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(temporary, "xb") as f:  # x: never reuse a file another writer has open
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    fsync_dir(target.parent)
    return target


def fsync_file(path: str | Path) -> None:
    """Flush one file's content to disk (for files written by a copy, e.g. ``shutil``)."""
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def fsync_dir(path: str | Path) -> None:
    """Persist a folder's entry list (a rename or a new file) where the platform allows it.

    Examples
    --------
    >>> fsync_dir(tmp_path)  # a no-op on Windows, where folders cannot be opened
    """
    if os.name == "nt":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
