"""Row-wise vector stages: Binarizer, MinMaxScalerModel, MaxAbsScalerModel, Normalizer,
ElementwiseProduct, VectorIndexerModel.

The row rule of each is in :mod:`labkit.export._runtime` (shared with generated
modules); ``apply_batch`` here is its vectorised form on dense numpy matrices,
with the same operations in the same order, so both give Spark's bits.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from labkit.errors import InvalidValue
from labkit.export import _runtime as RT
from labkit.export import _spec as S
from labkit.export._base import HANDLE_INVALID, Batch, Stage, np, number_column


class VectorStage(Stage):
    """A stage that maps one vector column to another of the same width."""

    #: The width the stage was fitted on (None: any width).
    width: int | None = None

    def matrix(self, batch: Batch) -> Any:
        """The input column as a (rows x width) float matrix, checked as Spark checks it."""
        col = self.inputs[0]
        matrix = batch.column(col, self.kind)
        if not isinstance(matrix, np.ndarray) or matrix.ndim != 2:
            raise InvalidValue(f"{self.kind}: column {col!r} is not a vector column; "
                               "assemble the features first (VectorAssembler).")  # fmt: skip
        if self.width is not None and matrix.shape[1] != self.width:
            raise InvalidValue(f"{self.kind}: vector {col!r} has {matrix.shape[1]} entries, the "
                               f"stage was fitted on {self.width}.")  # fmt: skip
        return matrix

    def _io(self) -> dict[str, Any]:
        return {"type": self.kind, "inputCol": self.inputs[0], "outputCol": self.outputs[0]}

    @staticmethod
    def _read_io(spec: Mapping[str, Any], where: str) -> tuple[str, str]:
        return (S.get_str(spec, "inputCol", where, allow_empty=False),
                S.get_str(spec, "outputCol", where, allow_empty=False))  # fmt: skip


class Binarizer(Stage):
    """Spark's Binarizer: 1.0 above the threshold, else 0.0 (null and NaN: 0.0).

    On a vector column with a threshold >= 0 only entries above it become 1.0;
    with a negative threshold every entry does but the non-zeros at or below it.

    Examples
    --------
    >>> stage = Binarizer(["gain"], ["has_gain"], [0.0])
    >>> [stage.apply_row(r) or r["has_gain"] for r in ({"gain": 5}, {"gain": None})]
    [1.0, 0.0]
    """

    kind = "Binarizer"

    def __init__(self, inputs: list[str], outputs: list[str], thresholds: list[float]) -> None:
        self.inputs, self.outputs, self.thresholds = tuple(inputs), tuple(outputs), thresholds

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], where: str) -> Binarizer:
        inputs, outputs = S.get_columns(spec, where)
        return cls(inputs, outputs, S.get_float_list(spec, "thresholds", where, length=len(inputs)))

    def to_spec(self) -> dict[str, Any]:
        return {"type": self.kind, "inputCols": list(self.inputs), "outputCols": list(self.outputs),
                "thresholds": S.encode_floats(self.thresholds)}  # fmt: skip

    def apply_batch(self, batch: Batch) -> None:
        for col, out, t in zip(self.inputs, self.outputs, self.thresholds, strict=True):
            values = batch.column(col, self.kind)
            if isinstance(values, np.ndarray) and values.ndim == 2:
                low = (values != 0.0) & (values <= t)
                batch.cols[out] = (values > t) * 1.0 if t >= 0 else np.where(low, 0.0, 1.0)
                continue
            floats, _ = number_column(values, col, self.kind)  # null is NaN: never above t
            batch.cols[out] = (floats > t) * 1.0


class MinMaxScalerModel(VectorStage):
    """Spark's MinMaxScalerModel: ``(x - min_i) * ((max - min) / range_i) + min``.

    A column constant in training (range 0) becomes ``(min + max) / 2``; NaN stays NaN.

    Examples
    --------
    >>> stage = MinMaxScalerModel("f", "s", [0.0, 5.0], [10.0, 5.0], low=0.0, high=1.0)
    >>> row = {"f": (2, {0: 2.5, 1: 5.0})}; stage.apply_row(row); row["s"]
    (2, {0: 0.25, 1: 0.5})
    """

    kind = "MinMaxScalerModel"

    def __init__(self, input_col: str, output_col: str, original_min: list[float],
                 original_max: list[float], *, low: float, high: float) -> None:  # fmt: skip
        self.inputs, self.outputs = (input_col,), (output_col,)
        self.original_min, self.original_max = original_min, original_max
        self.low, self.high, self.width = low, high, len(original_min)

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], where: str) -> MinMaxScalerModel:
        lows = S.get_float_list(spec, "originalMin", where, finite=True)
        highs = S.get_float_list(spec, "originalMax", where, length=len(lows), finite=True)
        return cls(*cls._read_io(spec, where), lows, highs,
                   low=S.get_float(spec, "min", where, finite=True),
                   high=S.get_float(spec, "max", where, finite=True))  # fmt: skip

    def to_spec(self) -> dict[str, Any]:
        return {**self._io(), "originalMin": S.encode_floats(self.original_min),
                "originalMax": S.encode_floats(self.original_max), "min": self.low,
                "max": self.high}  # fmt: skip

    def apply_batch(self, batch: Batch) -> None:
        x = self.matrix(batch)
        mins = np.asarray(self.original_min)
        ranges = np.asarray(self.original_max) - mins
        safe = np.where(ranges != 0, ranges, 1.0)
        factors = np.where(ranges != 0, (self.high - self.low) / safe, 0.0)
        out = (x - mins) * factors + self.low
        out[:, factors == 0] = (self.low + self.high) / 2
        batch.cols[self.outputs[0]] = np.where(np.isnan(x), x, out)


class MaxAbsScalerModel(VectorStage):
    """Spark's MaxAbsScalerModel: ``x * (1 / maxAbs_i)`` (a 0 maxAbs leaves the entry as is).

    Examples
    --------
    >>> stage = MaxAbsScalerModel("f", "s", [4.0, 0.0])
    >>> row = {"f": (2, {0: -2.0, 1: 3.0})}; stage.apply_row(row); row["s"]
    (2, {0: -0.5, 1: 3.0})
    """

    kind = "MaxAbsScalerModel"

    def __init__(self, input_col: str, output_col: str, max_abs: list[float]) -> None:
        self.inputs, self.outputs = (input_col,), (output_col,)
        self.max_abs, self.width = max_abs, len(max_abs)

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], where: str) -> MaxAbsScalerModel:
        return cls(*cls._read_io(spec, where), S.get_float_list(spec, "maxAbs", where, finite=True))

    def to_spec(self) -> dict[str, Any]:
        return {**self._io(), "maxAbs": S.encode_floats(self.max_abs)}

    def apply_batch(self, batch: Batch) -> None:
        scale = [1.0 if v == 0 else 1 / v for v in self.max_abs]
        batch.cols[self.outputs[0]] = self.matrix(batch) * np.asarray(scale)


class ElementwiseProduct(VectorStage):
    """Spark's ElementwiseProduct: entry ``i`` times ``scalingVec[i]``.

    Examples
    --------
    >>> stage = ElementwiseProduct("f", "s", [2.0, 0.5])
    >>> row = {"f": (2, {1: 3.0})}; stage.apply_row(row); row["s"]
    (2, {1: 1.5})
    """

    kind = "ElementwiseProduct"

    def __init__(self, input_col: str, output_col: str, scaling: list[float]) -> None:
        self.inputs, self.outputs = (input_col,), (output_col,)
        self.scaling, self.width = scaling, len(scaling)

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], where: str) -> ElementwiseProduct:
        return cls(*cls._read_io(spec, where), S.get_float_list(spec, "scalingVec", where))

    def to_spec(self) -> dict[str, Any]:
        return {**self._io(), "scalingVec": S.encode_floats(self.scaling)}

    def apply_batch(self, batch: Batch) -> None:
        batch.cols[self.outputs[0]] = self.matrix(batch) * np.asarray(self.scaling)


class Normalizer(VectorStage):
    """Spark's Normalizer: the vector over its p-norm (a zero norm leaves it as is).

    Examples
    --------
    >>> stage = Normalizer("f", "s", math.inf)
    >>> row = {"f": (3, {0: -4.0, 2: 2.0})}; stage.apply_row(row); row["s"]
    (3, {0: -1.0, 2: 0.5})
    """

    kind = "Normalizer"

    def __init__(self, input_col: str, output_col: str, p: float) -> None:
        self.inputs, self.outputs, self.p = (input_col,), (output_col,), p

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], where: str) -> Normalizer:
        p = S.get_float(spec, "p", where)
        if not p >= 1:
            raise S.invalid(f"{where}.p", "a number >= 1 (Spark's p-norm)", p)
        return cls(*cls._read_io(spec, where), p)

    def to_spec(self) -> dict[str, Any]:
        return {**self._io(), "p": S.encode_float(self.p)}

    def apply_batch(self, batch: Batch) -> None:
        x = self.matrix(batch)
        if self.p not in (1, 2, math.inf):  # the JVM's pow, not numpy's: the row rule's norm
            norms = np.array([RT.p_norm(row, self.p) for row in x.tolist()], dtype=np.float64)
        else:
            norms = np.zeros(len(x))
            for j in range(x.shape[1]):  # column by column: each row summed left to right
                if self.p == 1:
                    norms += np.abs(x[:, j])
                elif self.p == 2:
                    norms += x[:, j] * x[:, j]
                else:  # NaN is never above the norm, as in Spark
                    norms = np.where(np.abs(x[:, j]) > norms, np.abs(x[:, j]), norms)
            if self.p == 2:
                norms = np.sqrt(norms)
        out = x.astype(np.float64, copy=True)
        np.divide(x, norms[:, None], out=out, where=(norms != 0)[:, None])
        batch.cols[self.outputs[0]] = out


class VectorIndexerModel(VectorStage):
    """Spark's VectorIndexerModel: each categorical feature's value -> its category index.

    Continuous features pass unchanged. A value not seen in training fails
    (``handleInvalid="error"``), drops the row (``"skip"``) or becomes the
    extra index ``len(categories)`` (``"keep"``). Spark maps 0.0 to index 0 and
    leaves zeros of a sparse vector as they are; a model whose categorical
    feature lacks 0.0 (Spark's answer then depends on how the row's vector is
    stored) is refused at load.

    Examples
    --------
    >>> stage = VectorIndexerModel("f", "i", 2, {1: {0.0: 0, 5.0: 1, 2.0: 2}}, "keep")
    >>> row = {"f": (2, {0: 7.5, 1: 2.0})}; stage.apply_row(row); row["i"]
    (2, {0: 7.5, 1: 2.0})
    >>> row = {"f": (2, {1: 9.0})}; stage.apply_row(row); row["i"]
    (2, {1: 3.0})
    """

    kind = "VectorIndexerModel"

    def __init__(
        self, input_col: str, output_col: str, num_features: int,
        category_maps: dict[int, dict[float, int]], handle_invalid: str,
    ) -> None:  # fmt: skip
        self.inputs, self.outputs, self.width = (input_col,), (output_col,), num_features
        self.category_maps, self.handle_invalid = category_maps, handle_invalid

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], where: str) -> VectorIndexerModel:
        width = S.get_int(spec, "numFeatures", where, maximum=S.MAX_FEATURES)
        maps: dict[int, dict[float, int]] = {}
        for i, item in enumerate(S.get_list(spec, "categoryMaps", where)):
            here = f"{where}.categoryMaps[{i}]"
            pair = S.check_list(item, here, length=2)
            feature = S.check_int(pair[0], f"{here}[0]", maximum=width - 1)
            pairs = S.check_list(pair[1], f"{here}[1]", length=None)
            if len(pairs) > S.MAX_CATEGORIES:
                raise S.invalid(f"{here}[1]", f"at most {S.MAX_CATEGORIES} categories", len(pairs))
            lookup = {}
            for k, entry in enumerate(pairs):
                value, index = S.check_list(entry, f"{here}[1][{k}]", length=2)
                lookup[S.check_float(value, f"{here}[1][{k}][0]")] = S.check_int(
                    index, f"{here}[1][{k}][1]", maximum=len(pairs) - 1
                )
            if lookup.get(0.0) != 0:
                raise S.invalid(
                    f"{here}[1]", "0.0 among the categories, as index 0 (else Spark's answer "
                    "for a 0 depends on whether the row's vector is stored dense or sparse, "
                    "which the scorer cannot know; raise maxCategories or index the feature "
                    "with a StringIndexer instead)", sorted(lookup)[:6],
                )  # fmt: skip
            maps[feature] = lookup
        handle = S.get_choice(spec, "handleInvalid", where, HANDLE_INVALID)
        return cls(*cls._read_io(spec, where), width, maps, handle)

    def to_spec(self) -> dict[str, Any]:
        return {**self._io(), "numFeatures": self.width, "handleInvalid": self.handle_invalid,
                "categoryMaps": [[f, [[S.encode_float(v), i] for v, i in m.items()]]
                                 for f, m in sorted(self.category_maps.items())]}  # fmt: skip

    def apply_batch(self, batch: Batch) -> None:
        x = self.matrix(batch)
        out = x.astype(np.float64, copy=True)
        for feature, lookup in sorted(self.category_maps.items()):
            keys = np.array(sorted(k for k in lookup if k == k))
            codes = np.array([lookup[k] for k in keys], dtype=np.float64)
            column = x[:, feature]
            pos = np.minimum(np.searchsorted(keys, column), len(keys) - 1)
            found = keys[pos] == column
            out[found, feature] = codes[pos[found]]
            nan_code = next((i for k, i in lookup.items() if k != k), None)
            nan = np.isnan(column)
            if nan_code is not None:
                out[nan, feature] = nan_code
                found |= nan
            unseen = ~found & batch.alive
            if unseen.any():
                first = int(np.flatnonzero(unseen)[0])
                if self.handle_invalid == "keep":
                    out[unseen, feature] = len(lookup)
                elif self.handle_invalid == "skip":
                    why = lambda i, f=feature, c=column: RT.vector_index_message(  # noqa: E731
                        float(c[i]), f, True
                    )
                    batch.drop(unseen, why)
                else:
                    message = RT.vector_index_message(float(column[first]), feature, False)
                    raise InvalidValue(f"row {first}: {message}")
        batch.cols[self.outputs[0]] = out
