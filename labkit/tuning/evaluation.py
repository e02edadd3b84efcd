"""Scoring a model: AUC from ``probability``, and a refusal to rank a tree by leaf counts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from labkit.errors import MisleadingEvaluator

if TYPE_CHECKING:
    from pyspark.ml import PipelineModel
    from pyspark.ml.evaluation import Evaluator
    from pyspark.sql import DataFrame


def auc_evaluator(label_col: str = "label"):
    """Area under the ROC curve, scored from ``probability``: right for trees and everything else.

    A decision tree's ``rawPrediction`` holds the class *counts* of its leaf, not
    a score, so ranking by it (Spark's default) gives a much lower AUC than the
    model earns. ``probability`` ranks every classifier correctly.

    Examples
    --------
    >>> auc_evaluator().getRawPredictionCol()
    'probability'
    """
    from pyspark.ml.evaluation import BinaryClassificationEvaluator

    return BinaryClassificationEvaluator(
        labelCol=label_col, rawPredictionCol="probability", metricName="areaUnderROC"
    )


def check_evaluator(evaluator: Evaluator, stages: Sequence[Any]) -> None:
    """Refuse a binary evaluator that would rank a decision tree by its leaf counts.

    Raises
    ------
    MisleadingEvaluator
        When ``stages`` hold a ``DecisionTreeClassifier`` (or its model) and the
        evaluator reads that stage's ``rawPrediction`` column.

    Examples
    --------
    >>> from pyspark.ml.classification import DecisionTreeClassifier
    >>> from pyspark.ml.evaluation import BinaryClassificationEvaluator
    >>> check_evaluator(auc_evaluator(), [DecisionTreeClassifier()])  # fine: reads probability
    >>> check_evaluator(BinaryClassificationEvaluator(), [DecisionTreeClassifier()])
    Traceback (most recent call last):
    labkit.errors.MisleadingEvaluator: The evaluator scores areaUnderROC from 'rawPrediction', ...
    """
    from pyspark.ml.evaluation import BinaryClassificationEvaluator

    if not isinstance(evaluator, BinaryClassificationEvaluator):
        return
    for stage in stages:
        is_tree = type(stage).__name__.startswith("DecisionTreeClassifi")
        if is_tree and evaluator.getRawPredictionCol() == stage.getRawPredictionCol():
            raise MisleadingEvaluator(
                f"The evaluator scores {evaluator.getMetricName()} from "
                f"{evaluator.getRawPredictionCol()!r}, which for a decision tree holds the class "
                "counts of each leaf, not a score: big leaves outrank pure ones and the metric "
                "comes out far too low. Use rawPredictionCol='probability' "
                "(labkit.tuning.auc_evaluator() does)."
            )


def evaluate(model: PipelineModel, frame: DataFrame, evaluator: Evaluator | None = None) -> float:
    """Score a fitted model on ``frame`` (AUC from ``probability`` unless told otherwise).

    Raises
    ------
    MisleadingEvaluator
        When the evaluator would score a decision tree from leaf counts.

    Examples
    --------
    ``people`` is a small DataFrame whose income follows age exactly.

    >>> from labkit.pipeline import fit_pipeline, index_label
    >>> model = fit_pipeline(people, people_spec, "decision_tree")
    >>> evaluate(model, index_label(people, people_spec))
    1.0
    """
    evaluator = evaluator or auc_evaluator()
    check_evaluator(evaluator, getattr(model, "stages", [model]))
    return evaluator.evaluate(model.transform(frame))
