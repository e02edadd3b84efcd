"""Champion against challenger, read from a scoring log.

Three questions, in the order they should be asked:

1. Do the two models agree? (shadow pairs: the same rows scored by both)
2. How do their scores and latencies differ? (per arm)
3. Did either of them help? (the business outcome per arm, joined back by key,
   against a control group that got no model at all)

The third is the one that matters and the one most often skipped: a model
that predicts who would have converted anyway looks excellent on its own
users and changes nothing. Only the control arm tells the two apart.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from labkit.serving.log import ARMS, Scored


def positive_score(output: Any) -> float | None:
    """Return the probability of the positive class from a scorer's output.

    Accepts a bare number, a mapping with ``"probability"`` (a number, or a
    list whose last element is the positive class, as Spark orders it) or an
    object with a ``probability`` attribute. Returns None for a row the
    pipeline skipped (its probability is null).

    Examples
    --------
    >>> positive_score(0.25), positive_score({"probability": [0.75, 0.25]})
    (0.25, 0.25)
    """
    if isinstance(output, Mapping):
        if output.get("skipped") is not None:
            return None
        output = output.get("probability", output.get("score"))
    elif hasattr(output, "probability"):
        output = output.probability
    if isinstance(output, (list, tuple)) or hasattr(output, "tolist"):
        output = list(output)[-1]
    if isinstance(output, bool) or not isinstance(output, (int, float)):
        raise TypeError(
            f"cannot find a probability in scorer output {output!r:.80}; expected a number or "
            "a mapping with 'probability'. Pass score=... to say how to read it."
        )
    return float(output)


@dataclass(frozen=True)
class ArmSummary:
    """What one arm did: how often, with which model, what it scored, how fast, what followed."""

    arm: str
    versions: tuple[str, ...]
    requests: int
    score_mean: float | None
    score_p50: float | None
    latency_p50_ms: float | None
    latency_p99_ms: float | None
    outcomes: int
    outcome_rate: float | None


@dataclass(frozen=True)
class Comparison:
    """The champion/challenger report: per-arm summaries and shadow agreement.

    ``agreement`` is the share of shadow pairs where both models land on the
    same side of ``threshold``; ``mean_abs_score_diff`` the mean distance
    between their scores. Both are ``None`` when no shadow pair was logged.
    """

    arms: dict[str, ArmSummary]
    shadow_pairs: int
    shadow_errors: int
    agreement: float | None
    mean_abs_score_diff: float | None
    threshold: float

    def rows(self) -> list[dict[str, Any]]:
        """One dict per arm, ready for ``pandas.DataFrame(report.rows())``."""
        return [vars(summary).copy() for summary in self.arms.values()]

    def uplift(self, arm: str, baseline: str = "control") -> tuple[float, float, float]:
        """Outcome rate of ``arm`` minus ``baseline``'s, with a 95% interval.

        Uses the normal approximation for a difference of two proportions, so
        outcomes should be 0/1.

        Returns
        -------
        difference, low, high : float
        """
        a, b = self.arms[arm], self.arms[baseline]
        if not a.outcomes or not b.outcomes:
            raise ValueError(
                f"no outcomes joined for arm {arm!r} ({a.outcomes}) or {baseline!r} "
                f"({b.outcomes}); pass outcomes= to compare_arms for both."
            )
        p, q = a.outcome_rate, b.outcome_rate
        spread = 1.96 * math.sqrt(p * (1 - p) / a.outcomes + q * (1 - q) / b.outcomes)
        return p - q, p - q - spread, p - q + spread

    def __str__(self) -> str:
        lines = [
            f"{'arm':<11} {'versions':<10} {'requests':>9} {'mean score':>10} "
            f"{'outcomes':>9} {'outcome rate':>12}"
        ]
        for s in self.arms.values():
            lines.append(
                f"{s.arm:<11} {','.join(s.versions) or '-':<10} {s.requests:>9,} "
                f"{_fmt(s.score_mean):>10} {s.outcomes:>9,} {_fmt(s.outcome_rate):>12}"
            )
        lines.append(
            f"shadow pairs: {self.shadow_pairs:,}, agreement at {self.threshold}: "
            f"{_fmt(self.agreement)}, mean |score difference|: "
            f"{_fmt(self.mean_abs_score_diff)}, shadow errors: {self.shadow_errors:,}"
        )
        return "\n".join(lines)


def compare_arms(
    records: Iterable[Scored],
    *,
    outcomes: Mapping[str, float] | None = None,
    threshold: float = 0.5,
    score: Callable[[Any], float] = positive_score,
) -> Comparison:
    """Summarise a scoring log by arm, and how far champion and challenger agree.

    Parameters
    ----------
    records : iterable of Scored
        Typically ``read_scoring_log(path)``.
    outcomes : mapping of key to float, optional
        The business outcome observed for each key afterwards (e.g. 1 if the
        customer converted). Keys without an outcome are left out of the rate.
    threshold : float, default=0.5
        Scores at or above it count as a positive decision, for agreement.
    score : callable, default=positive_score
        Reads a probability from a scorer's output.

    Returns
    -------
    report : Comparison

    Examples
    --------
    >>> def record(key, arm, p, shadow_p):
    ...     return Scored(ts="2026-11-21T07:00:00+00:00", request_id=key, key=key, arm=arm,
    ...                   version="1", input={}, output=p, latency_ms=1.0,
    ...                   shadow_version="2", shadow_output=shadow_p)
    >>> report = compare_arms([record("a", "champion", 0.9, 0.8),
    ...                        record("b", "champion", 0.2, 0.6)], outcomes={"a": 1, "b": 0})
    >>> report.agreement, report.arms["champion"].outcome_rate
    (0.5, 0.5)
    """
    records = list(records)
    arms = {
        arm: _summarise(arm, [r for r in records if r.arm == arm], outcomes, score)
        for arm in ARMS
        if any(r.arm == arm for r in records)
    }
    both = [(score(r.output), score(r.shadow_output)) for r in records
            if r.output is not None and r.shadow_output is not None]  # fmt: skip
    pairs = [(a, b) for a, b in both if a is not None and b is not None]  # skipped rows: no score
    agreement = _mean([(a >= threshold) == (b >= threshold) for a, b in pairs])
    return Comparison(
        arms=arms,
        shadow_pairs=len(pairs),
        shadow_errors=sum(r.shadow_error is not None for r in records),
        agreement=agreement,
        mean_abs_score_diff=_mean([abs(a - b) for a, b in pairs]),
        threshold=threshold,
    )


def scores_by_arm(
    records: Iterable[Scored], *, score: Callable[[Any], float] = positive_score
) -> dict[str, list[float]]:
    """The answering model's scores for each arm (for a histogram); control has none."""
    result: dict[str, list[float]] = {}
    for record in records:
        value = None if record.output is None else score(record.output)
        if value is not None:
            result.setdefault(record.arm, []).append(value)
    return result


def _summarise(
    arm: str,
    records: list[Scored],
    outcomes: Mapping[str, float] | None,
    score: Callable[[Any], float],
) -> ArmSummary:
    scores = sorted(scores_by_arm(records, score=score).get(arm, []))
    latencies = sorted(r.latency_ms for r in records if r.output is not None)
    observed = [outcomes[r.key] for r in records if outcomes and r.key in outcomes]
    return ArmSummary(
        arm=arm,
        versions=tuple(sorted({r.version for r in records if r.version is not None})),
        requests=len(records),
        score_mean=_mean(scores),
        score_p50=_quantile(scores, 0.5),
        latency_p50_ms=_quantile(latencies, 0.5),
        latency_p99_ms=_quantile(latencies, 0.99),
        outcomes=len(observed),
        outcome_rate=_mean(observed),
    )


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _quantile(ordered: list[float], q: float) -> float | None:
    """Linear-interpolation quantile of sorted values (numpy's default method)."""
    if not ordered:
        return None
    position = q * (len(ordered) - 1)
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
