"""What a read did: rows read, kept and rejected by reason, warnings, and the fix for each."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from labkit import _json


@dataclass
class BadRecord:
    """One rejected line: why, and what it said."""

    reason: str
    line: str


@dataclass
class ReadStats:
    """What happened while reading a file: kept in the run history for the next run.

    ``rejected`` counts the lines Spark's parser refused, by reason;
    ``warnings`` counts kept rows with damage Spark does not refuse (bytes
    invalid in the encoding, a byte-order mark, a left-over ``\\r``);
    ``fixes`` says, for a reason or warning whose cause is known, what to change.

    Examples
    --------
    >>> stats = ReadStats(path="x.csv", rows_read=10, rows_kept=9,
    ...                   rejected={"wrong field count (3 instead of 4)": 1})
    >>> stats.rows_rejected, stats.bad_fraction
    (1, 0.1)
    >>> ReadStats.from_json(stats.to_json()) == stats
    True
    """

    path: str
    rows_read: int
    rows_kept: int
    rejected: dict[str, int] = field(default_factory=dict)
    nulls: dict[str, int] = field(default_factory=dict)
    samples: list[BadRecord] = field(default_factory=list)
    max_bad_fraction: float = 0.1
    sha256: str | None = None
    size_bytes: int | None = None
    warnings: dict[str, int] = field(default_factory=dict)
    fixes: dict[str, str] = field(default_factory=dict)

    @property
    def rows_rejected(self) -> int:
        """Rows that were read but not kept."""
        return sum(self.rejected.values())

    @property
    def bad_fraction(self) -> float:
        """Share of the rows read that were rejected (0 for an empty read)."""
        return self.rows_rejected / self.rows_read if self.rows_read else 0.0

    def summary(self) -> str:
        """A few lines a person can read: counts, reasons with their fixes, warnings, samples."""
        lines = [
            f"{self.path}: read {self.rows_read:,} rows, kept {self.rows_kept:,}, "
            f"rejected {self.rows_rejected:,} ({self.bad_fraction:.1%}; "
            f"limit {self.max_bad_fraction:.0%})"
        ]
        for reason, count in self.rejected.items():
            lines.append(f"  {count:>7,}  {reason}")
            if reason in self.fixes:
                lines.append(f"           fix: {self.fixes[reason]}")
        for warning, count in self.warnings.items():
            lines.append(f"  warning: {count:,} kept rows with {warning}")
            if warning in self.fixes:
                lines.append(f"           fix: {self.fixes[warning]}")
        lines += [f"  e.g. [{s.reason}] {s.line!r}" for s in self.samples]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A plain dict of the figures (JSON-ready); empty warnings and fixes are left out."""
        raw = asdict(self)
        for name in ("warnings", "fixes"):
            if not raw[name]:
                del raw[name]
        return raw

    def to_json(self) -> str:
        """The figures as a JSON document."""
        return _json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ReadStats:
        """Rebuild stats saved with :meth:`to_dict`."""
        samples = [BadRecord(**s) for s in raw.get("samples", [])]
        return cls(**{**raw, "samples": samples})

    @classmethod
    def from_json(cls, text: str) -> ReadStats:
        """Rebuild stats saved with :meth:`to_json`."""
        return cls.from_dict(_json.loads(text))
