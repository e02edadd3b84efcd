"""The store: versions written whole and never overwritten, one champion, safe to read anytime.

A version is written in full under ``versions/.incoming-*``, flushed to disk,
then renamed to its final name in one step, so a crash leaves either nothing
or a leftover ``.incoming-*`` folder that no reader mistakes for a version.
Reading takes no lock and imports no platform module; writers serialise on
``.lock`` (see :mod:`labkit.registry._lock`, imported by the first write).

Examples
--------
>>> registry = Registry(tmp_path / "store")
>>> registry.exists()
False
>>> with registry.lock():  # the first writer creates the registry
...     pass
>>> registry.versions(), registry.damaged(), registry.champion_version()
([], [], None)
"""

from __future__ import annotations

import contextlib
import difflib
import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from labkit import _json
from labkit._atomic import atomic_write, fsync_dir, fsync_file
from labkit.errors import (
    GateNotPassed,
    ModelNotFound,
    RegistryCorrupt,
    RegistryNotFound,
    VersionExists,
)
from labkit.registry.history import RunHistory
from labkit.registry.names import check_version_name, is_version_name, next_version, parse_version
from labkit.registry.pointer import read_pointer, write_pointer
from labkit.registry.provenance import now_utc, read_json_object, scorer_sha256
from labkit.registry.versions import (
    METADATA_FILE,
    MODEL_DIR,
    SCORER_FILE,
    DamagedVersion,
    ModelVersion,
)

__all__ = ["FORMAT", "FORMAT_VERSION", "Registry"]

FORMAT = "labkit-registry"
FORMAT_VERSION = 1
POINTER_FILE, MARKER_FILE, HISTORY_FILE = "champion.json", "REGISTRY.json", "history.jsonl"
_INCOMING = ".incoming-"


class Registry:
    """A folder of model versions with one champion.

    Layout::

        registry/
          REGISTRY.json     {"format": "labkit-registry", "format_version": 1}
          champion.json     the pointer (labkit.registry.pointer)
          history.jsonl     one line per retrain (labkit.registry.history)
          versions/1.0.0/   model/ (Spark), scorer.json (exported), metadata.json
          .lock             serialises writers

    Parameters
    ----------
    root : str or Path
        The registry folder; created by the first write (:meth:`add` or :meth:`lock`),
        never by :meth:`promote`, :meth:`rollback` or a read.
    lock_timeout : float, default=600
        Seconds to wait for another writer before giving up.

    Examples
    --------
    >>> registry = Registry(tmp_path / "registry")
    >>> registry.champion_version()  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    labkit.errors.RegistryNotFound: No model registry at .../registry (no REGISTRY.json). ...
    >>> v = registry.add(model_dir, scorer_file, {"data_sha256": "ab12"})  # doctest: +SKIP
    >>> registry.promote(v.version, reason="first model").version  # doctest: +SKIP
    '1.0.0'
    """

    def __init__(self, root: str | Path, *, lock_timeout: float = 600.0) -> None:
        self.root = Path(root)
        self.lock_timeout = lock_timeout
        self._holder: int | None = None  # thread id holding the lock through this object

    # -- reading ---------------------------------------------------------------------------

    @property
    def versions_dir(self) -> Path:
        """The folder holding one sub-folder per version."""
        return self.root / "versions"

    @property
    def history(self) -> RunHistory:
        """The registry's run history."""
        return RunHistory(self.root / HISTORY_FILE)

    def exists(self) -> bool:
        """True when ``root`` holds a registry."""
        return (self.root / MARKER_FILE).is_file()

    def versions(self) -> list[ModelVersion]:
        """Every complete, readable version, oldest first (see :meth:`damaged` for the rest)."""
        return self._scan()[0]

    def damaged(self) -> list[DamagedVersion]:
        """Version folders whose metadata cannot be read, oldest first, each with its problem."""
        return self._scan()[1]

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
        if not is_version_name(version) or not (self.versions_dir / version).is_dir():
            known = self._version_names()
            close = difflib.get_close_matches(str(version), known, n=3)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise ModelNotFound(
                f"No version {version!r} in {self.root}.{hint} "
                f"Versions: {', '.join(known) or 'none'}."
            )
        return self._read_version(version)

    def load_scorer(self, version: str) -> Any:
        """Load ``version``'s exported scorer, checked against its recorded sha256."""
        return self.get(version).load_scorer()

    def champion_version(self) -> str | None:
        """The champion's version name, or None before the first promotion.

        Cheap enough to poll: it reads ``champion.json`` only (no version folder).
        """
        self._require()
        return read_pointer(self.root / POINTER_FILE)["champion"]

    def champion(self) -> ModelVersion | None:
        """The current champion, or None before the first promotion."""
        version = self.champion_version()
        return None if version is None else self.get(version)

    def pointer(self) -> dict[str, Any]:
        """The champion pointer: ``champion``, ``previous`` (newest first) and ``log``."""
        self._require()
        return read_pointer(self.root / POINTER_FILE)

    def incomplete(self) -> list[Path]:
        """Leftover ``.incoming-*`` folders of writers that died (safe to delete)."""
        self._require()
        return sorted(p for p in self.versions_dir.iterdir() if p.name.startswith(_INCOMING))

    # -- writing ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the registry's writer lock for the block, creating the registry if needed.

        Re-entrant for the thread that holds it; other threads and processes wait
        (each opens its own lock file handle, and the operating system serialises those).
        """
        if self._holder == threading.get_ident():
            yield
            return
        from labkit.registry._lock import hold  # a platform module, for writers only

        self._init()
        with hold(self.root / ".lock", timeout=self.lock_timeout, holder=str(self.root)):
            self._holder = threading.get_ident()
            try:
                yield
            finally:
                self._holder = None

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
        newest one (major when ``metadata["spec"]`` changed, minor when
        ``metadata["data_sha256"]`` changed, else patch). A damaged old version
        does not block this: its name still counts, and the newest readable
        version's metadata is compared.

        Raises
        ------
        InvalidVersionName
            When ``version`` is not ``MAJOR.MINOR.PATCH``; nothing is written.
        VersionExists
            When ``version`` is taken: versions are never overwritten.
        FileNotFoundError
            When ``model_dir`` or ``scorer_file`` is missing.
        """
        if version is not None:
            check_version_name(version)
        model_dir, scorer_file = Path(model_dir), Path(scorer_file)
        for path, kind in ((model_dir, "Spark model folder"), (scorer_file, "scorer file")):
            if not path.exists():
                raise FileNotFoundError(f"No {kind} at {path}: save or export it first.")
        with self.lock():
            name = version if version is not None else self._next_name(metadata)
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
            fsync_dir(self.versions_dir)
        return self.get(name)

    def promote(self, version: str, *, reason: str = "", force: bool = False) -> ModelVersion:
        """Make ``version`` the champion in one atomic pointer update.

        Raises
        ------
        RegistryNotFound
            When ``root`` is not a registry (nothing is created).
        ModelNotFound
            When there is no such version.
        RegistryCorrupt
            When its scorer does not load or is not the one registered; ``force``
            does not override this (a server could not serve it).
        GateNotPassed
            When the gate held this version back and ``force`` is False.
        """
        self._require()
        with self.lock():
            pointer = self.pointer()
            target = self.get(version)
            self._check_loads(target, "promote", pointer["champion"])
            if target.gate_passed is False and not force:
                gate = target.metadata["gate"]
                failed = ", ".join(map(str, gate.get("failed_checks") or []))
                raise GateNotPassed(
                    f"Version {version} failed the gate ({failed}). Read its "
                    "report (`labkit models show`), then promote with --force "
                    "if a person decided it is right."
                )
            if pointer["champion"] != version:
                write_pointer(self.root / POINTER_FILE, pointer, version, "promote", reason)
        return target

    def rollback(self, *, reason: str = "") -> ModelVersion:
        """Make the previous champion the champion again (one atomic pointer update).

        Raises
        ------
        RegistryNotFound
            When ``root`` is not a registry (nothing is created).
        ModelNotFound
            When there is no earlier champion to go back to.
        RegistryCorrupt
            When the earlier champion's scorer does not load.
        """
        self._require()
        with self.lock():
            pointer = self.pointer()
            if not pointer["previous"]:
                raise ModelNotFound(
                    f"{self.root} has no earlier champion to roll back to "
                    f"(champion: {pointer['champion']})."
                )
            target = self.get(pointer["previous"][0])
            self._check_loads(target, "roll back to", pointer["champion"])
            write_pointer(self.root / POINTER_FILE, pointer, target.version, "rollback", reason)
        return target

    # -- internals -------------------------------------------------------------------------

    def _require(self) -> None:
        if not self.exists():
            raise RegistryNotFound(
                f"No model registry at {self.root} (no {MARKER_FILE}).{_did_you_mean(self.root)}"
                " Check --registry, or run `labkit retrain` to create one."
            )

    def _init(self) -> None:
        if self.exists():
            return
        self.versions_dir.mkdir(parents=True, exist_ok=True)
        marker = {"format": FORMAT, "format_version": FORMAT_VERSION}
        atomic_write(self.root / MARKER_FILE, _json.dumps(marker, indent=2) + "\n")

    def _version_names(self) -> list[str]:
        names = [
            p.name for p in self.versions_dir.iterdir() if is_version_name(p.name) and p.is_dir()
        ]
        return sorted(names, key=parse_version)

    def _read_version(self, name: str) -> ModelVersion:
        path = self.versions_dir / name
        metadata = read_json_object(path / METADATA_FILE)
        if metadata.get("version", name) != name:
            raise RegistryCorrupt(
                f"{path / METADATA_FILE}: field 'version' is {metadata['version']!r} but the "
                f"folder is {name}: was the folder renamed by hand? Rename it back."
            )
        return ModelVersion(name, path, metadata)

    def _scan(self) -> tuple[list[ModelVersion], list[DamagedVersion]]:
        self._require()
        readable, damaged = [], []
        for name in self._version_names():
            try:
                readable.append(self._read_version(name))
            except RegistryCorrupt as exc:
                damaged.append(DamagedVersion(name, self.versions_dir / name, str(exc)))
        return readable, damaged

    def _next_name(self, metadata: dict[str, Any]) -> str:
        names, readable = self._version_names(), self.versions()
        if not names:
            return next_version(None, same_spec=False, same_data=False)
        reference = readable[-1].metadata if readable else {}
        return next_version(
            names[-1],  # the newest name, even if damaged: the next one must be new
            same_spec=bool(readable) and reference.get("spec") == metadata.get("spec"),
            same_data=bool(readable)
            and reference.get("data_sha256") == metadata.get("data_sha256"),
        )

    def _stage(self, staging: Path, model_dir: Path, scorer_file: Path, meta: dict) -> None:
        staging.mkdir()
        shutil.copytree(model_dir, staging / MODEL_DIR)
        shutil.copyfile(scorer_file, staging / SCORER_FILE)
        meta = {
            "format_version": FORMAT_VERSION,
            "created_at": now_utc(),
            **meta,
            "scorer_sha256": scorer_sha256(staging / SCORER_FILE),
        }
        atomic_write(staging / METADATA_FILE, _json.dumps(meta, indent=2, sort_keys=True) + "\n")
        for path in staging.rglob("*"):
            if path.is_file():
                fsync_file(path)

    def _check_loads(self, target: ModelVersion, action: str, champion: str | None) -> None:
        """Refuse to make ``target`` the champion unless a server could load it."""
        stays = f"The champion stays {champion}." if champion else "There is still no champion."
        try:
            target.load_scorer()
        except RegistryCorrupt as exc:
            raise RegistryCorrupt(f"Cannot {action} {target.version}. {exc} {stays}") from exc
        except Exception as exc:  # any reason it cannot load means it cannot be served
            raise RegistryCorrupt(
                f"Cannot {action} {target.version}: its scorer {target.scorer_path} does not "
                f"load ({type(exc).__name__}: {exc}), so no server could serve it. {stays} "
                "Export the model again and add it as a new version."
            ) from exc


def _did_you_mean(root: Path) -> str:
    """`` Did you mean <sibling>?`` when a registry beside ``root`` has a close name."""
    try:
        siblings = [p.name for p in root.parent.iterdir() if (p / MARKER_FILE).is_file()]
    except OSError:
        return ""
    close = difflib.get_close_matches(root.name, siblings, n=1)
    return f" Did you mean {root.parent / close[0]}?" if close else ""
