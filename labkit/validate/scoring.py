"""The figures the model checks compare: metrics from Spark, scores from exported scorers.

:func:`evaluate` measures a fitted pipeline on labelled rows in Spark (the exact
AUC on the *probability* column: on trees ``rawPrediction`` holds leaf counts
and gives a wrong AUC). :func:`shadow_scores` runs an exported scorer on plain
rows and turns every answer into a ``(prediction, probability)`` pair, or
``None`` when the scorer failed on that row, which is what the shadow check
counts as an invalid result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from labkit.validate.checks_model import Score, is_valid, score_histogram, top_score_share


def evaluate(model: Any, df: Any, spec: Any) -> dict[str, float]:
    """AUC and accuracy of a fitted pipeline on labelled rows.

    Parameters
    ----------
    model : PipelineModel
        A pipeline from :func:`labkit.pipeline.fit_pipeline`.
    df : DataFrame
        Rows with the label column named by ``spec.label``.
    spec : ColumnSpec
        Its class order decides which class is positive (the last one).

    Returns
    -------
    metrics : dict
        ``{"auc": ..., "accuracy": ..., "positive_share": ...}``.

    Examples
    --------
    >>> evaluate(model, load_adult(spark, "test"), adult_spec())["auc"] > 0.85  # doctest: +SKIP
    True
    """
    from pyspark.ml.evaluation import BinaryClassificationEvaluator
    from pyspark.ml.functions import vector_to_array
    from pyspark.sql import functions as F

    from labkit.pipeline import index_label

    scored = model.transform(index_label(df, spec)).select(
        F.col(spec.label_col).alias("label"),
        F.col("prediction"),
        vector_to_array(F.col("probability")).getItem(len(spec.classes) - 1).alias("p"),
        F.col("probability"),
    )
    scored = scored.cache()
    # numBins=0: the exact curve. Spark's default down-sampling bins sorted scores per
    # partition, so the AUC would move in the 6th digit with the data's partitioning.
    auc = BinaryClassificationEvaluator(
        rawPredictionCol="probability", labelCol="label", metricName="areaUnderROC", numBins=0
    ).evaluate(scored)
    counts = scored.agg(
        F.count("*").alias("rows"),
        F.sum((F.col("prediction") == F.col("label")).cast("int")).alias("correct"),
        F.sum((F.col("prediction") == len(spec.classes) - 1).cast("int")).alias("positive"),
    ).first()
    scored.unpersist()
    rows = counts["rows"] or 1
    return {
        "auc": round(float(auc), 6),
        "accuracy": round(counts["correct"] / rows, 6),
        "positive_share": round(counts["positive"] / rows, 6),
    }


def _as_score(answer: Any) -> Score:
    """One scorer answer as ``(prediction, probability of the last class)``; None if unusable."""
    if isinstance(answer, Mapping):
        prediction, probability = answer.get("prediction"), answer.get("probability")
    else:
        prediction = getattr(answer, "prediction", None)
        probability = getattr(answer, "probability", None)
    if isinstance(probability, Sequence) and probability:
        probability = probability[-1]
    if prediction is None or probability is None:
        return None
    try:
        return float(prediction), float(probability)
    except (TypeError, ValueError):
        return None


def shadow_scores(scorer: Any, rows: Sequence[Mapping[str, Any]], spec: Any) -> list[Score]:
    """Score ``rows`` with an exported scorer; ``None`` for every row it failed on.

    Rows go through ``predict_batch`` together; if the batch fails, each row
    is retried alone so one bad row cannot hide the others.
    """
    inputs = [{c: row.get(c) for c in spec.inputs} for row in rows]
    try:
        answers = scorer.predict_batch(inputs)
        answers = answers.to_list() if hasattr(answers, "to_list") else list(answers)
        return [_as_score(a) for a in answers]
    except Exception:  # noqa: BLE001 - a shadow run must count failures, not stop on them
        pass
    scores: list[Score] = []
    for row in inputs:
        try:
            scores.append(_as_score(scorer.predict(row)))
        except Exception:  # noqa: BLE001
            scores.append(None)
    return scores


def prediction_distribution(scores: Sequence[Score]) -> dict[str, Any]:
    """What the history keeps about a model's predictions: shares, histogram, spike."""
    valid = [s for s in scores if is_valid(s)]
    return {
        "rows": len(scores),
        "invalid": len(scores) - len(valid),
        "positive_share": round(sum(s[0] == 1.0 for s in valid) / len(valid), 6) if valid else None,
        "histogram": score_histogram(scores),
        "top_score_share": round(top_score_share(scores), 6),
    }
