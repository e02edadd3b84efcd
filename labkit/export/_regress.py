"""Regression models: GeneralizedLinearRegressionModel and IsotonicRegressionModel.

The row rules are in :mod:`labkit.export._runtime.regress`, read against
Spark's ``org.apache.spark.ml.regression.GeneralizedLinearRegression``
(``predict``: the link's inverse of ``w . x + b + offset``) and
``org.apache.spark.mllib.regression.IsotonicRegressionModel.predict``.
``apply_batch`` computes the linear predictor with numpy and passes each value
through the very same row rule (link inverse, or the isotonic lookup), so the
batch and the row give identical bits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from labkit.errors import InvalidValue
from labkit.export import _runtime as RT
from labkit.export import _spec as S
from labkit.export._base import Batch, Predictor, np, number_column

#: Spark's ``GeneralizedLinearRegression.supportedFamilyAndLinkPairs`` (tweedie: power links).
FAMILY_LINKS = {
    "gaussian": ("identity", "log", "inverse"),
    "binomial": ("logit", "probit", "cloglog"),
    "poisson": ("log", "identity", "sqrt"),
    "gamma": ("inverse", "identity", "log"),
    "tweedie": ("power", "identity", "log", "inverse"),  # variancePower 0, 1, 2: named links
}


class GeneralizedLinearRegressionModel(Predictor):
    """Spark's GeneralizedLinearRegressionModel: ``unlink(w . x + b + offset)``.

    ``link`` is the link Spark resolved (the family's default unless set;
    tweedie's is ``power`` with ``linkPower``, by default ``1 - variancePower``).

    Examples
    --------
    >>> model = GeneralizedLinearRegressionModel(coefficients=[0.5, -1.0], intercept=1.0,
    ...     family="poisson", link="log", link_power=0.0)
    >>> row = {"features": (2, {0: 2.0})}; model.apply_row(row); round(row["prediction"], 6)
    7.389056
    """

    kind = "GeneralizedLinearRegressionModel"

    def __init__(
        self, *, coefficients: list[float], intercept: float, family: str, link: str,
        link_power: float, offset_col: str = "", link_col: str = "",
    ) -> None:  # fmt: skip
        self.coefficients, self.intercept = coefficients, intercept
        self.family, self.link, self.link_power = family, link, link_power
        self.offset_col, self.link_col = offset_col, link_col
        self.num_features = len(coefficients)
        self._set_columns()

    def _set_columns(self) -> None:
        self.inputs = (self.features_col, *([self.offset_col] if self.offset_col else []))
        self.outputs = tuple(c for c in (self.link_col, self.prediction_col) if c)

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], where: str) -> GeneralizedLinearRegressionModel:
        family = S.get_choice(spec, "family", where, tuple(FAMILY_LINKS))
        features = S.get_int(spec, "numFeatures", where, maximum=S.MAX_FEATURES)
        model = cls(
            coefficients=S.get_float_list(spec, "coefficients", where, length=features,
                                          finite=True),
            intercept=S.get_float(spec, "intercept", where, finite=True),
            family=family,
            link=S.get_choice(spec, "link", where, FAMILY_LINKS[family]),
            link_power=S.get_float(spec, "linkPower", where, finite=True),
            offset_col=S.get_str(spec, "offsetCol", where),
            link_col=S.get_str(spec, "linkPredictionCol", where),
        )  # fmt: skip
        model._read_io(spec, where)
        model._set_columns()
        return model

    def to_spec(self) -> dict[str, Any]:
        return {"type": self.kind, **self._io_spec(), "family": self.family, "link": self.link,
                "linkPower": self.link_power, "coefficients": self.coefficients,
                "intercept": self.intercept, "offsetCol": self.offset_col,
                "linkPredictionCol": self.link_col}  # fmt: skip

    def apply_batch(self, batch: Batch) -> None:
        matrix = self.features_batch(batch)
        with np.errstate(over="ignore", invalid="ignore"):
            eta = matrix @ np.asarray(self.coefficients) + self.intercept
        if self.offset_col:
            offset, nulls = number_column(batch.column(self.offset_col, self.kind),
                                          self.offset_col, self.kind)  # fmt: skip
            first = batch.first_alive(nulls)
            if first is not None:
                raise InvalidValue(
                    f"row {first}: {self.kind}: offset {self.offset_col!r} is "
                    "null; Spark predicts null for this row. Fill it in."
                )
            eta = eta + offset
        unlink = RT.glm_unlink(self.link, self.link_power)
        if self.link_col:
            batch.cols[self.link_col] = eta
        prediction = np.array([unlink(e) for e in eta.tolist()], dtype=np.float64)
        self.write_batch(batch, prediction, None, None)


class IsotonicRegressionModel(Predictor):
    """Spark's IsotonicRegressionModel: piecewise linear through ``(boundaries, predictions)``.

    Below the first boundary the first prediction, above the last the last
    (NaN too, as Java's binary search places it last); between two boundaries
    the straight line through them. ``featureIndex`` picks the entry of a
    vector feature; a number feature is used as is.

    Examples
    --------
    >>> model = IsotonicRegressionModel(boundaries=[1.0, 3.0], predictions=[10.0, 20.0],
    ...                                 isotonic=True, feature_index=0)
    >>> [model.apply_row(r) or r["prediction"] for r in ({"features": x} for x in (0, 2, 9))]
    [10.0, 15.0, 20.0]
    """

    kind = "IsotonicRegressionModel"

    def __init__(self, *, boundaries: list[float], predictions: list[float], isotonic: bool,
                 feature_index: int) -> None:  # fmt: skip
        self.boundaries, self.predictions = boundaries, predictions
        self.isotonic, self.feature_index = isotonic, feature_index
        self.inputs, self.outputs = ("features",), ("prediction",)

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], where: str) -> IsotonicRegressionModel:
        boundaries = S.get_float_list(spec, "boundaries", where, finite=True)
        predictions = S.get_float_list(spec, "predictions", where, length=len(boundaries),
                                       finite=True)  # fmt: skip
        isotonic = S.get_bool(spec, "isotonic", where)
        if not boundaries:
            raise S.invalid(f"{where}.boundaries", "at least one boundary", boundaries)
        if any(b > a for a, b in zip(boundaries[1:], boundaries, strict=False)):
            raise S.invalid(f"{where}.boundaries", "numbers in increasing order", boundaries)
        ordered = (
            all(a <= b for a, b in zip(predictions, predictions[1:], strict=False))
            if isotonic
            else all(a >= b for a, b in zip(predictions, predictions[1:], strict=False))
        )
        if not ordered:
            raise S.invalid(
                f"{where}.predictions",
                "non-decreasing numbers (isotonic)"
                if isotonic
                else "non-increasing numbers (antitonic)",
                predictions,
            )
        model = cls(boundaries=boundaries, predictions=predictions, isotonic=isotonic,
                    feature_index=S.get_int(spec, "featureIndex", where,
                                            maximum=S.MAX_FEATURES - 1))  # fmt: skip
        model._read_io(spec, where)
        model.num_features = 0  # a number or a vector of any width (featureIndex must fit)
        return model

    def to_spec(self) -> dict[str, Any]:
        return {"type": self.kind, **self._io_spec(), "boundaries": self.boundaries,
                "predictions": self.predictions, "isotonic": self.isotonic,
                "featureIndex": self.feature_index}  # fmt: skip

    def apply_batch(self, batch: Batch) -> None:
        values = batch.column(self.features_col, self.kind)
        if isinstance(values, np.ndarray) and values.ndim == 2:
            if self.feature_index >= values.shape[1]:
                raise InvalidValue(
                    f"{self.kind}: featureIndex {self.feature_index} is outside "
                    f"the {values.shape[1]} entries of {self.features_col!r}."
                )
            x = values[:, self.feature_index]
        else:
            x, nulls = number_column(values, self.features_col, self.kind)
            first = batch.first_alive(nulls)
            if first is not None:
                raise InvalidValue(
                    f"row {first}: {self.kind}: feature {self.features_col!r} is "
                    "null; Spark predicts null for this row. Fill it in."
                )
        bounds, preds = self.boundaries, self.predictions
        prediction = [RT.isotonic_predict(bounds, preds, v) for v in x.tolist()]
        self.write_batch(batch, np.array(prediction, dtype=np.float64), None, None)
