"""Where a saved model's files come from: the local disk, or a Spark session.

A *source* answers two questions about paths relative to the saved model's
root folder (``""`` is the root, ``"stages/00_x/metadata"`` a folder inside):
which entries a folder holds, and the bytes of one file. Everything else
(metadata, params, parquet, stage discovery) is built on those two answers, so
a folder only a Spark session can see (``s3a://``, ``hdfs://``, a cluster's
disk) is read by exactly the same code as a local one.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote

from labkit.errors import ModelFolderError

#: A folder read through Spark is copied into memory: refuse anything larger.
MAX_SESSION_BYTES = 512 * 1024 * 1024


class Source(Protocol):
    """Read access to one saved model folder (paths relative to its root)."""

    def entries(self, relative: str) -> list[str] | None:
        """Names directly inside folder ``relative``; None when it is not a folder."""

    def read(self, relative: str) -> bytes:
        """The bytes of file ``relative``."""

    def describe(self, relative: str) -> str:
        """The full location of ``relative``, for messages."""


def join(*parts: str) -> str:
    """Join relative path parts with ``/``, skipping empty ones.

    Examples
    --------
    >>> join("", "stages", "00_x")
    'stages/00_x'
    """
    return "/".join(p.strip("/") for p in parts if p)


class LocalSource:
    """A folder on this machine's file system.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> _ = (root / "metadata").mkdir(), (root / "metadata" / "part-00000").write_text("{}")
    >>> LocalSource(root).entries("metadata")
    ['part-00000']
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise ModelFolderError(
                f"No saved Spark model at {self.root}: it is not a folder. Pass the path given "
                "to model.write().save(path) (or an exported .json document)."
            )

    def entries(self, relative: str) -> list[str] | None:
        folder = self.root / relative
        return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else None

    def read(self, relative: str) -> bytes:
        return (self.root / relative).read_bytes()

    def describe(self, relative: str) -> str:
        return str(self.root / relative) if relative else str(self.root)


class SessionSource:
    """A folder the Spark session can read, copied into memory in one Spark job.

    Spark lists the files (``binaryFile`` with recursive lookup), their sizes
    are checked against :data:`MAX_SESSION_BYTES`, then their bytes are
    collected; parquet and metadata are parsed here exactly as for a local folder.
    """

    def __init__(self, spark: Any, root: str, max_bytes: int = MAX_SESSION_BYTES) -> None:
        self.root = str(root).rstrip("/")
        files = _list_files(spark, self.root)
        total = sum(length for _, length in files)
        if total > max_bytes:
            raise ModelFolderError(
                f"{self.root} holds {total:,} bytes, more than the {max_bytes:,} a saved model "
                "is read into memory with; is this the model folder (not a data folder)?"
            )
        tail = _path_part(self.root)
        self._files: dict[str, bytes] = {}
        for path, content in _collect(spark, self.root):
            self._files[_relative(path, tail)] = bytes(content)

    def entries(self, relative: str) -> list[str] | None:
        prefix = f"{relative}/" if relative else ""
        names = {p[len(prefix) :].split("/")[0] for p in self._files if p.startswith(prefix)}
        return sorted(names) if names else None

    def read(self, relative: str) -> bytes:
        if relative not in self._files:
            raise FileNotFoundError(self.describe(relative))
        return self._files[relative]

    def describe(self, relative: str) -> str:
        return f"{self.root}/{relative}" if relative else self.root


def _reader(spark: Any, root: str) -> Any:
    return spark.read.format("binaryFile").option("recursiveFileLookup", "true").load(root)


def _list_files(spark: Any, root: str) -> list[tuple[str, int]]:
    try:
        rows = _reader(spark, root).select("path", "length").collect()
    except Exception as error:  # Spark raises AnalysisException & co. for a missing path
        raise ModelFolderError(
            f"The Spark session cannot read {root}: {str(error).splitlines()[0]}. Pass the "
            "path given to model.write().save(path), as the session sees it."
        ) from error
    if not rows:
        raise ModelFolderError(f"{root} holds no files the Spark session can see.")
    return [(r["path"], int(r["length"])) for r in rows]


def _collect(spark: Any, root: str) -> list[tuple[str, bytes]]:
    return [
        (r["path"], r["content"]) for r in _reader(spark, root).select("path", "content").collect()
    ]


_SCHEME = re.compile(r"^[A-Za-z][\w+.-]*:(//[^/]*)?")


def _path_part(location: str) -> str:
    """The path of a location without scheme and authority.

    Examples
    --------
    >>> _path_part("s3a://bucket/models/m"), _path_part("file:/tmp/m"), _path_part("/tmp/m")
    ('/models/m', '/tmp/m', '/tmp/m')
    """
    return _SCHEME.sub("", location).rstrip("/")


def _relative(path: str, root_tail: str) -> str:
    for candidate in (_path_part(path), unquote(_path_part(path))):
        if candidate.startswith(root_tail + "/"):
            return candidate[len(root_tail) + 1 :]
    raise ModelFolderError(f"Spark listed {path}, which is not inside {root_tail}.")
