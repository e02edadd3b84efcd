"""Linear models: logistic regression (binary and multinomial), linear regression, naive Bayes.

Each is a dot product plus an intercept, followed by Spark's own link
function; the rules (thresholds, the softmax's max subtraction, sigmoid per
entry) are those of ``LogisticRegressionModel``, ``LinearRegressionModel`` and
``NaiveBayesModel`` in Spark 4 (``org.apache.spark.ml.classification`` and
``.regression``; the parity tests prove them row by row).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from labkit.errors import InvalidValue
from labkit.export import _classify as C
from labkit.export import _runtime as RT
from labkit.export import _spec as S
from labkit.export._base import Batch, Predictor, np


def _matrix(
    spec: Mapping[str, Any], key: str, where: str, rows: int, cols: int
) -> list[list[float]]:
    raw = S.get_list(spec, key, where, length=rows)
    return [
        S.check_float_list(r, f"{where}.{key}[{i}]", length=cols, finite=True)
        for i, r in enumerate(raw)
    ]


def _weights(spec: Mapping[str, Any], where: str) -> dict[str, Any]:
    """``coefficients`` (``numFeatures`` finite numbers) and a finite ``intercept``."""
    features = S.get_int(spec, "numFeatures", where)
    return {
        "coefficients": S.get_float_list(spec, "coefficients", where, length=features, finite=True),
        "intercept": S.get_float(spec, "intercept", where, finite=True),
    }


class LogisticRegressionModel(Predictor):
    """Spark's LogisticRegressionModel, binary or multinomial.

    Examples
    --------
    >>> model = LogisticRegressionModel(coefficients=[[2.0, -1.0]], intercepts=[0.5],
    ...                                 multinomial=False, threshold=0.5)
    >>> row = {"features": (2, {0: 1.0})}; model.apply_row(row)
    >>> row["prediction"], round(row["probability"][1], 6)
    (1.0, 0.924142)
    """

    kind = "LogisticRegressionModel"

    def __init__(
        self, *, coefficients: list[list[float]], intercepts: list[float], multinomial: bool,
        threshold: float = 0.5, thresholds: list[float] | None = None,
    ) -> None:  # fmt: skip
        self.coefficients, self.intercepts = coefficients, intercepts
        self.multinomial, self.threshold, self.thresholds = multinomial, threshold, thresholds
        self.num_classes = len(intercepts) if multinomial else 2
        self.num_features = len(coefficients[0]) if coefficients else 0
        self.raw_col, self.probability_col = "rawPrediction", "probability"
        self.inputs, self.outputs = ("features",), ("rawPrediction", "probability", "prediction")
        self._raw_threshold = RT.raw_threshold(threshold)

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], where: str) -> LogisticRegressionModel:
        multinomial = S.get_bool(spec, "isMultinomial", where)
        features = S.get_int(spec, "numFeatures", where)
        intercepts = S.get_float_list(spec, "intercepts", where, finite=True)
        rows = len(intercepts)
        if rows < 1 or (not multinomial and rows != 1):
            raise S.invalid(f"{where}.intercepts", "1 number (binary) or 1 per class", intercepts)
        threshold = S.get_float(spec, "threshold", where, finite=True)
        if not 0 <= threshold <= 1:
            raise S.invalid(f"{where}.threshold", "a number in [0, 1]", threshold)
        model = cls(
            coefficients=_matrix(spec, "coefficients", where, rows, features),
            intercepts=intercepts,
            multinomial=multinomial,
            threshold=threshold,
            thresholds=S.get_optional_thresholds(spec, where, rows if multinomial else 2),
        )
        model._read_io(spec, where)
        return model

    def to_spec(self) -> dict[str, Any]:
        return {
            "type": self.kind,
            **self._io_spec(),
            "numClasses": self.num_classes,
            "isMultinomial": self.multinomial,
            "coefficients": self.coefficients,
            "intercepts": self.intercepts,
            "threshold": self.threshold,
            "thresholds": self.thresholds,
        }

    def apply_batch(self, batch: Batch) -> None:
        matrix = self.features_batch(batch)
        # Overflow becomes inf, as on the JVM; the caller reports a non-finite answer.
        with np.errstate(over="ignore", invalid="ignore"):
            margins = matrix @ np.asarray(self.coefficients).T + np.asarray(self.intercepts)
            if not self.multinomial:
                margin = margins[:, 0]
                raw = np.column_stack([-margin, margin])
                probability = 1.0 / (1.0 + np.exp(-raw))
                prediction = (margin > self._raw_threshold).astype(np.float64)
            else:
                raw = margins
                probability = _softmax_batch(raw)
                prediction = (
                    C.argmax_batch(raw) if self.thresholds is None
                    else C.argmax_thresholded_batch(probability, self.thresholds)
                ).astype(np.float64)  # fmt: skip
        self.write_batch(batch, prediction, raw, probability)


def _softmax_batch(raw: Any) -> Any:
    top = C.argmax_batch(raw)
    largest = raw[np.arange(raw.shape[0]), top]
    shift = np.where(largest > 0, largest, 0.0)
    values = np.exp(raw - shift[:, None])
    probability = values * (1.0 / C.seq_sum_batch(values))[:, None]
    infinite = largest == np.inf
    if infinite.any():
        probability[infinite] = 0.0
        probability[np.flatnonzero(infinite), top[infinite]] = 1.0
    return probability


class LinearSVCModel(Predictor):
    """Spark's LinearSVCModel: margin ``w . x + b``, raw ``(-margin, margin)``, class 1 above
    ``threshold`` (on the margin; no probability).

    Examples
    --------
    >>> model = LinearSVCModel(coefficients=[2.0, -1.0], intercept=-0.5, threshold=0.0)
    >>> row = {"features": (2, {0: 1.0})}; model.apply_row(row)
    >>> row["rawPrediction"], row["prediction"]
    ((-1.5, 1.5), 1.0)
    """

    kind = "LinearSVCModel"

    def __init__(self, *, coefficients: list[float], intercept: float, threshold: float) -> None:
        self.coefficients, self.intercept, self.threshold = coefficients, intercept, threshold
        self.num_classes, self.num_features = 2, len(coefficients)
        self.raw_col, self.probability_col = "rawPrediction", ""
        self.inputs, self.outputs = ("features",), ("rawPrediction", "prediction")

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], where: str) -> LinearSVCModel:
        model = cls(**_weights(spec, where), threshold=S.get_float(spec, "threshold", where))
        model._read_io(spec, where)
        return model

    def to_spec(self) -> dict[str, Any]:
        return {"type": self.kind, **self._io_spec(), "numClasses": 2,
                "coefficients": self.coefficients, "intercept": self.intercept,
                "threshold": S.encode_float(self.threshold)}  # fmt: skip

    def apply_batch(self, batch: Batch) -> None:
        with np.errstate(over="ignore", invalid="ignore"):
            margin = self.features_batch(batch) @ np.asarray(self.coefficients) + self.intercept
        prediction = (margin > self.threshold).astype(np.float64)
        self.write_batch(batch, prediction, np.column_stack([-margin, margin]), None)


class LinearRegressionModel(Predictor):
    """Spark's LinearRegressionModel: ``w . x + b``.

    Examples
    --------
    >>> model = LinearRegressionModel(coefficients=[2.0, 3.0], intercept=1.0)
    >>> row = {"features": (2, {0: 1.0, 1: 2.0})}; model.apply_row(row); row["prediction"]
    9.0
    """

    kind = "LinearRegressionModel"

    def __init__(self, *, coefficients: list[float], intercept: float) -> None:
        self.coefficients, self.intercept = coefficients, intercept
        self.num_features = len(coefficients)
        self.inputs, self.outputs = ("features",), ("prediction",)

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], where: str) -> LinearRegressionModel:
        model = cls(**_weights(spec, where))
        model._read_io(spec, where)
        return model

    def to_spec(self) -> dict[str, Any]:
        return {
            "type": self.kind,
            **self._io_spec(),
            "coefficients": self.coefficients,
            "intercept": self.intercept,
        }

    def apply_batch(self, batch: Batch) -> None:
        matrix = self.features_batch(batch)
        prediction = matrix @ np.asarray(self.coefficients) + self.intercept
        self.write_batch(batch, prediction, None, None)


class NaiveBayesModel(Predictor):
    """Spark's multinomial NaiveBayesModel: ``pi + theta . x``, then a softmax.

    Examples
    --------
    >>> model = NaiveBayesModel(pi=[-0.7, -0.7], theta=[[-1.0, -2.0], [-2.0, -1.0]])
    >>> row = {"features": (2, {1: 3.0})}; model.apply_row(row); row["prediction"]
    1.0
    """

    kind = "NaiveBayesModel"

    def __init__(
        self, *, pi: list[float], theta: list[list[float]], thresholds: list[float] | None = None
    ) -> None:
        self.pi, self.theta, self.thresholds = pi, theta, thresholds
        self.num_classes = len(pi)
        self.num_features = len(theta[0]) if theta else 0
        self.raw_col, self.probability_col = "rawPrediction", "probability"
        self.inputs, self.outputs = ("features",), ("rawPrediction", "probability", "prediction")

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], where: str) -> NaiveBayesModel:
        S.get_choice(spec, "modelType", where, ("multinomial",))
        features = S.get_int(spec, "numFeatures", where)
        pi = S.get_float_list(spec, "pi", where, finite=True)
        if len(pi) < 2:
            raise S.invalid(f"{where}.pi", "one number per class (2 or more)", pi)
        model = cls(
            pi=pi,
            theta=_matrix(spec, "theta", where, len(pi), features),
            thresholds=S.get_optional_thresholds(spec, where, len(pi)),
        )
        model._read_io(spec, where)
        return model

    def to_spec(self) -> dict[str, Any]:
        return {
            "type": self.kind,
            **self._io_spec(),
            "modelType": "multinomial",
            "numClasses": self.num_classes,
            "pi": self.pi,
            "theta": self.theta,
            "thresholds": self.thresholds,
        }

    def apply_batch(self, batch: Batch) -> None:
        matrix = self.features_batch(batch)
        bad = ~(matrix >= 0.0).all(axis=1)
        first = batch.first_alive(bad)
        if first is not None:
            index = int(np.flatnonzero(~(matrix[first] >= 0.0))[0])
            why = RT.negative_count_message(self.features_col, index, float(matrix[first, index]))
            raise InvalidValue(f"row {first}: {why}")
        raw = matrix @ np.asarray(self.theta).T + np.asarray(self.pi)
        values = np.exp(raw - raw.max(axis=1, keepdims=True))
        probability = C.normalize_batch(values)
        prediction = (
            C.argmax_batch(raw) if self.thresholds is None
            else C.argmax_thresholded_batch(probability, self.thresholds)
        ).astype(np.float64)  # fmt: skip
        self.write_batch(batch, prediction, raw, probability)
