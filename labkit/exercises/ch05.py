"""Exercises of chapter 05: predicting outside Spark."""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from typing import Any

from labkit import data
from labkit.exercises._core import Exercise, Incorrect, check_equal, check_type

#: Crafted inputs for the margin checker: (coefficients, intercept, sparse features).
MARGIN_CASES: tuple[tuple[list[float], float, dict[int, float]], ...] = (
    ([0.5, -1.0, 2.0, 0.25], -1.5, {0: 4.0, 2: 1.0}),
    ([0.5, -1.0, 2.0, 0.25], 0.75, {1: 3.0, 3: 8.0}),
    ([1.0, 1.0, 1.0, 1.0], 2.0, {}),
)
PROBABILITY_MARGINS: tuple[float, ...] = (0.0, 2.0, -3.0, 800.0, -800.0)


def _margin(coefficients: list[float], intercept: float, features: dict[int, float]) -> float:
    total = 0.0
    for index, value in features.items():
        total += value * coefficients[index]
    return total + intercept


def _sigmoid(margin: float) -> float:
    try:
        return 1.0 / (1.0 + math.exp(-margin))
    except OverflowError:
        return 0.0


def _call(fn: Callable[..., Any], name: str, *args: Any) -> Any:
    try:
        result = fn(*args)
    except Exception as error:  # the learner's code may raise anything
        raise Incorrect(f"`{name}{args!r}` raised {type(error).__name__}: {error}.") from None
    if result is None:
        raise Incorrect(f"`{name}` returned None: replace the `...` in its body with your code "
                        "and `return` the result.")  # fmt: skip
    return result


class MarginByHand(Exercise):
    prompt = (
        "Write `margin(coefficients, intercept, features)`: logistic regression's raw score, where "
        "`features` is a sparse vector as a dict {index: value} of its non-zero entries."
    )
    hints = (
        "Spark's LogisticRegressionModel computes `BLAS.dot(features, coefficients) + intercept`.",
        "Loop over `features.items()`: add `value * coefficients[index]`, then add the intercept.",
    )
    answer_code = (
        "def margin(coefficients, intercept, features):\n"
        "    total = 0.0\n"
        "    for index, value in features.items():\n"
        "        total += value * coefficients[index]\n"
        "    return total + intercept"
    )

    def _check(self, answer: Any) -> str:
        if not callable(answer):
            raise Incorrect(
                "`margin` should be a function taking (coefficients, intercept, features)."
            )
        for coefficients, intercept, features in MARGIN_CASES:
            got = _call(answer, "margin", coefficients, intercept, features)
            expected = _margin(coefficients, intercept, features)
            if isinstance(got, int | float) and math.isclose(got, expected - intercept):
                raise Incorrect(f"margin{(coefficients, intercept, features)} gave {got}, which "
                                "is the dot product alone: add the intercept.")  # fmt: skip
            if isinstance(got, float) and 0 < got < 1 and not math.isclose(got, expected):
                raise Incorrect(f"{got} looks like a probability: return the raw margin, before "
                                "the sigmoid.")  # fmt: skip
            check_type(got, int | float, "margin(...)")
            check_equal(got, expected, f"margin{(coefficients, intercept, features)}")
        return "a dot product plus an intercept: that is all a fitted logistic regression is."


class ProbabilityOfYes(Exercise):
    prompt = (
        "Write `probability_of_yes(margin)`: the probability of class 1 (here '>50K') from the "
        "margin, as Spark computes it, for any margin (even -800)."
    )
    hints = (
        "Spark applies the sigmoid 1 / (1 + exp(-m)) to the raw score [-m, m], entry by entry.",
        "math.exp(800) overflows in Python but is infinity in Java, and 1 / (1 + inf) is 0.0: "
        "catch OverflowError (or test the sign of the margin first).",
    )
    answer_code = (
        "def probability_of_yes(margin):\n"
        "    try:\n"
        "        return 1.0 / (1.0 + math.exp(-margin))\n"
        "    except OverflowError:\n"
        "        return 0.0"
    )

    def _check(self, answer: Any) -> str:
        if not callable(answer):
            raise Incorrect("`probability_of_yes` should be a function of one margin.")
        for margin in PROBABILITY_MARGINS:
            try:
                got = _call(answer, "probability_of_yes", margin)
            except Incorrect as wrong:
                if "OverflowError" not in str(wrong):
                    raise
                raise Incorrect(
                    f"probability_of_yes({margin}) overflowed: math.exp({-margin}) is too large "
                    "for Python, while Java's Math.exp returns infinity. Catch OverflowError."
                ) from None
            expected = _sigmoid(margin)
            if isinstance(got, float) and margin and math.isclose(got, 1 - expected):
                raise Incorrect(f"probability_of_yes({margin}) = {got} is the probability of "
                                "class 0: use exp(-margin).")  # fmt: skip
            check_type(got, float, f"probability_of_yes({margin})")
            check_equal(got, expected, f"probability_of_yes({margin})", rel_tol=1e-12)
        return "the sigmoid, exactly as Spark applies it (and safe for huge margins)."


def count_rows_with_missing_category(split: str = "test") -> int:
    """Rows of an Adult file with '?' in any categorical column (read with the csv module)."""
    path = data.ADULT_FILES[split].path
    positions = [data.ADULT_COLUMNS.index(c) for c in data.ADULT_CATEGORICAL]
    count = 0
    with open(path, encoding="utf-8", newline="") as f:
        for fields in csv.reader(f, skipinitialspace=True):
            if len(fields) != len(data.ADULT_COLUMNS):
                continue  # the junk first line and the blank last one
            count += any(fields[i] == "?" for i in positions)
    return count


class RowsSkipped(Exercise):
    prompt = (
        "With the indexer's handleInvalid set to 'skip', score every row of the test set with "
        "`skip_scorer.predict_batch` and set `rows_skipped` to the number of rows dropped."
    )
    hints = (
        "`predict_batch` returns a BatchPrediction; its `skipped` dict maps row -> reason.",
        "rows_skipped = len(skip_scorer.predict_batch(test_rows).skipped)",
    )
    answer_code = "rows_skipped = len(skip_scorer.predict_batch(test_rows).skipped)"

    def _check(self, answer: Any) -> str:
        check_type(answer, int, "rows_skipped")
        expected = count_rows_with_missing_category("test")
        if answer == count_rows_with_missing_category("train"):
            raise Incorrect(f"{answer:,} is the count for the training file; score the test rows.")
        if answer == 0:
            raise Incorrect("0 rows: was the scorer built with handleInvalid='skip'? Check "
                            "skip_scorer.stages[0].handle_invalid.")  # fmt: skip
        check_equal(answer, expected, "rows_skipped")
        return (f"{expected:,} people with a missing workclass, occupation or country would get "
                "no answer at all: 'skip' is rarely what a service wants.")  # fmt: skip


q1 = MarginByHand()
q2 = ProbabilityOfYes()
q3 = RowsSkipped()
