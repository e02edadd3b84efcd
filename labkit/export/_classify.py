"""From raw scores to Spark's probability and class: the rules all classifiers share.

Spark's ``ProbabilisticClassificationModel`` turns a raw score vector into a
class by ``argmax`` (the first maximum wins, NaN never does), or, when
``thresholds`` are set, by the argmax of ``probability[i] / thresholds[i]``.
Sums are taken left to right from 0.0, as the JVM does, so results match to the bit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from labkit.export._base import np


def jexp(x: float) -> float:
    """``math.exp`` that overflows to inf, as the JVM's ``Math.exp`` does, instead of raising."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def seq_sum(values: Sequence[float]) -> float:
    """Sum left to right from 0.0 (Python 3.12+'s ``sum`` compensates; Spark does not)."""
    total = 0.0
    for value in values:
        total += value
    return total


def argmax(values: Sequence[float]) -> int:
    """Index of the first maximum, as Spark's ``DenseVector.argmax`` (NaN never wins)."""
    best, best_value = 0, values[0]
    for i in range(1, len(values)):
        if values[i] > best_value:
            best, best_value = i, values[i]
    return best


def argmax_thresholded(probability: Sequence[float], thresholds: Sequence[float]) -> int:
    """Spark's ``probability2prediction`` with ``thresholds``: argmax of ``p_i / t_i``."""
    best, best_value = 0, -float("inf")
    for i, (p, t) in enumerate(zip(probability, thresholds, strict=True)):
        scaled = _divide(p, t)
        if scaled > best_value:
            best, best_value = i, scaled
    return best


def _divide(p: float, t: float) -> float:
    """``p / t`` with the JVM's rules for t = 0 (inf, or NaN when p is 0 too)."""
    if t != 0:
        return p / t
    return float("nan") if p == 0 or p != p else float("inf")


def normalize(raw: Sequence[float]) -> tuple[float, ...]:
    """Spark's ``normalizeToProbabilitiesInPlace``: divide each entry by the sum."""
    total = seq_sum(raw)
    return tuple(v / total for v in raw)


# ---------------------------------------------------------------------------
# The same rules on a batch: arrays of shape (rows, classes)
# ---------------------------------------------------------------------------


def seq_sum_batch(matrix: Any) -> Any:
    """Row sums, left to right from 0.0 (numpy's own sum adds pairwise)."""
    total = np.zeros(matrix.shape[0])
    for k in range(matrix.shape[1]):
        total = total + matrix[:, k]
    return total


def argmax_batch(matrix: Any) -> Any:
    """Row-wise first maximum, NaN never winning (like :func:`argmax`)."""
    best = np.zeros(matrix.shape[0], dtype=np.int64)
    best_value = matrix[:, 0].copy()
    for k in range(1, matrix.shape[1]):
        better = matrix[:, k] > best_value
        best[better] = k
        best_value[better] = matrix[better, k]
    return best


def argmax_thresholded_batch(probability: Any, thresholds: Sequence[float]) -> Any:
    """Row-wise :func:`argmax_thresholded`."""
    scaled = np.empty_like(probability)
    for k, t in enumerate(thresholds):
        column = probability[:, k]
        if t != 0:
            scaled[:, k] = column / t
        else:
            scaled[:, k] = np.where((column == 0) | np.isnan(column), np.nan, np.inf)
    best = np.zeros(probability.shape[0], dtype=np.int64)
    best_value = np.full(probability.shape[0], -np.inf)
    for k in range(probability.shape[1]):
        better = scaled[:, k] > best_value
        best[better] = k
        best_value[better] = scaled[better, k]
    return best


def normalize_batch(raw: Any) -> Any:
    """Row-wise :func:`normalize`."""
    return raw / seq_sum_batch(raw)[:, None]
