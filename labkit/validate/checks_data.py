"""Checks on the incoming data, run before any training: is this batch like the good ones?

Each function takes this run's figures, the baseline (recent successful runs,
newest first) and its rule from :mod:`labkit.validate.config`, and returns one
:class:`~labkit.validate.report.CheckResult`. With no baseline yet (the very
first run) a comparison passes and says so: there is nothing to compare with.
"""

from __future__ import annotations

import statistics
from typing import Any

from labkit.data import ReadStats
from labkit.registry.history import RunRecord
from labkit.validate.config import (
    BadRecordRule,
    DriftRule,
    InputSizeRule,
    LabelBalanceRule,
    SchemaRule,
)
from labkit.validate.profile import DataProfile, js_distance, linf_distance
from labkit.validate.report import FAIL, PASS, WARN, CheckResult

#: At or above this share of rows without a label, the label column or the null marker is wrong.
MAX_UNLABELLED = 0.5

_NO_BASELINE = "No earlier successful run to compare with; this run starts the baseline."


def baseline_median(baseline: list[RunRecord], *path: str) -> float | None:
    """Median of a figure over the baseline runs that have it, e.g. ``("input", "rows_read")``.

    Examples
    --------
    >>> runs = [RunRecord(f"r{i}", "2026-11-16T06:00:00+00:00", "a", "promoted",
    ...                   input={"rows_read": n}) for i, n in enumerate([10, 30, 20])]
    >>> baseline_median(runs, "input", "rows_read")
    20
    """
    values = [_dig(r.to_dict(), path) for r in baseline]
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _dig(raw: dict[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(raw, dict) or key not in raw:
            return None
        raw = raw[key]
    return raw


def check_bad_records(
    stats: ReadStats, baseline: list[RunRecord], rule: BadRecordRule
) -> CheckResult:
    """Rows rejected at parse: an absolute maximum, and no sudden rise over recent runs."""
    fractions = [ReadStats.from_dict(r.input).bad_fraction for r in baseline if r.input]
    usual = statistics.median(fractions) if fractions else None
    figures: dict[str, Any] = {
        "rows_read": stats.rows_read,
        "rows_rejected": stats.rows_rejected,
        "bad_fraction": round(stats.bad_fraction, 6),
        "baseline_median": None if usual is None else round(usual, 6),
    }
    threshold = f"<= {rule.max_fraction:.1%} and <= baseline + {rule.max_increase:.1%}"
    if stats.bad_fraction > rule.max_fraction:
        top = next(iter(stats.rejected), "unknown")
        reason = (
            f"{stats.bad_fraction:.1%} of the rows were rejected (mostly: {top}), "
            f"above the {rule.max_fraction:.1%} limit: fix the export before retraining."
        )
        return CheckResult("bad_records", FAIL, reason, figures, threshold)
    if usual is not None and stats.bad_fraction > usual + rule.max_increase:
        reason = (
            f"{stats.bad_fraction:.1%} rejected against a usual {usual:.1%}: "
            "the producer's output changed; look at the rejected samples."
        )
        return CheckResult("bad_records", FAIL, reason, figures, threshold)
    reason = f"{stats.rows_rejected:,} of {stats.rows_read:,} rows rejected, within limits."
    return CheckResult("bad_records", PASS, reason, figures, threshold)


def check_input_size(
    stats: ReadStats, baseline: list[RunRecord], rule: InputSizeRule
) -> CheckResult:
    """Rows read against the median of recent good runs: too few and too many both fail."""
    usual = baseline_median(baseline, "input", "rows_read")
    figures: dict[str, Any] = {
        "rows_read": stats.rows_read,
        "size_bytes": stats.size_bytes,
        "baseline_median": usual,
        "ratio": None if not usual else round(stats.rows_read / usual, 4),
        "baseline_runs": len(baseline),
    }
    threshold = f"{rule.min_ratio} <= rows / baseline median <= {rule.max_ratio}"
    if not usual:
        return CheckResult("input_size", PASS, _NO_BASELINE, figures, threshold)
    ratio = stats.rows_read / usual
    if ratio < rule.min_ratio:
        reason = (
            f"{stats.rows_read:,} rows is {ratio:.2f}x the usual {usual:,.0f}: "
            "a partial upload or a filter gone wrong? Check the file is complete."
        )
        return CheckResult("input_size", FAIL, reason, figures, threshold)
    if ratio > rule.max_ratio:
        reason = (
            f"{stats.rows_read:,} rows is {ratio:.2f}x the usual {usual:,.0f}: "
            "a duplicated append or a wider query? Check for repeated rows."
        )
        return CheckResult("input_size", FAIL, reason, figures, threshold)
    reason = f"{stats.rows_read:,} rows, {ratio:.2f}x the usual {usual:,.0f}."
    return CheckResult("input_size", PASS, reason, figures, threshold)


def check_schema(
    profile: DataProfile, reference: DataProfile | None, rule: SchemaRule
) -> CheckResult:
    """Columns, types and category sets against the last good run's data."""
    threshold = (
        f"same columns and types; no category holding >= {rule.category_share:.1%} new or gone"
    )
    if reference is None:
        figures = {"columns": len(profile.columns)}
        return CheckResult("schema", PASS, _NO_BASELINE, figures, threshold)
    missing = sorted(set(reference.columns) - set(profile.columns))
    added = sorted(set(profile.columns) - set(reference.columns))
    retyped = sorted(
        f"{c}: {reference.columns[c]} -> {profile.columns[c]}"
        for c in set(profile.columns) & set(reference.columns)
        if profile.columns[c] != reference.columns[c]
    )
    new, gone, rare = _category_changes(profile, reference, rule.category_share)
    figures = {"missing_columns": missing, "new_columns": added, "retyped": retyped,
               "new_categories": new, "vanished_categories": gone,
               "rare_changes_ignored": rare}  # fmt: skip
    problems = [
        f"columns missing: {', '.join(missing)}" if missing else "",
        f"new columns: {', '.join(added)}" if added else "",
        f"types changed: {'; '.join(retyped)}" if retyped else "",
        f"new categories: {', '.join(new)}" if new else "",
        f"vanished categories: {', '.join(gone)}" if gone else "",
    ]
    problems = [p for p in problems if p]
    if problems:
        reason = "; ".join(problems) + ". Update the column spec or fix the producer."
        return CheckResult("schema", FAIL, reason, figures, threshold)
    note = f" ({rare} rare category change(s) ignored)" if rare else ""
    reason = f"Same {len(profile.columns)} columns, types and category sets{note}."
    return CheckResult("schema", PASS, reason, figures, threshold)


def _category_changes(
    profile: DataProfile, reference: DataProfile, min_share: float
) -> tuple[list[str], list[str], int]:
    """(new ``column=value``s, vanished ones, count of rare changes ignored)."""
    new, gone, rare = [], [], 0
    for column in sorted(set(profile.categories) & set(reference.categories)):
        now, before = profile.categories[column], reference.categories[column]
        for value in sorted(set(now) ^ set(before)):
            side = now if value in now else before
            if side[value] / max(sum(side.values()), 1) < min_share:
                rare += 1
            else:
                (new if value in now else gone).append(f"{column}={value}")
    return new, gone, rare


def drift_distances(profile: DataProfile, reference: DataProfile) -> dict[str, dict[str, float]]:
    """Per column: L-infinity for categories, Jensen–Shannon for numeric histograms.

    Recorded in the history on every run, whether or not a check fails.
    """
    categorical = {
        c: linf_distance(profile.categories[c], reference.categories[c])
        for c in sorted(set(profile.categories) & set(reference.categories))
    }
    numeric = {
        c: js_distance(
            [*profile.histograms[c].counts, profile.histograms[c].missing],
            [*reference.histograms[c].counts, reference.histograms[c].missing],
        )
        for c in sorted(set(profile.histograms) & set(reference.histograms))
        if profile.histograms[c].edges == reference.histograms[c].edges
    }
    return {"categorical_linf": categorical, "numeric_js": numeric}


def check_drift(
    profile: DataProfile, reference: DataProfile | None, rule: DriftRule
) -> CheckResult:
    """Feature distributions against the last good run; names every column that moved."""
    threshold = (
        f"categorical L-inf <= {rule.max_categorical_linf}, numeric JS <= {rule.max_numeric_js}"
    )
    if reference is None:
        return CheckResult("feature_drift", PASS, _NO_BASELINE, {}, threshold)
    distances = drift_distances(profile, reference)
    cat, num = distances["categorical_linf"], distances["numeric_js"]
    drifted = [f"{c} (L-inf {d:.3f})" for c, d in cat.items() if d > rule.max_categorical_linf]
    drifted += [f"{c} (JS {d:.3f})" for c, d in num.items() if d > rule.max_numeric_js]
    figures = {
        "max_categorical_linf": max(cat.values(), default=0.0),
        "max_categorical_column": max(cat, key=cat.get) if cat else None,
        "max_numeric_js": max(num.values(), default=0.0),
        "max_numeric_column": max(num, key=num.get) if num else None,
    }
    if drifted:
        reason = f"Distributions moved in {', '.join(drifted)}: look at those columns' source."
        return CheckResult("feature_drift", FAIL, reason, figures, threshold)
    reason = "Every feature's distribution is close to the last good run's."
    return CheckResult("feature_drift", PASS, reason, figures, threshold)


def check_label_balance(
    profile: DataProfile, baseline: list[RunRecord], rule: LabelBalanceRule
) -> CheckResult:
    """Share of each label against the median share over recent good runs."""
    shares = profile.label_shares()
    history = [DataProfile.from_dict(r.profile).label_shares() for r in baseline if r.profile]
    threshold = f"|share - baseline median| <= {rule.max_change}"
    figures: dict[str, Any] = {"shares": {k: round(v, 4) for k, v in shares.items()}}
    if not history:
        return CheckResult("label_balance", PASS, _NO_BASELINE, figures, threshold)
    labels = sorted(set(shares).union(*history))
    usual = {k: statistics.median(h.get(k, 0.0) for h in history) for k in labels}
    changes = {k: shares.get(k, 0.0) - usual[k] for k in labels}
    worst = max(changes, key=lambda k: abs(changes[k]))
    figures["baseline_median"] = {k: round(v, 4) for k, v in usual.items()}
    figures["max_change"] = round(abs(changes[worst]), 4)
    if abs(changes[worst]) > rule.max_change:
        reason = (
            f"Label {worst!r} is {shares.get(worst, 0.0):.1%} of rows against a usual "
            f"{usual[worst]:.1%}: labels flipped, filtered or mis-joined?"
        )
        return CheckResult("label_balance", FAIL, reason, figures, threshold)
    reason = f"Label shares within {rule.max_change:.0%} of recent runs."
    return CheckResult("label_balance", PASS, reason, figures, threshold)


def check_unlabelled(count: int, rows_kept: int, label: str) -> list[CheckResult]:
    """Rows without a label, when there are any: a warning, or a failure when most are.

    Such rows are left out of training and evaluation (nothing to learn from or judge
    against); a warning says how many, and a failure says the label is probably wrong.

    Examples
    --------
    >>> check_unlabelled(0, 100, "late")
    []
    >>> [(c.verdict, c.blocking) for c in check_unlabelled(3, 100, "late")]
    [('warn', False)]
    >>> check_unlabelled(60, 100, "late")[0].blocks
    True
    """
    if not count:
        return []
    share = count / rows_kept if rows_kept else 1.0
    figures = {"rows_kept": rows_kept, "unlabelled": count, "share": round(share, 4)}
    if share >= MAX_UNLABELLED:
        why = (
            f"{count:,} of {rows_kept:,} rows have no {label!r}: is [spec] label the right "
            "column, and null_value the file's missing-value marker?"
        )
        return [CheckResult("unlabelled", FAIL, why, figures, f"share < {MAX_UNLABELLED}")]
    why = (
        f"{count:,} rows ({share:.1%}) have no {label!r}: left out of training and "
        "evaluation, since a row without an answer can be neither learnt from nor judged."
    )
    threshold = f"warn when any; fail when share >= {MAX_UNLABELLED}"
    return [CheckResult("unlabelled", WARN, why, figures, threshold, blocking=False)]
