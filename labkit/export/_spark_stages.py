"""One reader per supported Spark class: saved folder -> the stage's spec.

Each reader takes the stage's :class:`~labkit.sparkfolder.StageFolder` (its
metadata, params and parquet data) and returns the plain
spec the exported stage classes validate (:mod:`labkit.export._spec`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from labkit.errors import ModelFolderError, UnsupportedStage
from labkit.sparkfolder import StageFolder, TreeNode, matrix, read_ensemble, read_tree, vector

Reader = Callable[[StageFolder], dict[str, Any]]


def _string_indexer(stage: StageFolder) -> dict[str, Any]:
    row = stage.only_row()
    labels = row.get("labelsArray") or ([row["labels"]] if "labels" in row else None)
    if labels is None:
        raise ModelFolderError(f"{stage.path}/data has neither labelsArray nor labels.")
    inputs, outputs = _columns(stage)
    return {
        "type": "StringIndexerModel",
        "inputCols": inputs,
        "outputCols": outputs,
        "labels": [list(names) for names in labels],
        "handleInvalid": stage.param("handleInvalid", "error"),
    }


def _one_hot(stage: StageFolder) -> dict[str, Any]:
    inputs, outputs = _columns(stage)
    return {
        "type": "OneHotEncoderModel",
        "inputCols": inputs,
        "outputCols": outputs,
        "categorySizes": list(stage.only_row("categorySizes")["categorySizes"]),
        "dropLast": stage.param("dropLast", True),
        "handleInvalid": stage.param("handleInvalid", "error"),
    }


def _assembler(stage: StageFolder) -> dict[str, Any]:
    return {
        "type": "VectorAssembler",
        "inputCols": list(stage.param("inputCols", [])),
        "outputCol": stage.param("outputCol"),
        "handleInvalid": stage.param("handleInvalid", "error"),
    }


def _bucketizer(stage: StageFolder) -> dict[str, Any]:
    inputs, outputs = _columns(stage)
    splits = stage.param("splitsArray") if len(inputs) > 1 or stage.param("splits") is None else [
        stage.param("splits")
    ]  # fmt: skip
    return {
        "type": "Bucketizer",
        "inputCols": inputs,
        "outputCols": outputs,
        "splits": [list(s) for s in splits or []],
        "handleInvalid": stage.param("handleInvalid", "error"),
    }


def _scaler(stage: StageFolder) -> dict[str, Any]:
    row = stage.only_row("mean", "std")
    return {
        "type": "StandardScalerModel",
        "inputCol": stage.param("inputCol"),
        "outputCol": stage.param("outputCol"),
        "mean": vector(row["mean"]),
        "std": vector(row["std"]),
        "withMean": stage.param("withMean", False),
        "withStd": stage.param("withStd", True),
    }


def _imputer(stage: StageFolder) -> dict[str, Any]:
    inputs, outputs = _columns(stage)
    row = stage.only_row()
    missing = [c for c in inputs if c not in row]
    if missing:
        raise ModelFolderError(f"{stage.path}/data has no surrogate for {missing}.")
    return {
        "type": "ImputerModel",
        "inputCols": inputs,
        "outputCols": outputs,
        "surrogates": [float(row[c]) for c in inputs],
        "missingValue": stage.param("missingValue", "NaN"),
    }


def _index_to_string(stage: StageFolder) -> dict[str, Any]:
    labels = stage.param("labels")
    if not labels:
        raise UnsupportedStage(
            f"IndexToString {stage.uid!r} has no `labels` param: it would read them from "
            "column metadata, which a saved pipeline does not keep. Build it with "
            "IndexToString(labels=label_indexer.labelsArray[0], ...)."
        )
    return {
        "type": "IndexToString",
        "inputCol": stage.param("inputCol"),
        "outputCol": stage.param("outputCol"),
        "labels": list(labels),
    }


def _binarizer(stage: StageFolder) -> dict[str, Any]:
    inputs, outputs = _columns(stage)
    if stage.is_set("inputCols") and stage.is_set("thresholds"):
        thresholds = list(stage.param("thresholds"))
    else:
        thresholds = [stage.param("threshold", 0.0)] * len(inputs)
    return {"type": "Binarizer", "inputCols": inputs, "outputCols": outputs,
            "thresholds": thresholds}  # fmt: skip


def _vector_io(stage: StageFolder, kind: str) -> dict[str, Any]:
    return {"type": kind, "inputCol": stage.param("inputCol"),
            "outputCol": stage.param("outputCol")}  # fmt: skip


def _min_max(stage: StageFolder) -> dict[str, Any]:
    row = stage.only_row("originalMin", "originalMax")
    return {**_vector_io(stage, "MinMaxScalerModel"), "originalMin": vector(row["originalMin"]),
            "originalMax": vector(row["originalMax"]), "min": stage.param("min", 0.0),
            "max": stage.param("max", 1.0)}  # fmt: skip


def _max_abs(stage: StageFolder) -> dict[str, Any]:
    row = stage.only_row("maxAbs")
    return {**_vector_io(stage, "MaxAbsScalerModel"), "maxAbs": vector(row["maxAbs"])}


def _elementwise(stage: StageFolder) -> dict[str, Any]:
    scaling = stage.param("scalingVec")
    if not isinstance(scaling, dict):
        raise ModelFolderError(f"{stage.path}/metadata: ElementwiseProduct has no scalingVec.")
    return {**_vector_io(stage, "ElementwiseProduct"), "scalingVec": vector(scaling)}


def _vector_indexer(stage: StageFolder) -> dict[str, Any]:
    row = stage.only_row("numFeatures", "categoryMaps")
    maps = row["categoryMaps"]
    pairs = maps.items() if isinstance(maps, dict) else maps or []
    return {**_vector_io(stage, "VectorIndexerModel"), "numFeatures": row["numFeatures"],
            "handleInvalid": stage.param("handleInvalid", "error"),
            "categoryMaps": [[int(f), [[float(v), int(i)] for v, i in
                                       (m.items() if isinstance(m, dict) else m)]]
                             for f, m in pairs]}  # fmt: skip


def _normalizer(stage: StageFolder) -> dict[str, Any]:
    return {**_vector_io(stage, "Normalizer"), "p": stage.param("p", 2.0)}


def _io(stage: StageFolder) -> dict[str, Any]:
    return {
        "featuresCol": stage.param("featuresCol", "features"),
        "predictionCol": stage.param("predictionCol", "prediction"),
        "rawPredictionCol": stage.param("rawPredictionCol", ""),
        "probabilityCol": stage.param("probabilityCol", ""),
        "numFeatures": stage.meta.get("numFeatures"),
        "labelCol": stage.param("labelCol", "label"),
    }


def _thresholds(stage: StageFolder) -> list[float] | None:
    value = (stage.meta.get("paramMap") or {}).get("thresholds")
    return [float(t) for t in value] if value else None


def _columns(stage: StageFolder) -> tuple[list[str], list[str]]:
    """(inputCols, outputCols), from the multi-column params or the single-column ones."""
    inputs = stage.param("inputCols") if stage.is_set("inputCols") else None
    if inputs:
        return list(inputs), list(stage.param("outputCols"))
    return [stage.param("inputCol")], [stage.param("outputCol")]


def _node_lists(nodes: list[TreeNode], classifier: bool) -> dict[str, list]:
    """A tree's nodes (by id) -> the per-node lists of a tree spec."""
    lists: dict[str, list] = {key: [] for key in (
        "feature", "threshold", "numCategories", "leftCategories", "left", "right",
        "prediction", "stats",
    )}  # fmt: skip
    for node in nodes:
        split = node.split
        categorical = split is not None and split.is_categorical
        lists["feature"].append(-1 if split is None else split.feature)
        lists["numCategories"].append(split.num_categories if categorical else -1)
        lists["threshold"].append(split.threshold if split and not categorical else 0.0)
        lists["leftCategories"].append(
            [float(c) for c in split.left_categories] if categorical else None
        )
        lists["left"].append(-1 if split is None else node.left.id)
        lists["right"].append(-1 if split is None else node.right.id)
        lists["prediction"].append(node.prediction)
        lists["stats"].append(list(node.stats) if split is None and classifier else [])
    return lists


def _tree_model(kind: str) -> Reader:
    classifier = "Classification" in kind

    def read(stage: StageFolder) -> dict[str, Any]:
        if kind.startswith("DecisionTree"):
            trees, weights = [_node_lists(read_tree(stage), classifier)], [1.0]
        else:
            ensemble = read_ensemble(stage)
            stats = classifier and "GBT" not in kind  # GBT trees are regression trees
            trees = [_node_lists(nodes, stats) for nodes, _ in ensemble]
            weights = [weight for _, weight in ensemble]
        spec = {"type": kind, **_io(stage), "treeWeights": weights, "trees": trees}
        if classifier:
            spec["numClasses"] = stage.meta.get("numClasses", 2)
            spec["thresholds"] = _thresholds(stage)
        return spec

    return read


def _logistic(stage: StageFolder) -> dict[str, Any]:
    row = stage.only_row()
    if "coefficientMatrix" not in row:
        raise UnsupportedStage(
            f"{stage.path}: logistic regression saved by Spark < 2.1 is not supported."
        )
    multinomial = bool(row["isMultinomial"])
    thresholds = _thresholds(stage)
    if not multinomial and thresholds:
        threshold = 1.0 / (1.0 + thresholds[0] / thresholds[1]) if thresholds[1] else math.inf
    else:
        threshold = float(stage.param("threshold", 0.5))
    return {
        "type": "LogisticRegressionModel",
        **_io(stage),
        "numFeatures": row["numFeatures"],
        "numClasses": row["numClasses"],
        "isMultinomial": multinomial,
        "coefficients": matrix(row["coefficientMatrix"]),
        "intercepts": vector(row["interceptVector"]),
        "threshold": min(threshold, 1.0),
        "thresholds": thresholds if multinomial else None,
    }


def _linear(stage: StageFolder) -> dict[str, Any]:
    row = stage.only_row("coefficients", "intercept")
    coefficients = vector(row["coefficients"])
    return {
        "type": "LinearRegressionModel",
        **_io(stage),
        "numFeatures": len(coefficients),
        "coefficients": coefficients,
        "intercept": float(row["intercept"]),
    }


def _linear_svc(stage: StageFolder) -> dict[str, Any]:
    spec = _linear(stage)
    return {**spec, "type": "LinearSVCModel", "numClasses": 2,
            "threshold": stage.param("threshold", 0.0)}  # fmt: skip


def _naive_bayes(stage: StageFolder) -> dict[str, Any]:
    model_type = stage.param("modelType", "multinomial")
    if model_type != "multinomial":
        raise UnsupportedStage(
            f"NaiveBayesModel with modelType={model_type!r} is not supported; the exported "
            "scorer reproduces modelType='multinomial' only."
        )
    row = stage.only_row("pi", "theta")
    theta = matrix(row["theta"])
    return {
        "type": "NaiveBayesModel",
        **_io(stage),
        "numFeatures": len(theta[0]) if theta else 0,
        "modelType": model_type,
        "pi": vector(row["pi"]),
        "theta": theta,
        "thresholds": _thresholds(stage),
    }


def _polynomial(stage: StageFolder) -> dict[str, Any]:
    return {**_vector_io(stage, "PolynomialExpansion"), "degree": stage.param("degree", 2)}


def _interaction(stage: StageFolder) -> dict[str, Any]:
    return {"type": "Interaction", "inputCols": list(stage.param("inputCols") or []),
            "outputCol": stage.param("outputCol")}  # fmt: skip


#: Each GLM family's link when none is set (Spark's ``Family.defaultLink``).
_DEFAULT_LINKS = {"gaussian": "identity", "binomial": "logit", "poisson": "log",
                  "gamma": "inverse"}  # fmt: skip


def _glm_link(stage: StageFolder) -> tuple[str, float]:
    """(link, linkPower) as Spark's ``FamilyAndLink.apply`` resolves them from the params."""
    family = str(stage.param("family", "gaussian")).lower()
    if family != "tweedie":
        link = stage.param("link") if stage.is_set("link") else _DEFAULT_LINKS.get(family, "")
        return str(link).lower(), 0.0
    if stage.is_set("linkPower"):
        return "power", float(stage.param("linkPower"))
    power = float(stage.param("variancePower", 0.0))  # tweedie 0, 1, 2: Gaussian, Poisson, Gamma
    named = {0.0: "identity", 1.0: "log", 2.0: "inverse"}.get(power)
    return (named, 0.0) if named else ("power", 1.0 - power)


def _glm(stage: StageFolder) -> dict[str, Any]:
    row = stage.only_row("coefficients", "intercept")
    coefficients = vector(row["coefficients"])
    link, power = _glm_link(stage)
    return {"type": "GeneralizedLinearRegressionModel", **_io(stage),
            "numFeatures": len(coefficients), "coefficients": coefficients,
            "intercept": float(row["intercept"]),
            "family": str(stage.param("family", "gaussian")).lower(), "link": link,
            "linkPower": power, "offsetCol": stage.param("offsetCol") or "",
            "linkPredictionCol": stage.param("linkPredictionCol") or ""}  # fmt: skip


def _isotonic(stage: StageFolder) -> dict[str, Any]:
    row = stage.only_row("boundaries", "predictions", "isotonic")
    return {"type": "IsotonicRegressionModel", **_io(stage), "numFeatures": 0,
            "boundaries": [float(b) for b in row["boundaries"]],
            "predictions": [float(p) for p in row["predictions"]],
            "isotonic": bool(row["isotonic"]),
            "featureIndex": stage.param("featureIndex", 0)}  # fmt: skip


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
    "LinearSVCModel": _linear_svc,
    "NaiveBayesModel": _naive_bayes,
    "Binarizer": _binarizer,
    "MinMaxScalerModel": _min_max,
    "MaxAbsScalerModel": _max_abs,
    "ElementwiseProduct": _elementwise,
    "Normalizer": _normalizer,
    "VectorIndexerModel": _vector_indexer,
    "PolynomialExpansion": _polynomial,
    "Interaction": _interaction,
    "GeneralizedLinearRegressionModel": _glm,
    "IsotonicRegressionModel": _isotonic,
    **{
        kind: _tree_model(kind)
        for kind in (
            "DecisionTreeClassificationModel", "RandomForestClassificationModel",
            "GBTClassificationModel", "DecisionTreeRegressionModel",
            "RandomForestRegressionModel", "GBTRegressionModel",
        )
    },
}  # fmt: skip
