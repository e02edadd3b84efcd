"""Exercises of chapter 02: pipelines."""

from __future__ import annotations

from typing import Any

from labkit.exercises._core import Exercise, Incorrect, check_type

#: Rows per class in adult.data and adult.test (see data/README.md).
TRAIN_COUNTS = {"<=50K": 24_720, ">50K": 7_841}
TEST_COUNTS = {"<=50K": 12_435, ">50K": 3_846}


class Baseline(Exercise):
    prompt = (
        "A model that always answers the most common class of the *training* data: what "
        "accuracy does it get on the *test* data? Set `baseline_accuracy` to it (0 to 1)."
    )
    hints = (
        "Find the most common `income` in `train`, then the share of `test` rows with that value.",
        "`test.filter(test.income == '<=50K').count() / test.count()`",
    )
    answer_code = (
        "majority = train.groupBy('income').count().orderBy('count', ascending=False).first()[0]\n"
        "baseline_accuracy = test.filter(test.income == majority).count() / test.count()"
    )

    def _check(self, answer: Any) -> str:
        check_type(answer, (int, float), "baseline_accuracy")
        test_rows, train_rows = sum(TEST_COUNTS.values()), sum(TRAIN_COUNTS.values())
        expected = TEST_COUNTS["<=50K"] / test_rows
        if answer > 1:
            raise Incorrect(f"{answer} is a count or a percentage: give a share between 0 and 1.")
        if abs(answer - TRAIN_COUNTS["<=50K"] / train_rows) < 1e-6:
            raise Incorrect("That is the share in the training data; measure it on `test`.")
        if abs(answer - TEST_COUNTS[">50K"] / test_rows) < 1e-6:
            raise Incorrect(
                "That is the share of the *minority* class; the baseline answers "
                "with the most common one."
            )
        if abs(answer - expected) > 1e-6:
            raise Incorrect(f"{answer:.4f} is not it; count the test rows labelled '<=50K'.")
        return f"{expected:.1%}: any model that scores below this has learnt nothing useful."


class ScoreWithoutLabel(Exercise):
    prompt = (
        "Score the people in `new_people` (the test rows without their `income` column) with "
        "`model` and set `scored` to the resulting DataFrame."
    )
    hints = (
        "A fitted PipelineModel is a Transformer: call its `transform` method.",
        "`scored = model.transform(new_people)`",
    )
    answer_code = "scored = model.transform(new_people)"

    def _check(self, answer: Any) -> str:
        if not hasattr(answer, "columns") or not hasattr(answer, "count"):
            raise Incorrect(f"`scored` should be a Spark DataFrame, got {type(answer).__name__}.")
        if "income" in answer.columns:
            raise Incorrect(
                "`scored` still has an income column: score `new_people`, which "
                "has none, to prove the pipeline does not need it."
            )
        if "predicted_label" not in answer.columns:
            raise Incorrect(
                "There is no `predicted_label` column: transform with the fitted "
                "pipeline `model`, not with a single stage."
            )
        rows = answer.count()
        if rows != sum(TEST_COUNTS.values()):
            raise Incorrect(
                f"`scored` has {rows:,} rows; it should keep all "
                f"{sum(TEST_COUNTS.values()):,} people. Did you filter or limit?"
            )
        return "every person got a prediction, and nobody needed to know their income first."


q1 = Baseline()
q2 = ScoreWithoutLabel()
