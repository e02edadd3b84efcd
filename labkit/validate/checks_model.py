"""Checks on the trained candidate: did it train well, is it good, does it agree, is it exact?

Like the data checks, each function returns one
:class:`~labkit.validate.report.CheckResult` with the figures it compared.
Scores come in as ``(prediction, probability of the positive class)`` pairs,
``None`` where a scorer failed, so nothing here needs Spark.
"""

from __future__ import annotations

import collections
import math
from collections.abc import Sequence
from typing import Any

from labkit.registry.history import RunRecord
from labkit.validate.checks_data import baseline_median
from labkit.validate.config import ConvergenceRule, ParityRule, QualityRule, ShadowRule
from labkit.validate.profile import js_distance
from labkit.validate.report import FAIL, PASS, SKIP, WARN, CheckResult

#: One row's score: (predicted class, probability of the positive class); None = no result.
Score = tuple[float, float] | None
_SCORE_BINS = 20


def check_convergence(
    training: dict[str, Any], baseline: list[RunRecord], rule: ConvergenceRule
) -> CheckResult:
    """Iterations against the median of recent good runs; hitting ``max_iter`` warns."""
    iterations, max_iter = training.get("iterations"), training.get("max_iter")
    usual = baseline_median(baseline, "training", "iterations")
    figures = {"iterations": iterations, "max_iter": max_iter, "baseline_median": usual}
    threshold = f"{rule.min_ratio} <= iterations / baseline median <= {rule.max_ratio}"
    if iterations is None:
        reason = "This model type trains without iterations; nothing to compare."
        return CheckResult("convergence", SKIP, reason, figures, threshold)
    if usual:
        ratio = iterations / usual
        figures["ratio"] = round(ratio, 4)
        if not rule.min_ratio <= ratio <= rule.max_ratio:
            speed = "fast" if ratio < rule.min_ratio else "slow"
            cause = "a constant column or label?" if speed == "fast" else "noise in the data?"
            reason = (
                f"Converged in {iterations} iterations against a usual {usual:g}: "
                f"suspiciously {speed} ({cause})."
            )
            return CheckResult("convergence", FAIL, reason, figures, threshold)
    if max_iter is not None and iterations >= max_iter:
        reason = f"Stopped at maxIter={max_iter}: it may not have converged; raise maxIter."
        return CheckResult("convergence", WARN, reason, figures, threshold, blocking=False)
    if not usual:
        reason = f"Converged in {iterations} iterations; no earlier run to compare with."
        return CheckResult("convergence", PASS, reason, figures, threshold)
    reason = f"Converged in {iterations} iterations, {ratio:.2f}x the usual {usual:g}."
    return CheckResult("convergence", PASS, reason, figures, threshold)


def check_quality(
    name: str,
    candidate: dict[str, float],
    champion: dict[str, float] | None,
    rule: QualityRule,
    *,
    rows: int,
) -> CheckResult:
    """Candidate metrics: an absolute bound each, and the allowed change against the champion.

    Parameters
    ----------
    name : str
        The check's name, e.g. ``"quality_fixed_test"``.
    candidate, champion : dict
        Metric name to value, measured on the same rows (no champion on a first run).
    rule : QualityRule
        Per metric: ``min_value``, ``max_drop`` and the direction.
    rows : int
        How many rows the metrics were measured on (reported, so a person can judge).
    """
    failures, figures = [], {"rows": rows}
    for metric, bound in rule.metrics.items():
        if metric not in candidate:
            continue
        value, sign = candidate[metric], 1 if bound.higher_is_better else -1
        figures[metric] = round(value, 4)
        if sign * (value - bound.min_value) < 0:
            worse = "below" if bound.higher_is_better else "above"
            failures.append(f"{metric} {value:.4f} is {worse} the bound {bound.min_value}")
        if champion and metric in champion:
            figures[f"champion_{metric}"] = round(champion[metric], 4)
            drop = sign * (champion[metric] - value)
            if drop > bound.max_drop:
                failures.append(
                    f"{metric} {value:.4f} is {drop:.4f} worse than the champion's "
                    f"{champion[metric]:.4f} (allowed {bound.max_drop})"
                )
    threshold = "; ".join(
        f"{m} {'>=' if b.higher_is_better else '<='} {b.min_value}, drop <= {b.max_drop}"
        for m, b in rule.metrics.items()
    )
    if failures:
        return CheckResult(name, FAIL, "; ".join(failures) + ".", figures, threshold)
    against = "and no worse than the champion" if champion else "(no champion yet)"
    reason = f"Every metric within its bound {against} on {rows:,} rows."
    return CheckResult(name, PASS, reason, figures, threshold)


def is_valid(score: Score) -> bool:
    """True for a score with a class of 0 or 1 and a probability in [0, 1].

    Examples
    --------
    >>> is_valid((1.0, 0.93)), is_valid(None), is_valid((0.0, float("nan")))
    (True, False, False)
    """
    if score is None:
        return False
    prediction, probability = score
    return prediction in (0.0, 1.0) and not math.isnan(probability) and 0.0 <= probability <= 1.0


def score_histogram(scores: Sequence[Score], bins: int = _SCORE_BINS) -> list[int]:
    """Counts of valid probabilities in ``bins`` equal bins over [0, 1]."""
    counts = [0] * bins
    for score in scores:
        if is_valid(score):
            counts[min(int(score[1] * bins), bins - 1)] += 1
    return counts


def top_score_share(scores: Sequence[Score]) -> float:
    """Share of valid rows holding the single most common probability (to 9 decimals)."""
    values = collections.Counter(round(s[1], 9) for s in scores if is_valid(s))
    total = sum(values.values())
    return values.most_common(1)[0][1] / total if total else 0.0


def check_shadow(
    champion: Sequence[Score], candidate: Sequence[Score], rule: ShadowRule
) -> CheckResult:
    """Champion and candidate on the same rows: agreement, invalid results, score shape, spikes."""
    if len(champion) != len(candidate):
        raise ValueError(
            f"shadow scores must cover the same rows: {len(champion)} champion scores, "
            f"{len(candidate)} candidate scores"
        )
    both = [(a, b) for a, b in zip(champion, candidate, strict=True) if is_valid(a) and is_valid(b)]
    invalid = sum(not is_valid(s) for s in candidate)
    agreement = sum(a[0] == b[0] for a, b in both) / len(both) if both else 0.0
    distance = js_distance(score_histogram(champion), score_histogram(candidate))
    spike, usual_spike = top_score_share(candidate), top_score_share(champion)
    figures = {"rows": len(candidate), "agreement": round(agreement, 4), "invalid": invalid,
               "score_js": round(distance, 4), "top_score_share": round(spike, 4),
               "champion_top_score_share": round(usual_spike, 4)}  # fmt: skip
    threshold = (
        f"agreement >= {rule.min_agreement}, invalid <= {rule.max_invalid}, "
        f"score JS <= {rule.max_score_js}, "
        f"top score share <= champion's + {rule.max_top_score_increase}"
    )
    problems = []
    if invalid > rule.max_invalid:
        problems.append(f"{invalid} rows got no valid score")
    if agreement < rule.min_agreement:
        problems.append(f"the models agree on only {agreement:.1%} of rows")
    if distance > rule.max_score_js:
        problems.append(f"the score distribution moved (JS {distance:.3f})")
    if spike - usual_spike > rule.max_top_score_increase:
        problems.append(
            f"{spike:.0%} of rows share one score (champion: {usual_spike:.0%}): "
            "the model collapsed"
        )
    if problems:
        return CheckResult("shadow_run", FAIL, "; ".join(problems) + ".", figures, threshold)
    reason = f"Agree on {agreement:.1%} of {len(candidate):,} rows; score shapes alike."
    return CheckResult("shadow_run", PASS, reason, figures, threshold)


def check_parity(
    *, rows: int, mismatches: int, max_probability_diff: float | None, rule: ParityRule
) -> CheckResult:
    """The exported scorer against Spark on the same rows."""
    figures = {"rows": rows, "mismatches": mismatches, "max_probability_diff": max_probability_diff}
    threshold = f"mismatches <= {rule.max_mismatches}"
    if mismatches > rule.max_mismatches:
        reason = (
            f"The exported scorer disagrees with Spark on {mismatches:,} of {rows:,} rows: "
            "the file a service would load is not the model that was validated."
        )
        return CheckResult("export_parity", FAIL, reason, figures, threshold)
    reason = f"The exported scorer matches Spark on {rows - mismatches:,} of {rows:,} rows."
    return CheckResult("export_parity", PASS, reason, figures, threshold)
