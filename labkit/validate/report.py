"""The gate's verdicts: one :class:`CheckResult` per check, gathered in a :class:`GateReport`.

A check is judged by a person as often as by a cron job, so every result
carries the figures it compared, the threshold it applied, a verdict and one
sentence of reason. The report reads as a table in a notebook and as JSON in
a log; both come from the same fields.
"""

from __future__ import annotations

import html
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from labkit import _json

PASS, WARN, FAIL, SKIP = "pass", "warn", "fail", "skip"
VERDICTS = (PASS, WARN, FAIL, SKIP)
REPORT_FORMAT_VERSION = 1


@dataclass(frozen=True)
class CheckResult:
    """What one check looked at and what it decided.

    Parameters
    ----------
    name : str
        The check's name, e.g. ``"input_size"``.
    verdict : str
        ``"pass"``, ``"warn"`` (shown, never blocks), ``"fail"`` or ``"skip"``.
    reason : str
        One sentence a person can act on.
    figures : dict
        The numbers compared (JSON-ready values only).
    threshold : str
        The rule that was applied, in words and numbers.
    blocking : bool, default=True
        Whether a ``"fail"`` stops the promotion.

    Examples
    --------
    >>> r = CheckResult("input_size", "fail", "Twice the usual rows.",
    ...                 {"rows": 65122, "baseline_median": 32561}, "0.4 <= ratio <= 1.5")
    >>> r.blocks
    True
    """

    name: str
    verdict: str
    reason: str
    figures: dict[str, Any] = field(default_factory=dict)
    threshold: str = ""
    blocking: bool = True

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")

    @property
    def blocks(self) -> bool:
        """True when this result stops the promotion."""
        return self.blocking and self.verdict == FAIL

    def to_dict(self) -> dict[str, Any]:
        """The result as plain JSON-ready data."""
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> CheckResult:
        """Rebuild a result saved with :meth:`to_dict`."""
        return cls(**raw)


def _format_figure(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))  # a median of row counts: 24421, not 2.442e+04
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return str(value)


def format_figures(figures: dict[str, Any]) -> str:
    """``key=value`` pairs, floats to 4 significant digits.

    Examples
    --------
    >>> format_figures({"ratio": 2.000061, "rows": 65122, "median": 24421.0})
    'ratio=2, rows=65122, median=24421'
    """
    return ", ".join(f"{key}={_format_figure(value)}" for key, value in figures.items())


@dataclass
class GateReport:
    """Every check's result; the candidate may be promoted only when none blocks.

    Examples
    --------
    >>> report = GateReport([CheckResult("schema", "pass", "Same columns.")])
    >>> report.passed, report.failed_checks
    (True, [])
    >>> GateReport.from_json(report.to_json()) == report
    True
    """

    results: list[CheckResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when no blocking check failed."""
        return not any(r.blocks for r in self.results)

    @property
    def verdict(self) -> str:
        """``"pass"`` or ``"fail"`` for the whole gate."""
        return PASS if self.passed else FAIL

    @property
    def failed_checks(self) -> list[str]:
        """Names of the checks that block the promotion, in report order."""
        return [r.name for r in self.results if r.blocks]

    def __getitem__(self, name: str) -> CheckResult:
        for result in self.results:
            if result.name == name:
                return result
        raise KeyError(f"no check named {name!r}; the report has {[r.name for r in self.results]}")

    def extend(self, results: list[CheckResult]) -> None:
        """Add results at the end of the report."""
        self.results.extend(results)

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-ready data, with the overall verdict."""
        return {
            "format_version": REPORT_FORMAT_VERSION,
            "verdict": self.verdict,
            "failed_checks": self.failed_checks,
            "checks": [r.to_dict() for r in self.results],
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The report as a JSON document (what a cron job keeps)."""
        return _json.dumps(self.to_dict(), indent=indent, sort_keys=False)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> GateReport:
        """Rebuild a report saved with :meth:`to_dict`."""
        return cls([CheckResult.from_dict(r) for r in raw.get("checks", [])])

    @classmethod
    def from_json(cls, text: str) -> GateReport:
        """Rebuild a report saved with :meth:`to_json`."""
        return cls.from_dict(_json.loads(text))

    def rows(self) -> list[dict[str, str]]:
        """One dict of display strings per check: check, verdict, figures, threshold, reason."""
        return [
            {
                "check": r.name,
                "verdict": r.verdict.upper() if r.blocks else r.verdict,
                "figures": format_figures(r.figures),
                "threshold": r.threshold,
                "reason": r.reason,
            }
            for r in self.results
        ]

    def to_frame(self):
        """The report as a pandas DataFrame (one row per check), for notebooks."""
        import pandas as pd

        return pd.DataFrame(
            self.rows(), columns=["check", "verdict", "figures", "threshold", "reason"]
        )

    def __str__(self) -> str:
        lines = [f"gate: {self.verdict.upper()}"]
        for row in self.rows():
            lines.append(f"[{row['verdict']:>4}] {row['check']}: {row['reason']}")
            if row["figures"]:
                lines.append(f"       compared: {row['figures']}")
            if row["threshold"]:
                lines.append(f"       threshold: {row['threshold']}")
        return "\n".join(lines)

    def _repr_pretty_(self, printer, cycle) -> None:  # plain text in Jupyter
        printer.text(str(self))

    def _repr_html_(self) -> str:
        cells = "".join(
            "<tr>" + "".join(f"<td>{html.escape(value)}</td>" for value in row.values()) + "</tr>"
            for row in self.rows()
        )
        head = "".join(
            f"<th>{h}</th>" for h in ("check", "verdict", "figures", "threshold", "reason")
        )
        return (
            f"<p><b>gate: {self.verdict.upper()}</b></p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>"
        )
