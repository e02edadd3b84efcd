"""Chapter 04's checkers accept right answers and teach on typical wrong ones."""

from __future__ import annotations

import numpy as np
import pytest
from pyspark.ml.evaluation import BinaryClassificationEvaluator

from labkit.exercises import ch04 as ex
from labkit.tuning import auc_evaluator


def _solution(exercise, name, **scope):
    exec(exercise.answer_code, scope)
    return scope[name]


def test_grid_size_multiplies_values_and_folds():
    assert ex.q1.evaluate(_solution(ex.q1, "fits")).correct
    assert ex.q1.evaluate(np.int64(4 * 3 * 2 * 3)).correct
    assert ex.q1.evaluate(...).status == "not attempted"
    assert "multiply them" in ex.q1.evaluate(4 + 3 + 2).message
    assert "once per fold" in ex.q1.evaluate(4 * 3 * 2).message
    assert "final refit" in ex.q1.evaluate(4 * 3 * 2 * 3 + 1).message
    assert "should be a int" in ex.q1.evaluate("72").message


def test_one_se_by_hand_accepts_the_rule_and_names_each_mistake():
    table = ex.q2.table
    assert ex.q2.evaluate(_solution(ex.q2, "chosen_depth", ex=ex)).correct
    best = int(table.loc[table["mean"].idxmax(), "maxDepth"])
    assert "best mean" in ex.q2.evaluate(best).message
    # within one standard deviation instead of one standard error: a depth too shallow
    bar_by_std = table["mean"].max() - table.loc[table["mean"].idxmax(), "std"]
    by_std = int(table.loc[table["mean"] >= bar_by_std, "maxDepth"].min())
    assert "standard *deviation*" in ex.q2.evaluate(by_std).message
    assert "below the bar" in ex.q2.evaluate(int(table["maxDepth"].min())).message
    assert "has no depth 7" in ex.q2.evaluate(7).message


def test_honest_evaluator_reads_probability(spark):  # Spark evaluators need a running JVM
    answer = _solution(ex.q3, "honest_evaluator")
    assert ex.q3.evaluate(answer).correct
    assert ex.q3.evaluate(auc_evaluator()).correct
    naive = ex.q3.evaluate(BinaryClassificationEvaluator(labelCol="label"))
    assert "class counts of the leaf" in naive.message
    pr = BinaryClassificationEvaluator(rawPredictionCol="probability", metricName="areaUnderPR")
    assert "areaUnderROC" in ex.q3.evaluate(pr).message
    assert "should be a BinaryClassificationEvaluator" in ex.q3.evaluate("probability").message


@pytest.fixture(scope="module")
def income_counts(adult_train):
    return {row["income"]: row["count"] for row in adult_train.groupBy("income").count().collect()}


def test_majority_baseline_is_checked_against_the_data(adult_train, income_counts):
    rows = sum(income_counts.values())
    majority = max(income_counts.values())
    assert rows == adult_train.count()
    assert ex.q4.evaluate(_solution(ex.q4, "baseline_accuracy", train=adult_train)).correct
    assert ex.q4.evaluate(round(majority / rows, 3)).correct
    assert "percentage" in ex.q4.evaluate(100 * majority / rows).message
    assert "rarer" in ex.q4.evaluate(1 - majority / rows).message
    assert "number of rows" in ex.q4.evaluate(majority).message
    assert "should be" in ex.q4.evaluate(0.5).message
