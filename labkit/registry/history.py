"""Run history: one JSON line per retrain, kept next to the models.

Every run is recorded, good or bad, so a person can see what happened last
Tuesday. Only successful runs (those whose candidate was promoted) form the
*baseline* that later runs are compared with: a run the gate stopped must not
teach the gate that broken data is normal.

The file is append-only JSON Lines. A process killed while appending leaves
at most one partial last line, which is skipped on reading; a bad line
anywhere else is an error naming the line.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from labkit import _json
from labkit.errors import RegistryCorrupt

__all__ = [
    "BLOCKED",
    "CRASHED",
    "HELD",
    "OUTCOMES",
    "PROMOTED",
    "RunHistory",
    "RunRecord",
]

#: Run outcomes. Only ``PROMOTED`` runs form the baseline.
PROMOTED, HELD, BLOCKED, CRASHED = "promoted", "held", "blocked", "crashed"
OUTCOMES = (PROMOTED, HELD, BLOCKED, CRASHED)


@dataclass
class RunRecord:
    """What one retrain saw, did and decided.

    Parameters
    ----------
    run_id : str
        Unique id of the run.
    started_at : str
        ISO 8601 UTC time the run started (its weekday matters for same-weekday baselines).
    data_path : str
        The training data file.
    outcome : str
        ``"promoted"``, ``"held"`` (candidate saved for a person), ``"blocked"``
        (stopped before training) or ``"crashed"``.
    version : str, optional
        The registry version the candidate was saved as.
    input : dict
        The read's :class:`labkit.data.ReadStats` as a dict.
    profile : dict
        The data's :class:`labkit.validate.profile.DataProfile` as a dict.
    training : dict
        E.g. ``{"iterations": 23, "max_iter": 100}``.
    metrics : dict
        ``{"fixed_test": {"auc": ...}, "fresh": {...}}`` of the candidate.
    predictions : dict
        The candidate's prediction distribution on the fresh rows.
    distances : dict
        Raw drift distances per column, recorded even when no check looks at them.
    timings : dict
        Seconds per stage.
    gate : dict
        The gate report as a dict.

    Examples
    --------
    >>> r = RunRecord("r1", "2026-11-16T06:00:00+00:00", "adult.data", "promoted")
    >>> r.weekday
    'Monday'
    """

    run_id: str
    started_at: str
    data_path: str
    outcome: str
    version: str | None = None
    input: dict[str, Any] = field(default_factory=dict)
    profile: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    predictions: dict[str, Any] = field(default_factory=dict)
    distances: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    gate: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {OUTCOMES}, got {self.outcome!r}")

    @property
    def successful(self) -> bool:
        """True when the run's candidate was promoted (only those form the baseline)."""
        return self.outcome == PROMOTED

    @property
    def weekday(self) -> str:
        """The weekday the run started, e.g. ``"Monday"``."""
        return datetime.fromisoformat(self.started_at).strftime("%A")

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON-ready data."""
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> RunRecord:
        """Rebuild a record saved with :meth:`to_dict`."""
        return cls(**raw)


class RunHistory:
    """The append-only run log of one registry.

    Parameters
    ----------
    path : str or Path
        The JSON Lines file (created on first append).

    Examples
    --------
    >>> history = RunHistory(tmp_path / "history.jsonl")
    >>> history.append(RunRecord("r1", "2026-11-16T06:00:00+00:00", "a.csv", "promoted"))
    >>> [r.run_id for r in history.baseline()]
    ['r1']
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def append(self, record: RunRecord) -> None:
        """Add one record as one line, flushed to disk before returning."""
        line = _json.dumps(record.to_dict(), sort_keys=True) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._drop_partial_line()
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())

    def records(self) -> list[RunRecord]:
        """Every record, oldest first (a partial last line from a crash is skipped).

        Raises
        ------
        RegistryCorrupt
            When a complete line is not a run record; the message names the line.
        """
        if not self.path.exists():
            return []
        text = self.path.read_text(encoding="utf-8")
        lines = text.split("\n")
        records = []
        for number, line in enumerate(lines, start=1):
            is_partial_last = number == len(lines)  # no newline after it: an interrupted append
            if not line.strip() or is_partial_last:
                continue
            records.append(self._parse(line, number))
        return records

    def baseline(self, *, window: int = 5, weekday: str | None = None) -> list[RunRecord]:
        """The last ``window`` successful runs, newest first, optionally on one weekday.

        Parameters
        ----------
        window : int, default=5
            How many runs at most.
        weekday : str, optional
            Keep only runs that started on this weekday (e.g. ``"Monday"``).
        """
        if window < 1:
            raise ValueError(f"window must be at least 1, got {window}")
        good = [r for r in reversed(self.records()) if r.successful]
        if weekday is not None:
            good = [r for r in good if r.weekday == weekday]
        return good[:window]

    def _parse(self, line: str, number: int) -> RunRecord:
        try:
            return RunRecord.from_dict(_json.loads(line))
        except (ValueError, TypeError) as exc:
            raise RegistryCorrupt(
                f"{self.path}, line {number}: not a run record ({exc}). The history is "
                "append-only: restore the file from a backup, or delete that line by hand."
            ) from exc

    def _drop_partial_line(self) -> None:
        """Cut a partial last line left by a killed writer: it was never a complete record."""
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):
            with open(self.path, "rb+") as f:
                f.truncate(data.rfind(b"\n") + 1)
