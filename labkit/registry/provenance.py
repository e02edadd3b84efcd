"""Where a version came from, and proof it is still what was saved.

Each version's ``metadata.json`` records the code (git commit), the data
(sha256), the time, and the sha256 of its exported scorer. The scorer's hash
is checked every time the scorer is loaded: a ``scorer.json`` edited after it
was registered (its labels swapped, say) is refused, never served.

Examples
--------
>>> now_utc()  # doctest: +SKIP
'2026-12-02T13:45:00+00:00'
>>> len(now_utc()) == len("2026-12-02T13:45:00+00:00")
True
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from labkit import _json
from labkit.errors import RegistryCorrupt

__all__ = ["git_commit", "now_utc", "read_json_object", "scorer_sha256", "verify_scorer"]

_SHA256 = re.compile(r"[0-9a-f]{64}\Z")


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
    import subprocess  # only a writer records provenance

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


def scorer_sha256(path: str | Path) -> str:
    """The hex sha256 of a scorer file (the value ``metadata.json`` records).

    Examples
    --------
    >>> _ = (tmp_path / "scorer.json").write_text("{}")
    >>> scorer_sha256(tmp_path / "scorer.json")[:12]
    '44136fa355b3'
    """
    from labkit.data import sha256_of

    return sha256_of(path)


def verify_scorer(version: str, scorer_path: Path, metadata: dict[str, Any], source: Path) -> None:
    """Raise unless ``scorer_path`` still has the sha256 recorded in ``metadata``.

    Parameters
    ----------
    version : str
        The version's name, for the message.
    scorer_path : Path
        Its ``scorer.json``.
    metadata : dict
        Its metadata, read from ``source``.
    source : Path
        Its ``metadata.json``, for the message.

    Raises
    ------
    RegistryCorrupt
        Naming the version, the file, both hashes and the fix.

    Examples
    --------
    >>> scorer = tmp_path / "scorer.json"
    >>> _ = scorer.write_text("{}")
    >>> verify_scorer("1.0.0", scorer, {"scorer_sha256": scorer_sha256(scorer)}, tmp_path)
    >>> _ = scorer.write_text('{"changed": true}')
    >>> verify_scorer("1.0.0", scorer, {"scorer_sha256": "44136fa3" + 56 * "0"}, tmp_path)
    Traceback (most recent call last):
    ...
    labkit.errors.RegistryCorrupt: Version 1.0.0: .../scorer.json has sha256 ...
    """
    recorded = metadata.get("scorer_sha256")
    if not isinstance(recorded, str) or not _SHA256.match(recorded):
        raise RegistryCorrupt(
            f"Version {version}: {source} field 'scorer_sha256' should be 64 hex digits, "
            f"found {recorded!r}, so {scorer_path} cannot be checked. Restore the metadata "
            "from a backup, or export the model again and add it as a new version."
        )
    try:
        found = scorer_sha256(scorer_path)
    except FileNotFoundError as exc:
        raise RegistryCorrupt(
            f"Version {version}: {scorer_path} is missing. Restore it from a backup, or "
            "export the model again and add it as a new version."
        ) from exc
    if found != recorded:
        raise RegistryCorrupt(
            f"Version {version}: {scorer_path} has sha256 {found}, but {source} recorded "
            f"{recorded} when the version was added. The scorer was changed since (it may "
            "not score like the model that passed the gate), so it is not loaded. Restore "
            "it from a backup, or export the model again and add it as a new version."
        )


def read_json_object(path: Path) -> dict[str, Any]:
    """Read a registry JSON file that must hold an object.

    Raises
    ------
    RegistryCorrupt
        When it is missing, not JSON, or not an object; the message names the file.

    Examples
    --------
    >>> _ = (tmp_path / "metadata.json").write_text('{"version": "1.0.0"}')
    >>> read_json_object(tmp_path / "metadata.json")
    {'version': '1.0.0'}
    """
    try:
        raw = _json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RegistryCorrupt(
            f"{path} is missing: this version was not written by labkit "
            "or was damaged. Delete the folder or restore it from a backup."
        ) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise RegistryCorrupt(
            f"{path} is not valid JSON ({exc}). Restore it from a backup."
        ) from exc
    if not isinstance(raw, dict):
        raise RegistryCorrupt(
            f"{path} should hold a JSON object, found {type(raw).__name__}. "
            "Restore it from a backup."
        )
    return raw
