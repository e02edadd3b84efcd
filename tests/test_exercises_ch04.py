"""Chapter 04's checkers accept right answers and teach on typical wrong ones."""

from __future__ import annotations

import numpy as np

from labkit.exercises import ch04 as ex


def _solution(exercise, name, **scope):
    exec(exercise.answer_code, scope)
    return scope[name]


def _message(exercise, answer):
    outcome = exercise.evaluate(answer)
    assert not outcome.correct
    return outcome.message


def test_best_params_reads_avg_metrics_the_way_the_evaluator_says():
    assert ex.q1.evaluate(_solution(ex.q1, "best_params")).correct
    assert ex.q1.evaluate(...).status == "not attempted"

    def always_max(search):
        metrics = search.avgMetrics
        best = metrics.index(max(metrics))
        return {p.name: v for p, v in search.getEstimatorParamMaps()[best].items()}

    def always_min(search):
        metrics = search.avgMetrics
        best = metrics.index(min(metrics))
        return {p.name: v for p, v in search.getEstimatorParamMaps()[best].items()}

    assert "smaller is better" in _message(ex.q1, always_max)
    assert "worst AUC" in _message(ex.q1, always_min)
    last = lambda search: {p.name: v for p, v in search.getEstimatorParamMaps()[-1].items()}  # noqa: E731
    assert "grid's order" in _message(ex.q1, last)
    assert "`.name`" in _message(ex.q1, lambda search: search.getEstimatorParamMaps()[0])
    assert "should be a function" in _message(ex.q1, {"maxDepth": 8})


def test_best_params_cases_are_shaped_like_a_cross_validator_model():
    (search,) = ex.q1.cases()[0]
    maps = search.getEstimatorParamMaps()
    assert len(maps) == len(search.avgMetrics) == 4
    assert {p.name for p in maps[0]} == {"maxDepth", "minInstancesPerNode"}
    assert search.getEvaluator().isLargerBetter()


def test_one_se_by_hand_accepts_the_rule_and_names_each_mistake():
    table = ex.q2.table
    assert ex.q2.evaluate(_solution(ex.q2, "chosen_depth", ex=ex)).correct
    assert ex.q2.evaluate(np.int64(5)).correct  # a value taken out of the table
    best = int(table.loc[table["mean"].idxmax(), "maxDepth"])
    assert "best mean" in _message(ex.q2, best)
    # within one standard deviation instead of one standard error: a depth too shallow
    bar_by_std = table["mean"].max() - table.loc[table["mean"].idxmax(), "std"]
    by_std = int(table.loc[table["mean"] >= bar_by_std, "maxDepth"].min())
    assert "standard *deviation*" in _message(ex.q2, by_std)
    assert "below the bar" in _message(ex.q2, int(table["maxDepth"].min()))
    assert "has no depth 7" in _message(ex.q2, 7)
    assert "a smaller depth does too" in _message(ex.q2, 6)
    assert "should be a int" in _message(ex.q2, "5")


def test_why_not_tune_on_test_takes_a_letter_and_explains_each_wrong_one():
    assert ex.q4.evaluate(_solution(ex.q4, "why")).correct
    assert ex.q4.evaluate(" B ").correct
    assert "Size is not the problem" in _message(ex.q4, "a")
    assert "refuses nothing" in _message(ex.q4, "c")
    assert "one more validation set" in _message(ex.q4, "d")
    assert "Choose one of" in _message(ex.q4, "e")
    assert "should be a str" in _message(ex.q4, 2)


def test_honest_evaluator_reads_probability(spark):  # Spark evaluators need a running JVM
    from pyspark.ml.evaluation import BinaryClassificationEvaluator

    from labkit.tuning import auc_evaluator

    scope = {"BinaryClassificationEvaluator": BinaryClassificationEvaluator}
    answer = _solution(ex.q3, "honest_evaluator", **scope)
    assert ex.q3.evaluate(answer).correct
    assert ex.q3.evaluate(auc_evaluator()).correct
    assert "class counts of the" in _message(ex.q3, BinaryClassificationEvaluator(labelCol="label"))
    pr = BinaryClassificationEvaluator(rawPredictionCol="probability", metricName="areaUnderPR")
    assert "areaUnderROC" in _message(ex.q3, pr)
    other_label = BinaryClassificationEvaluator(labelCol="y", rawPredictionCol="probability")
    assert "labelCol='label'" in _message(ex.q3, other_label)
    assert "should be a BinaryClassificationEvaluator" in _message(ex.q3, "probability")
