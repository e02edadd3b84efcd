"""Exercises of chapter 04: tuning honestly."""

from __future__ import annotations

import csv
import math
import numbers
from collections import Counter
from typing import Any

import pandas as pd

from labkit import data
from labkit.exercises._core import Exercise, Incorrect, check_type
from labkit.tuning import simplest_within_one_se

#: The grid of exercise 1: parameter -> values, and its number of folds.
GRID_SIZES: dict[str, tuple[Any, ...]] = {
    "maxDepth": (2, 4, 6, 8),
    "minInfoGain": (0.0, 0.001, 0.01),
    "impurity": ("gini", "entropy"),
}
GRID_FOLDS = 3


def label_counts(split: str) -> Counter[str]:
    """Count the income labels of an Adult split straight from the file (no Spark needed)."""
    counts: Counter[str] = Counter()
    with open(data.ADULT_FILES[split].path, newline="") as handle:
        for row in csv.reader(handle):
            if len(row) == len(data.ADULT_COLUMNS):
                counts[row[-1].strip().rstrip(".")] += 1
    return counts


def crafted_table() -> pd.DataFrame:
    """The candidate table of exercise 2: seven depths, three folds each."""
    table = pd.DataFrame(
        {
            "maxDepth": [2, 3, 4, 5, 6, 8, 10],
            "mean": [0.800, 0.835, 0.852, 0.858, 0.862, 0.866, 0.864],
            "std": [0.010, 0.012, 0.012, 0.013, 0.012, 0.015, 0.016],
        }
    )
    return table.assign(se=table["std"] / math.sqrt(3))


def _whole_number(answer: Any, name: str) -> int:
    """Accept numpy's integers too (a value picked out of a pandas table is one)."""
    if isinstance(answer, numbers.Integral) and not isinstance(answer, bool):
        return int(answer)
    check_type(answer, int, name)
    return answer


class GridSize(Exercise):
    prompt = (
        "A grid tunes maxDepth over 4 values, minInfoGain over 3 and impurity over 2, with 3-fold "
        "cross-validation. How many models does the cross-validation fit (leave out the final "
        "refit of the chosen one)? Set `fits`."
    )
    hints = (
        "Every combination of values is one candidate.",
        "Candidates = 4 × 3 × 2; each is fitted once per fold.",
    )
    answer_code = "fits = 4 * 3 * 2 * 3"

    def _check(self, answer: Any) -> str:
        answer = _whole_number(answer, "fits")
        sizes = [len(values) for values in GRID_SIZES.values()]
        candidates = math.prod(sizes)
        expected = candidates * GRID_FOLDS
        if answer == sum(sizes) or answer == sum(sizes) * GRID_FOLDS:
            raise Incorrect(
                f"{answer} adds the numbers of values. A grid tries every *combination*: "
                "multiply them."
            )
        if answer == candidates:
            raise Incorrect(
                f"{candidates} is the number of candidates; each is fitted once per fold."
            )
        if answer == expected + 1:
            raise Incorrect(f"{answer} counts the final refit; leave that one out.")
        if answer != expected:
            raise Incorrect(f"`fits` is {answer}, but it should be {expected}.")
        return (
            f"{expected} fits. One more parameter with 3 values would make it {expected * 3}: "
            "grids grow by multiplication, so keep them small and look at what each value buys."
        )


class OneStandardError(Exercise):
    prompt = (
        "`ex.q2.table` holds a cross-validation of seven depths (mean, std and se across 3 folds). "
        "Apply the one-standard-error rule by hand: set `chosen_depth` to the maxDepth you pick."
    )
    hints = (
        "Find the best mean, then subtract that row's `se` (not its `std`): that is the bar.",
        "Among the depths whose mean reaches the bar, take the smallest.",
    )
    answer_code = (
        "best = ex.q2.table.loc[ex.q2.table['mean'].idxmax()]\n"
        "bar = best['mean'] - best['se']\n"
        "chosen_depth = int(ex.q2.table.loc[ex.q2.table['mean'] >= bar, 'maxDepth'].min())"
    )

    def __init__(self) -> None:
        super().__init__()
        self.table = crafted_table()

    def _check(self, answer: Any) -> str:
        answer = _whole_number(answer, "chosen_depth")
        table = self.table
        depths = list(table["maxDepth"])
        if answer not in depths:
            raise Incorrect(f"The table has no depth {answer}; choose one of {depths}.")
        best = table.loc[table["mean"].idxmax()]
        expected = int(table.loc[simplest_within_one_se(table, simpler=["maxDepth"]), "maxDepth"])
        with_std = table.assign(se=table["std"])
        by_std = int(table.loc[simplest_within_one_se(with_std, simpler=["maxDepth"]), "maxDepth"])
        if answer == int(best["maxDepth"]) and answer != expected:
            raise Incorrect(
                f"Depth {answer} has the best mean, but others are within one standard error of "
                "it: the difference is noise. Take the simplest of those."
            )
        if answer == by_std and answer != expected:
            raise Incorrect(
                f"Depth {answer} is within one standard *deviation* of the best. The rule uses "
                "the standard error (std / √folds), a narrower bar."
            )
        row = table.loc[table["maxDepth"] == answer].iloc[0]
        bar = best["mean"] - best["se"]
        if row["mean"] < bar:
            raise Incorrect(
                f"Depth {answer} scores {row['mean']:.3f}, below the bar of {bar:.4f} "
                "(best mean minus its se): it is really worse."
            )
        if answer != expected:
            raise Incorrect(f"Depth {answer} reaches the bar, but a smaller depth does too.")
        return (
            f"depth {expected}: as good as depth {int(best['maxDepth'])} within the noise of "
            "three folds, and a smaller tree to run and to read."
        )


class HonestEvaluator(Exercise):
    prompt = (
        "Create a `BinaryClassificationEvaluator` that scores a decision tree's area under the ROC "
        "curve correctly, reading the label from `label`. Set `honest_evaluator`."
    )
    hints = (
        "Spark's default reads `rawPrediction`; for a tree that holds the leaf's class counts.",
        "Pass `rawPredictionCol='probability'`.",
    )
    answer_code = (
        "from pyspark.ml.evaluation import BinaryClassificationEvaluator\n\n"
        "honest_evaluator = BinaryClassificationEvaluator(\n"
        '    labelCol="label", rawPredictionCol="probability", metricName="areaUnderROC"\n'
        ")"
    )

    def _check(self, answer: Any) -> str:
        from pyspark.ml.evaluation import BinaryClassificationEvaluator

        check_type(answer, BinaryClassificationEvaluator, "honest_evaluator")
        if answer.getMetricName() != "areaUnderROC":
            raise Incorrect(f"It computes {answer.getMetricName()}; set metricName='areaUnderROC'.")
        if answer.getLabelCol() != "label":
            raise Incorrect(f"It reads the label from {answer.getLabelCol()!r}; use 'label'.")
        if answer.getRawPredictionCol() != "probability":
            raise Incorrect(
                f"It ranks rows by {answer.getRawPredictionCol()!r}. For a tree, rawPrediction "
                "holds the class counts of the leaf: a big leaf with many people of both kinds "
                "outranks a small pure one. Rank by 'probability'."
            )
        return "AUC from probability: the ranking the tree really makes."


class MajorityBaseline(Exercise):
    prompt = (
        "The simplest model always predicts the most common class. What fraction of the training "
        "rows (`train`) would it get right? Set `baseline_accuracy` (a number between 0 and 1)."
    )
    hints = (
        "Count the rows per `income` value with `train.groupBy('income').count()`.",
        "Divide the larger count by the number of rows.",
    )
    answer_code = (
        "counts = [row['count'] for row in train.groupBy('income').count().collect()]\n"
        "baseline_accuracy = max(counts) / sum(counts)"
    )

    def _check(self, answer: Any) -> str:
        check_type(answer, (int, float), "baseline_accuracy")
        counts = label_counts("train")
        rows, majority = sum(counts.values()), max(counts.values())
        expected = majority / rows
        if answer == majority:
            raise Incorrect(f"{answer:,} is a number of rows; divide it by all {rows:,} rows.")
        if math.isclose(answer, expected * 100, abs_tol=0.05):
            raise Incorrect(f"{answer} looks like a percentage; give a fraction (divide by 100).")
        if math.isclose(answer, 1 - expected, abs_tol=5e-4):
            raise Incorrect(f"{answer:.4f} is the share of the *rarer* class, '>50K'.")
        if not math.isclose(answer, expected, abs_tol=5e-4):
            raise Incorrect(f"`baseline_accuracy` is {answer!r}, but it should be {expected:.4f}.")
        return (
            f"{expected:.1%} right without learning anything. Accuracy near this says nothing; "
            "its AUC is 0.5, because one constant score cannot rank anyone."
        )


q1 = GridSize()
q2 = OneStandardError()
q3 = HonestEvaluator()
q4 = MajorityBaseline()
