"""Local files: where a path points, whether it exists, and its checksum."""

from __future__ import annotations

import difflib
import hashlib
import os
import re
from pathlib import Path

from labkit.errors import DataFileNotFound


def sha256_of(path: str | Path) -> str:
    """Return the hex sha256 of a file, read in 1 MiB blocks.

    Examples
    --------
    >>> len(sha256_of("data/adult.test"))
    64
    """
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def local_path(path: str | Path) -> Path | None:
    """Return a local Path for plain paths and ``file:`` URIs, None for other schemes.

    Examples
    --------
    >>> local_path("file:///tmp/x.csv"), local_path("s3a://bucket/x.csv")
    (PosixPath('/tmp/x.csv'), None)
    """
    text = str(path)
    if text.startswith("file:"):
        return Path(re.sub(r"^file:(//)?", "", text))
    return None if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", text) else Path(text)


def check_exists(path: Path) -> None:
    """Raise :class:`DataFileNotFound` naming close file names when ``path`` is not a file."""
    if path.is_file():
        return
    if path.is_dir():
        raise DataFileNotFound(f"{path} is a folder, not a file: name the CSV file inside it.")
    hint = ""
    if path.parent.is_dir():
        close = difflib.get_close_matches(path.name, os.listdir(path.parent), n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise DataFileNotFound(
        f"No file at {path} (working directory: {Path.cwd()}).{hint} "
        "Check the path, or use an absolute one."
    )
