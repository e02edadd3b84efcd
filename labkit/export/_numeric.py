"""Numbers and vectors: VectorAssembler, Bucketizer, StandardScalerModel, ImputerModel.

Each class reproduces what the Spark stage of the same name does in
``transform``, including how it meets null and NaN (read against Spark's
``org.apache.spark.ml.feature`` sources; the parity tests prove it row by row).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from labkit.errors import InvalidValue
from labkit.export import _runtime as RT
from labkit.export import _spec as S
from labkit.export._base import (
    HANDLE_INVALID,
    Batch,
    OneHot,
    Stage,
    np,
    number_column,
    skip_reason,
)


class VectorAssembler(Stage):
    """Spark's VectorAssembler: numbers and vectors, concatenated in ``inputCols`` order.

    Examples
    --------
    >>> stage = VectorAssembler(["age", "c_vec"], "features", "error")
    >>> row = {"age": 39, "c_vec": (2, {1: 1.0})}; stage.apply_row(row); row["features"]
    (3, {0: 39.0, 2: 1.0})
    """

    kind = "VectorAssembler"

    def __init__(self, inputs: list[str], output: str, handle_invalid: str) -> None:
        self.inputs, self.outputs = tuple(inputs), (output,)
        self.handle_invalid = handle_invalid

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], where: str) -> VectorAssembler:
        return cls(
            S.get_str_list(spec, "inputCols", where),
            S.get_str(spec, "outputCol", where, allow_empty=False),
            S.get_choice(spec, "handleInvalid", where, HANDLE_INVALID),
        )

    def to_spec(self) -> dict[str, Any]:
        return {
            "type": self.kind,
            "inputCols": list(self.inputs),
            "outputCol": self.outputs[0],
            "handleInvalid": self.handle_invalid,
        }

    def apply_batch(self, batch: Batch) -> None:
        blocks = []
        for col in self.inputs:
            values = batch.cols.get(col)
            if isinstance(values, OneHot):
                blocks.append(values)
                continue
            values = batch.column(col, self.kind)
            if isinstance(values, np.ndarray) and values.ndim == 2:
                blocks.append(values)
                continue
            floats, nulls = number_column(values, col, self.kind)
            nulls = nulls | batch.nulls.get(col, False)
            bad = nulls | np.isnan(floats)
            if bad.any():
                if self.handle_invalid == "skip":
                    why = lambda i, c=col, n=nulls: skip_reason(self.kind, c, null=n[i])  # noqa: E731
                    batch.drop(bad, why)
                elif self.handle_invalid == "error":
                    first = batch.first_alive(bad)
                    if first is not None:
                        why = RT.assembler_message(col, bool(nulls[first]))
                        raise InvalidValue(f"row {first}: {why}")
            blocks.append(floats.reshape(-1, 1))
        batch.cols[self.outputs[0]] = _concatenate(blocks, batch.size)


def _concatenate(blocks: list[Any], rows: int) -> Any:
    """The blocks side by side in one (rows x total width) matrix, one-hot blocks filled in."""
    widths = [b.width if isinstance(b, OneHot) else b.shape[1] for b in blocks]
    out = np.zeros((rows, sum(widths)))
    offset = 0
    for block, width in zip(blocks, widths, strict=True):
        if isinstance(block, OneHot):
            block.fill(out, offset)
        else:
            out[:, offset : offset + width] = block
        offset += width
    return out


class Bucketizer(Stage):
    """Spark's Bucketizer: bucket ``i`` holds ``[splits[i], splits[i+1])``, the last one closed.

    Examples
    --------
    >>> stage = Bucketizer(["age"], ["age_band"], [[-math.inf, 30.0, 60.0, math.inf]], "keep")
    >>> row = {"age": 30}; stage.apply_row(row); row["age_band"]
    1.0
    >>> row = {"age": float("nan")}; stage.apply_row(row); row["age_band"]
    3.0
    """

    kind = "Bucketizer"

    def __init__(
        self, inputs: list[str], outputs: list[str], splits: list[list[float]], handle_invalid: str
    ) -> None:
        self.inputs, self.outputs = tuple(inputs), tuple(outputs)
        self.splits, self.handle_invalid = splits, handle_invalid

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], where: str) -> Bucketizer:
        inputs = S.get_str_list(spec, "inputCols", where)
        outputs = S.get_str_list(spec, "outputCols", where, length=len(inputs))
        raw = S.get_list(spec, "splits", where, length=len(inputs))
        splits = [S.check_float_list(s, f"{where}.splits[{i}]") for i, s in enumerate(raw)]
        for i, edges in enumerate(splits):
            if (
                len(edges) < 3
                or any(math.isnan(e) for e in edges)
                or any(a >= b for a, b in zip(edges, edges[1:], strict=False))
            ):
                raise S.invalid(f"{where}.splits[{i}]", "3 or more strictly increasing numbers",
                                edges)  # fmt: skip
        handle = S.get_choice(spec, "handleInvalid", where, HANDLE_INVALID)
        return cls(inputs, outputs, splits, handle)

    def to_spec(self) -> dict[str, Any]:
        return {
            "type": self.kind,
            "inputCols": list(self.inputs),
            "outputCols": list(self.outputs),
            "splits": [S.encode_floats(s) for s in self.splits],
            "handleInvalid": self.handle_invalid,
        }

    def apply_batch(self, batch: Batch) -> None:
        columns = []
        for col in self.inputs:
            floats, nulls = number_column(batch.column(col, self.kind), col, self.kind)
            columns.append((floats, nulls | batch.nulls.get(col, False)))
        if self.handle_invalid == "skip":
            for col, (floats, nulls) in zip(self.inputs, columns, strict=True):
                why = lambda i, c=col, n=nulls: skip_reason(self.kind, c, null=n[i])  # noqa: E731
                batch.drop(nulls | np.isnan(floats), why)
        for col, out, edges, (floats, nulls) in zip(
            self.inputs, self.outputs, self.splits, columns, strict=True
        ):
            buckets = np.full(batch.size, np.nan)
            keep = self.handle_invalid == "keep"
            for i in np.flatnonzero(batch.alive & ~nulls).tolist():
                try:
                    buckets[i] = RT.bucket(float(floats[i]), edges, keep, col)
                except RT.InvalidRow as error:
                    raise InvalidValue(f"row {i}: {error}") from None
            batch.cols[out] = buckets
            batch.nulls[out] = nulls


class StandardScalerModel(Stage):
    """Spark's StandardScalerModel: ``(x - mean) * (1 / std)``, each part optional.

    Examples
    --------
    >>> stage = StandardScalerModel("f", "scaled", mean=[1.0, 0.0], std=[2.0, 0.0],
    ...                             with_mean=False, with_std=True)
    >>> row = {"f": (2, {0: 4.0, 1: 3.0})}; stage.apply_row(row); row["scaled"]
    (2, {0: 2.0, 1: 0.0})
    """

    kind = "StandardScalerModel"

    def __init__(
        self, input_col: str, output_col: str, *, mean: list[float], std: list[float],
        with_mean: bool, with_std: bool,
    ) -> None:  # fmt: skip
        self.inputs, self.outputs = (input_col,), (output_col,)
        self.mean, self.std, self.with_mean, self.with_std = mean, std, with_mean, with_std
        # Spark multiplies by 1/std (0 where std is 0): dividing can differ in the last bit.
        self.scale = [0.0 if s == 0 else 1.0 / s for s in std]

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], where: str) -> StandardScalerModel:
        std = S.get_float_list(spec, "std", where)
        return cls(
            S.get_str(spec, "inputCol", where, allow_empty=False),
            S.get_str(spec, "outputCol", where, allow_empty=False),
            mean=S.get_float_list(spec, "mean", where, length=len(std)),
            std=std,
            with_mean=S.get_bool(spec, "withMean", where),
            with_std=S.get_bool(spec, "withStd", where),
        )

    def to_spec(self) -> dict[str, Any]:
        return {
            "type": self.kind,
            "inputCol": self.inputs[0],
            "outputCol": self.outputs[0],
            "mean": S.encode_floats(self.mean),
            "std": S.encode_floats(self.std),
            "withMean": self.with_mean,
            "withStd": self.with_std,
        }

    def apply_batch(self, batch: Batch) -> None:
        matrix = batch.column(self.inputs[0], self.kind)
        out = matrix.astype(np.float64, copy=True)
        if self.with_mean:
            out -= np.asarray(self.mean)
        if self.with_std:
            out *= np.asarray(self.scale)
        batch.cols[self.outputs[0]] = out


class ImputerModel(Stage):
    """Spark's ImputerModel: null (and ``missingValue``) replaced by the fitted surrogate.

    The saved model does not record the input columns' types; the scorer treats
    them as doubles, as Spark does when they are (integer columns would get
    the surrogate truncated to an integer in Spark).

    Examples
    --------
    >>> stage = ImputerModel(["hours"], ["hours_filled"], [40.5], missing_value=math.nan)
    >>> row = {"hours": None}; stage.apply_row(row); row["hours_filled"]
    40.5
    """

    kind = "ImputerModel"

    def __init__(
        self, inputs: list[str], outputs: list[str], surrogates: list[float], *,
        missing_value: float,
    ) -> None:  # fmt: skip
        self.inputs, self.outputs = tuple(inputs), tuple(outputs)
        self.surrogates, self.missing_value = surrogates, missing_value

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], where: str) -> ImputerModel:
        inputs, outputs = S.get_columns(spec, where)
        return cls(
            inputs,
            outputs,
            S.get_float_list(spec, "surrogates", where, length=len(inputs)),
            missing_value=S.get_float(spec, "missingValue", where),
        )

    def to_spec(self) -> dict[str, Any]:
        return {
            "type": self.kind,
            "inputCols": list(self.inputs),
            "outputCols": list(self.outputs),
            "surrogates": S.encode_floats(self.surrogates),
            "missingValue": S.encode_float(self.missing_value),
        }

    def apply_batch(self, batch: Batch) -> None:
        for col, out, surrogate in zip(self.inputs, self.outputs, self.surrogates, strict=True):
            floats, nulls = number_column(batch.column(col, self.kind), col, self.kind)
            missing = nulls | batch.nulls.get(col, False)
            if math.isnan(self.missing_value):
                missing |= np.isnan(floats)
            else:
                missing |= floats == self.missing_value
            batch.cols[out] = np.where(missing, surrogate, floats)
