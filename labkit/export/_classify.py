"""From raw scores to Spark's probability and class: the rules all classifiers share.

Spark's ``ProbabilisticClassificationModel`` turns a raw score vector into a
class by ``argmax`` (the first maximum wins, NaN never does), or, when
``thresholds`` are set, by the argmax of ``probability[i] / thresholds[i]``.
Sums are taken left to right from 0.0, as the JVM does, so results match to the bit.
The row rules live in :mod:`labkit.export._runtime`; this module adds their
vectorised form for batches.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from labkit.export._base import np
from labkit.export._runtime import argmax, argmax_thresholded, jexp, normalize, seq_sum

__all__ = ["argmax", "argmax_batch", "argmax_thresholded", "argmax_thresholded_batch", "jexp",
           "normalize", "normalize_batch", "seq_sum", "seq_sum_batch"]  # fmt: skip


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
    """Row-wise :func:`normalize`: the rows whose sum is not > 0 (Spark fails on them) are NaN."""
    total = seq_sum_batch(raw)
    with np.errstate(invalid="ignore", divide="ignore"):
        return raw / np.where(total > 0, total, np.nan)[:, None]
