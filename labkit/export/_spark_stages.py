"""One reader per supported Spark class: saved folder -> the stage's spec.

Each reader takes the stage folder and its metadata and returns the plain
spec the exported stage classes validate (:mod:`labkit.export._spec`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from labkit.errors import ModelFolderError, UnsupportedStage
from labkit.export._spark_folder import _columns, _only_row, matrix, param, read_rows, vector

Reader = Callable[[Path, dict[str, Any]], dict[str, Any]]


def _string_indexer(folder: Path, meta: dict[str, Any]) -> dict[str, Any]:
    row = _only_row(folder)
    labels = row.get("labelsArray") or ([row["labels"]] if "labels" in row else None)
    if labels is None:
        raise ModelFolderError(f"{folder}/data has neither labelsArray nor labels.")
    inputs, outputs = _columns(meta)
    return {
        "type": "StringIndexerModel",
        "inputCols": inputs,
        "outputCols": outputs,
        "labels": [list(names) for names in labels],
        "handleInvalid": param(meta, "handleInvalid", "error"),
    }


def _one_hot(folder: Path, meta: dict[str, Any]) -> dict[str, Any]:
    inputs, outputs = _columns(meta)
    return {
        "type": "OneHotEncoderModel",
        "inputCols": inputs,
        "outputCols": outputs,
        "categorySizes": list(_only_row(folder)["categorySizes"]),
        "dropLast": param(meta, "dropLast", True),
        "handleInvalid": param(meta, "handleInvalid", "error"),
    }


def _assembler(folder: Path, meta: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "VectorAssembler",
        "inputCols": list(param(meta, "inputCols", [])),
        "outputCol": param(meta, "outputCol"),
        "handleInvalid": param(meta, "handleInvalid", "error"),
    }


def _bucketizer(folder: Path, meta: dict[str, Any]) -> dict[str, Any]:
    inputs, outputs = _columns(meta)
    splits = param(meta, "splitsArray") if len(inputs) > 1 or param(meta, "splits") is None else [
        param(meta, "splits")
    ]  # fmt: skip
    return {
        "type": "Bucketizer",
        "inputCols": inputs,
        "outputCols": outputs,
        "splits": [list(s) for s in splits or []],
        "handleInvalid": param(meta, "handleInvalid", "error"),
    }


def _scaler(folder: Path, meta: dict[str, Any]) -> dict[str, Any]:
    row = _only_row(folder)
    return {
        "type": "StandardScalerModel",
        "inputCol": param(meta, "inputCol"),
        "outputCol": param(meta, "outputCol"),
        "mean": vector(row["mean"]),
        "std": vector(row["std"]),
        "withMean": param(meta, "withMean", False),
        "withStd": param(meta, "withStd", True),
    }


def _imputer(folder: Path, meta: dict[str, Any]) -> dict[str, Any]:
    inputs, outputs = _columns(meta)
    row = _only_row(folder)
    missing = [c for c in inputs if c not in row]
    if missing:
        raise ModelFolderError(f"{folder}/data has no surrogate for {missing}.")
    return {
        "type": "ImputerModel",
        "inputCols": inputs,
        "outputCols": outputs,
        "surrogates": [float(row[c]) for c in inputs],
        "missingValue": param(meta, "missingValue", "NaN"),
    }


def _index_to_string(folder: Path, meta: dict[str, Any]) -> dict[str, Any]:
    labels = param(meta, "labels")
    if not labels:
        raise UnsupportedStage(
            f"IndexToString {meta.get('uid')!r} has no `labels` param: it would read them from "
            "column metadata, which a saved pipeline does not keep. Build it with "
            "IndexToString(labels=label_indexer.labelsArray[0], ...)."
        )
    return {
        "type": "IndexToString",
        "inputCol": param(meta, "inputCol"),
        "outputCol": param(meta, "outputCol"),
        "labels": list(labels),
    }


def _io(meta: dict[str, Any]) -> dict[str, Any]:
    return {
        "featuresCol": param(meta, "featuresCol", "features"),
        "predictionCol": param(meta, "predictionCol", "prediction"),
        "rawPredictionCol": param(meta, "rawPredictionCol", ""),
        "probabilityCol": param(meta, "probabilityCol", ""),
        "numFeatures": meta.get("numFeatures"),
        "labelCol": param(meta, "labelCol", "label"),
    }


def _thresholds(meta: dict[str, Any]) -> list[float] | None:
    value = (meta.get("paramMap") or {}).get("thresholds")
    return [float(t) for t in value] if value else None


def _nodes(rows: list[dict[str, Any]], folder: Path, classifier: bool) -> dict[str, list]:
    """Parquet node rows (any order) -> the per-node lists of a tree spec."""
    rows = sorted(rows, key=lambda r: r["id"])
    if [r["id"] for r in rows] != list(range(len(rows))):
        raise ModelFolderError(f"{folder}/data: tree node ids are not 0..{len(rows) - 1}.")
    nodes: dict[str, list] = {key: [] for key in (
        "feature", "threshold", "numCategories", "leftCategories", "left", "right",
        "prediction", "stats",
    )}  # fmt: skip
    for r in rows:
        leaf, split = r["leftChild"] == -1, r["split"]
        continuous = leaf or split["numCategories"] == -1
        nodes["feature"].append(-1 if leaf else split["featureIndex"])
        nodes["numCategories"].append(-1 if leaf else split["numCategories"])
        values = [] if leaf else list(split["leftCategoriesOrThreshold"])
        nodes["threshold"].append(values[0] if continuous and values else 0.0)
        nodes["leftCategories"].append(None if continuous else values)
        nodes["left"].append(r["leftChild"])
        nodes["right"].append(r["rightChild"])
        nodes["prediction"].append(r["prediction"])
        nodes["stats"].append(list(r["impurityStats"]) if leaf and classifier else [])
    return nodes


def _tree_model(kind: str) -> Reader:
    classifier = "Classification" in kind

    def read(folder: Path, meta: dict[str, Any]) -> dict[str, Any]:
        rows = read_rows(folder)
        if kind.startswith("DecisionTree"):
            trees, weights = [_nodes(rows, folder, classifier)], [1.0]
        else:
            by_tree: dict[int, list] = {}
            for r in rows:
                by_tree.setdefault(r["treeID"], []).append(r["nodeData"])
            weights_of = _tree_weights(folder)
            ids = sorted(by_tree)
            trees = [_nodes(by_tree[i], folder, classifier and "GBT" not in kind) for i in ids]
            weights = [weights_of[i] for i in ids]
        spec = {"type": kind, **_io(meta), "treeWeights": weights, "trees": trees}
        if classifier:
            spec["numClasses"] = meta.get("numClasses", 2)
            spec["thresholds"] = _thresholds(meta)
        return spec

    return read


def _tree_weights(folder: Path) -> dict[int, float]:
    """Tree id -> weight from treesMetadata (columns _1.._3 in Spark 4, named in Spark 3)."""
    weights = {}
    for r in read_rows(folder, "treesMetadata"):
        tree_id = r["_1"] if "_1" in r else r["treeID"]
        weights[tree_id] = float(r["_3"] if "_3" in r else r["weights"])
    return weights


def _logistic(folder: Path, meta: dict[str, Any]) -> dict[str, Any]:
    row = _only_row(folder)
    if "coefficientMatrix" not in row:
        raise UnsupportedStage(
            f"{folder}: logistic regression saved by Spark < 2.1 is not supported."
        )
    multinomial = bool(row["isMultinomial"])
    thresholds = _thresholds(meta)
    if not multinomial and thresholds:
        threshold = 1.0 / (1.0 + thresholds[0] / thresholds[1]) if thresholds[1] else math.inf
    else:
        threshold = float(param(meta, "threshold", 0.5))
    return {
        "type": "LogisticRegressionModel",
        **_io(meta),
        "numFeatures": row["numFeatures"],
        "numClasses": row["numClasses"],
        "isMultinomial": multinomial,
        "coefficients": matrix(row["coefficientMatrix"]),
        "intercepts": vector(row["interceptVector"]),
        "threshold": min(threshold, 1.0),
        "thresholds": thresholds if multinomial else None,
    }


def _linear(folder: Path, meta: dict[str, Any]) -> dict[str, Any]:
    row = _only_row(folder)
    coefficients = vector(row["coefficients"])
    return {
        "type": "LinearRegressionModel",
        **_io(meta),
        "numFeatures": len(coefficients),
        "coefficients": coefficients,
        "intercept": float(row["intercept"]),
    }


def _naive_bayes(folder: Path, meta: dict[str, Any]) -> dict[str, Any]:
    model_type = param(meta, "modelType", "multinomial")
    if model_type != "multinomial":
        raise UnsupportedStage(
            f"NaiveBayesModel with modelType={model_type!r} is not supported; the exported "
            "scorer reproduces modelType='multinomial' only."
        )
    row = _only_row(folder)
    theta = matrix(row["theta"])
    return {
        "type": "NaiveBayesModel",
        **_io(meta),
        "numFeatures": len(theta[0]) if theta else 0,
        "modelType": model_type,
        "pi": vector(row["pi"]),
        "theta": theta,
        "thresholds": _thresholds(meta),
    }


#: Spark class name (without package) -> reader.
READERS: dict[str, Reader] = {
    "StringIndexerModel": _string_indexer,
    "OneHotEncoderModel": _one_hot,
    "VectorAssembler": _assembler,
    "Bucketizer": _bucketizer,
    "StandardScalerModel": _scaler,
    "ImputerModel": _imputer,
    "IndexToString": _index_to_string,
    "LogisticRegressionModel": _logistic,
    "LinearRegressionModel": _linear,
    "NaiveBayesModel": _naive_bayes,
    **{
        kind: _tree_model(kind)
        for kind in (
            "DecisionTreeClassificationModel", "RandomForestClassificationModel",
            "GBTClassificationModel", "DecisionTreeRegressionModel",
            "RandomForestRegressionModel", "GBTRegressionModel",
        )
    },
}  # fmt: skip
