"""Small hand-written stage specs for the export tests that need no Spark.

The Spark-fitted models are tested in ``test_export_parity.py``; these specs
pin down single rules (a categorical split's complement form, a threshold,
a bucket edge) with numbers small enough to check by hand.
"""

from __future__ import annotations

from typing import Any

from labkit.export.scorer import Scorer


def indexer(column: str, labels: list[str], handle: str = "keep", out: str | None = None) -> dict:
    return {
        "type": "StringIndexerModel",
        "inputCols": [column],
        "outputCols": [out or f"{column}_idx"],
        "labels": [list(labels)],
        "handleInvalid": handle,
    }


def io(num_features: int, **extra: Any) -> dict:
    return {
        "featuresCol": "features",
        "predictionCol": "prediction",
        "rawPredictionCol": "rawPrediction",
        "probabilityCol": "probability",
        "numFeatures": num_features,
        "labelCol": "label",
        **extra,
    }


def tree_specs(
    *, labels=("red", "blue", "green"), column="color", number="size", classes=("no", "yes"),
    handle="keep", left_categories=(0.0,),
) -> list[dict]:  # fmt: skip
    """color -> index, [size, color_idx] -> a depth-2 tree (categorical root, numeric left)."""
    categories = len(labels) + (1 if handle == "keep" else 0)
    tree = {
        "feature": [1, 0, -1, -1, -1],
        "threshold": [0.0, 2.5, 0.0, 0.0, 0.0],
        "numCategories": [categories, -1, -1, -1, -1],
        "leftCategories": [list(left_categories), None, None, None, None],
        "left": [1, 2, -1, -1, -1],
        "right": [4, 3, -1, -1, -1],
        "prediction": [0.0, 0.0, 0.0, 1.0, 1.0],
        "stats": [[], [], [8.0, 2.0], [1.0, 3.0], [2.0, 6.0]],
    }
    return [
        indexer(column, list(labels), handle),
        indexer("label_text", list(classes), "error", out="label"),
        {"type": "VectorAssembler", "inputCols": [number, f"{column}_idx"],
         "outputCol": "features", "handleInvalid": "error"},
        {"type": "DecisionTreeClassificationModel", **io(2), "numClasses": 2, "thresholds": None,
         "treeWeights": [1.0], "trees": [tree]},
    ]  # fmt: skip


def logistic_specs(*, threshold=0.5, labels=("red", "blue", "green"), column="color",
                   number="size", classes=("no", "yes")) -> list[dict]:  # fmt: skip
    """color -> index -> one-hot (dropLast), [size, color_vec] -> binary logistic regression."""
    return [
        indexer(column, list(labels), "keep"),
        indexer("label_text", list(classes), "error", out="label"),
        {"type": "OneHotEncoderModel", "inputCols": [f"{column}_idx"],
         "outputCols": [f"{column}_vec"], "categorySizes": [len(labels) + 1], "dropLast": True,
         "handleInvalid": "error"},
        {"type": "VectorAssembler", "inputCols": [number, f"{column}_vec"],
         "outputCol": "features", "handleInvalid": "keep"},
        {"type": "LogisticRegressionModel", **io(1 + len(labels)), "numClasses": 2,
         "isMultinomial": False,
         "coefficients": [[0.5] + [0.25 * (i - 1) for i in range(len(labels))]],
         "intercepts": [-1.0], "threshold": threshold, "thresholds": None},
    ]  # fmt: skip


def scorer_of(specs: list[dict]) -> Scorer:
    return Scorer.from_specs(specs, spark_version="4.3.0")
