"""A versioned model store on a file system: never overwrite, promote and roll back atomically.

Layout of a registry folder (``format_version`` 1)::

    registry/
      REGISTRY.json          {"format": "labkit-registry", "format_version": 1}
      champion.json          the pointer: current champion, the stack of earlier ones, a log
      history.jsonl          one line per retrain (labkit.validate.history)
      versions/
        1.0.0/
          model/             the Spark PipelineModel folder, as Spark saved it
          scorer.json        the exported JSON scorer (labkit.export)
          metadata.json      version, git commit, data sha256, params, metrics, gate report
        .incoming-<pid>-<hex>/   a version being written; never listed
      .lock                  serialises writers (fcntl.flock)

A version is written in full under ``.incoming-*``, flushed to disk, then
renamed to its final name in one step, so a crash leaves either nothing or a
leftover ``.incoming-*`` folder that no reader ever mistakes for a version.
The champion pointer is replaced the same way (write a temporary file, then
``os.replace``), so it always names one complete version. The lock is an
advisory ``flock`` (POSIX; released by the kernel if its holder dies).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import fcntl
import json
import os
import re
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labkit.data import sha256_of
from labkit.errors import (
    GateNotPassed,
    ModelNotFound,
    RegistryCorrupt,
    RegistryLocked,
    RegistryNotFound,
    VersionExists,
)
from labkit.validate.history import RunHistory

FORMAT = "labkit-registry"
FORMAT_VERSION = 1
MODEL_DIR, SCORER_FILE, METADATA_FILE = "model", "scorer.json", "metadata.json"
_SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
_INCOMING = ".incoming-"


def now_utc() -> str:
    """The current UTC time as ISO 8601 with seconds."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def git_commit(path: str | Path | None = None) -> str | None:
    """The git commit of the checkout holding ``path`` (default: labkit's code), else None.

    Examples
    --------
    >>> commit = git_commit()
    >>> commit is None or len(commit) == 40
    True
    """
    folder = Path(path) if path is not None else Path(__file__).resolve().parent
    try:
        result = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    commit = result.stdout.strip()
    return commit if result.returncode == 0 and re.fullmatch(r"[0-9a-f]{40}", commit) else None


def parse_version(text: str) -> tuple[int, int, int]:
    """``"1.2.3"`` -> ``(1, 2, 3)``; raises ValueError for anything else.

    Examples
    --------
    >>> sorted(["1.10.0", "1.9.2"], key=parse_version)
    ['1.9.2', '1.10.0']
    """
    match = _SEMVER.match(text)
    if not match:
        raise ValueError(f"not a semantic version (MAJOR.MINOR.PATCH): {text!r}")
    return tuple(int(part) for part in match.groups())  # type: ignore[return-value]


def next_version(latest: str | None, *, same_spec: bool, same_data: bool) -> str:
    """The version after ``latest``: major for a new model spec, minor for new data, else patch.

    Examples
    --------
    >>> next_version(None, same_spec=False, same_data=False)
    '1.0.0'
    >>> next_version("1.4.2", same_spec=True, same_data=False)
    '1.5.0'
    >>> next_version("1.4.2", same_spec=False, same_data=True)
    '2.0.0'
    """
    if latest is None:
        return "1.0.0"
    major, minor, patch = parse_version(latest)
    if not same_spec:
        return f"{major + 1}.0.0"
    if not same_data:
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


@dataclass
class ModelVersion:
    """One saved version: where it is and what its metadata says.

    ``metadata`` holds at least ``version``, ``created_at``, ``git_commit``,
    ``data_sha256``, ``params``, ``metrics``, ``gate`` and ``scorer_sha256``.
    """

    version: str
    path: Path
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def model_path(self) -> Path:
        """The Spark ``PipelineModel`` folder (``PipelineModel.load`` reads it)."""
        return self.path / MODEL_DIR

    @property
    def scorer_path(self) -> Path:
        """The exported JSON scorer (``labkit.export.load_scorer`` reads it)."""
        return self.path / SCORER_FILE

    @property
    def gate_passed(self) -> bool | None:
        """The gate's verdict when this version was trained (None if it was never gated)."""
        verdict = self.metadata.get("gate", {}).get("verdict")
        return None if verdict is None else verdict == "pass"


class Registry:
    """A folder of model versions with one champion.

    Parameters
    ----------
    root : str or Path
        The registry folder; created on the first write.
    lock_timeout : float, default=600
        Seconds to wait for another writer before giving up.

    Examples
    --------
    >>> registry = Registry(tmp_path / "registry")
    >>> v = registry.add(model_dir, scorer_file, {"data_sha256": "ab12"})  # doctest: +SKIP
    >>> registry.promote(v.version, reason="first model")  # doctest: +SKIP
    >>> registry.champion().version  # doctest: +SKIP
    '1.0.0'
    """

    def __init__(self, root: str | Path, *, lock_timeout: float = 600.0) -> None:
        self.root = Path(root)
        self.lock_timeout = lock_timeout
        self._holder: int | None = None  # thread id holding the lock through this object

    # -- reading ---------------------------------------------------------------------------

    @property
    def versions_dir(self) -> Path:
        return self.root / "versions"

    @property
    def history(self) -> RunHistory:
        """The registry's run history."""
        return RunHistory(self.root / "history.jsonl")

    def exists(self) -> bool:
        """True when ``root`` holds a registry."""
        return (self.root / "REGISTRY.json").is_file()

    def versions(self) -> list[ModelVersion]:
        """Every complete version, oldest first (``.incoming-*`` leftovers are not versions)."""
        self._require()
        names = [p.name for p in self.versions_dir.iterdir() if _SEMVER.match(p.name)]
        return [self.get(name) for name in sorted(names, key=parse_version)]

    def get(self, version: str) -> ModelVersion:
        """One version by name.

        Raises
        ------
        ModelNotFound
            With the closest existing names.
        RegistryCorrupt
            When its metadata is missing or unreadable.
        """
        self._require()
        path = self.versions_dir / version
        if not _SEMVER.match(version) or not path.is_dir():
            known = sorted(
                (p.name for p in self.versions_dir.iterdir() if _SEMVER.match(p.name)),
                key=parse_version,
            )
            close = difflib.get_close_matches(version, known, n=3)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise ModelNotFound(
                f"No version {version!r} in {self.root}.{hint} "
                f"Versions: {', '.join(known) or 'none'}."
            )
        return ModelVersion(version, path, _read_json(path / METADATA_FILE))

    def champion(self) -> ModelVersion | None:
        """The current champion, or None before the first promotion."""
        pointer = self._pointer()
        return None if pointer["champion"] is None else self.get(pointer["champion"])

    def pointer(self) -> dict[str, Any]:
        """The champion pointer: ``champion``, ``previous`` (newest first) and ``log``."""
        return self._pointer()

    # -- writing ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the registry's writer lock for the block.

        Re-entrant for the thread that holds it; other threads and processes wait
        (each opens its own lock file handle, and ``flock`` serialises those).
        """
        if self._holder == threading.get_ident():
            yield
            return
        self._init()
        with open(self.root / ".lock", "a+") as handle:
            self._acquire(handle)
            self._holder = threading.get_ident()
            try:
                yield
            finally:
                self._holder = None
                fcntl.flock(handle, fcntl.LOCK_UN)

    def add(
        self,
        model_dir: str | Path,
        scorer_file: str | Path,
        metadata: dict[str, Any],
        *,
        version: str | None = None,
    ) -> ModelVersion:
        """Copy a saved Spark model and its exported scorer in as a new version.

        The version name is ``version`` if given, else :func:`next_version` of the
        latest one (major when ``metadata["spec"]`` changed, minor when
        ``metadata["data_sha256"]`` changed, else patch).

        Raises
        ------
        VersionExists
            When ``version`` is taken: versions are never overwritten.
        FileNotFoundError
            When ``model_dir`` or ``scorer_file`` is missing.
        """
        model_dir, scorer_file = Path(model_dir), Path(scorer_file)
        for path, kind in ((model_dir, "Spark model folder"), (scorer_file, "scorer file")):
            if not path.exists():
                raise FileNotFoundError(f"No {kind} at {path}: save or export it first.")
        with self.lock():
            name = version or self._next_name(metadata)
            if (self.versions_dir / name).exists():
                raise VersionExists(
                    f"Version {name} already exists in {self.root}; versions "
                    "are never overwritten. Pick another version."
                )
            staging = self.versions_dir / f"{_INCOMING}{os.getpid()}-{uuid.uuid4().hex[:8]}"
            try:
                self._stage(staging, model_dir, scorer_file, {**metadata, "version": name})
                os.rename(staging, self.versions_dir / name)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
            _fsync_dir(self.versions_dir)
        return self.get(name)

    def promote(self, version: str, *, reason: str = "", force: bool = False) -> ModelVersion:
        """Make ``version`` the champion in one atomic pointer update.

        Raises
        ------
        ModelNotFound
            When there is no such version.
        GateNotPassed
            When the gate held this version back and ``force`` is False.
        """
        with self.lock():
            target = self.get(version)
            if target.gate_passed is False and not force:
                failed = ", ".join(target.metadata["gate"].get("failed_checks", []))
                raise GateNotPassed(
                    f"Version {version} failed the gate ({failed}). Read its "
                    "report (`labkit models show`), then promote with --force "
                    "if a person decided it is right."
                )
            pointer = self._pointer()
            current = pointer["champion"]
            if current == version:
                return target
            previous = [current, *pointer["previous"]] if current else pointer["previous"]
            self._write_pointer(version, previous, pointer["log"], "promote", reason)
        return target

    def rollback(self, *, reason: str = "") -> ModelVersion:
        """Make the previous champion the champion again (one atomic pointer update).

        Raises
        ------
        ModelNotFound
            When there is no earlier champion to go back to.
        """
        with self.lock():
            pointer = self._pointer()
            if not pointer["previous"]:
                raise ModelNotFound(
                    f"{self.root} has no earlier champion to roll back to "
                    f"(champion: {pointer['champion']})."
                )
            back, *rest = pointer["previous"]
            target = self.get(back)
            self._write_pointer(back, rest, pointer["log"], "rollback", reason)
        return target

    def incomplete(self) -> list[Path]:
        """Leftover ``.incoming-*`` folders of writers that died (safe to delete)."""
        self._require()
        return sorted(p for p in self.versions_dir.iterdir() if p.name.startswith(_INCOMING))

    # -- internals -------------------------------------------------------------------------

    def _require(self) -> None:
        if not self.exists():
            raise RegistryNotFound(
                f"No model registry at {self.root} (no REGISTRY.json). "
                "Check --registry, or run `labkit retrain` to create one."
            )

    def _init(self) -> None:
        if self.exists():
            return
        self.versions_dir.mkdir(parents=True, exist_ok=True)
        _atomic_write_json(
            self.root / "REGISTRY.json", {"format": FORMAT, "format_version": FORMAT_VERSION}
        )

    def _acquire(self, handle: Any) -> None:
        deadline = time.monotonic() + self.lock_timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise RegistryLocked(
                        f"{self.root} stayed locked by another writer for "
                        f"{self.lock_timeout:.0f} s. Is a retrain stuck? "
                        "Check running `labkit` processes."
                    ) from None
                time.sleep(0.1)

    def _next_name(self, metadata: dict[str, Any]) -> str:
        existing = self.versions()
        if not existing:
            return next_version(None, same_spec=False, same_data=False)
        latest = existing[-1]
        return next_version(
            latest.version,
            same_spec=latest.metadata.get("spec") == metadata.get("spec"),
            same_data=latest.metadata.get("data_sha256") == metadata.get("data_sha256"),
        )

    def _stage(self, staging: Path, model_dir: Path, scorer_file: Path, meta: dict) -> None:
        staging.mkdir()
        shutil.copytree(model_dir, staging / MODEL_DIR)
        shutil.copyfile(scorer_file, staging / SCORER_FILE)
        meta = {
            "format_version": FORMAT_VERSION,
            "created_at": now_utc(),
            **meta,
            "scorer_sha256": sha256_of(scorer_file),
        }
        _atomic_write_json(staging / METADATA_FILE, meta)
        for path in staging.rglob("*"):
            if path.is_file():
                _fsync_file(path)

    def _pointer(self) -> dict[str, Any]:
        self._require()
        path = self.root / "champion.json"
        if not path.exists():
            return {"champion": None, "previous": [], "log": []}
        pointer = _read_json(path)
        if not {"champion", "previous", "log"} <= set(pointer):
            raise RegistryCorrupt(
                f"{path} lacks champion/previous/log: it was not written by "
                "labkit. Restore it from a backup."
            )
        return pointer

    def _write_pointer(self, champion: str, previous: list, log: list, action: str, reason: str):
        entry = {"at": now_utc(), "action": action, "version": champion, "reason": reason}
        pointer = {"champion": champion, "previous": previous, "log": [*log, entry]}
        _atomic_write_json(self.root / "champion.json", pointer)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RegistryCorrupt(
            f"{path} is missing: this version was not written by labkit "
            "or was damaged. Delete the folder or restore it."
        ) from exc
    except ValueError as exc:
        raise RegistryCorrupt(
            f"{path} is not valid JSON ({exc}). Restore it from a backup."
        ) from exc
    if not isinstance(raw, dict):
        raise RegistryCorrupt(f"{path} should hold a JSON object, found {type(raw).__name__}.")
    return raw


def _atomic_write_json(path: Path, payload: dict[str, Any]) -> None:
    """Write to a temporary file in the same folder, flush it to disk, then rename over ``path``."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(temporary, "w", encoding="utf-8") as f:
            json.dump(payload, f, indent=2, sort_keys=True)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    _fsync_dir(path.parent)


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def _fsync_dir(path: Path) -> None:
    """Persist a rename: the folder's entry list must reach the disk too."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
