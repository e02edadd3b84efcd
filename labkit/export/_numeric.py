"""Numbers and vectors: VectorAssembler, Bucketizer, StandardScalerModel, ImputerModel.

Each class reproduces what the Spark stage of the same name does in
``transform``, including how it meets null and NaN (see ``spark-ml-semantics.md``).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping
from typing import Any

from labkit.errors import InvalidValue
from labkit.export import _spec as S
from labkit.export._base import (
    HANDLE_INVALID,
    Batch,
    Stage,
    Vec,
    as_number,
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

    def apply_row(self, row: dict[str, Any]) -> str | None:
        items: dict[int, float] = {}
        offset = 0
        for col in self.inputs:
            value = row[col]
            kind = value.__class__
            if kind is tuple:
                size, entries = value
                for index, x in entries.items():
                    if x != 0.0:  # Spark keeps non-zeros only (NaN included)
                        items[offset + index] = x
                offset += size
                continue
            x = (
                value
                if kind is float
                else float(value)
                if kind is int
                else as_number(value, col, self.kind)
            )
            if x is None or x != x:
                if self.handle_invalid == "skip":
                    return skip_reason(self.kind, col, null=x is None)
                if self.handle_invalid == "error":
                    raise InvalidValue(self._why(col, x))
                x = math.nan
            if x != 0.0:
                items[offset] = x
            offset += 1
        row[self.outputs[0]] = (offset, items)
        return None

    def _why(self, col: str, value: float | None) -> str:
        what = "null" if value is None else "NaN"
        return (
            f"VectorAssembler: {what} in column {col!r}. Spark fails here because "
            "handleInvalid='error': fill the value in, or set handleInvalid='skip' (drop the "
            "row) or 'keep' (pass NaN on) when you build the pipeline."
        )

    def apply_batch(self, batch: Batch) -> None:
        blocks = []
        for col in self.inputs:
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
                        value = None if nulls[first] else math.nan
                        raise InvalidValue(f"row {first}: {self._why(col, value)}")
            blocks.append(floats.reshape(-1, 1))
        batch.cols[self.outputs[0]] = np.hstack(blocks) if blocks else np.zeros((batch.size, 0))


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

    def _bucket(self, x: float, edges: list[float], col: str) -> float:
        if x != x:
            if self.handle_invalid == "keep":
                return float(len(edges) - 1)
            raise InvalidValue(
                f"Bucketizer: NaN in column {col!r}. Spark fails here because handleInvalid="
                "'error'; set handleInvalid='keep' (an extra bucket) or 'skip' (drop the row)."
            )
        if x == edges[-1]:
            return float(len(edges) - 2)
        position = bisect.bisect_right(edges, x)
        if position == 0 or position == len(edges):
            raise InvalidValue(
                f"Bucketizer: {x!r} in column {col!r} is outside the splits "
                f"[{edges[0]}, {edges[-1]}]; Spark always fails here. Widen the outer splits "
                "(e.g. to -inf and inf)."
            )
        return float(position - 1)

    def apply_row(self, row: dict[str, Any]) -> str | None:
        if self.handle_invalid == "skip":
            for col in self.inputs:
                x = as_number(row[col], col, self.kind)
                if x is None or x != x:
                    return skip_reason(self.kind, col, null=x is None)
        for col, out, edges in zip(self.inputs, self.outputs, self.splits, strict=True):
            x = as_number(row[col], col, self.kind)
            row[out] = None if x is None else self._bucket(x, edges, col)  # null passes through
        return None

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
            for i in np.flatnonzero(batch.alive & ~nulls).tolist():
                try:
                    buckets[i] = self._bucket(float(floats[i]), edges, col)
                except InvalidValue as error:
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

    def apply_row(self, row: dict[str, Any]) -> None:
        size, entries = row[self.inputs[0]]
        if size != len(self.std):
            raise InvalidValue(
                f"StandardScalerModel: vector {self.inputs[0]!r} has {size} entries, the scaler "
                f"was fitted on {len(self.std)}."
            )
        out: Vec
        if self.with_mean:
            get, mean, scale = entries.get, self.mean, self.scale
            if self.with_std:
                out = (size, {i: (get(i, 0.0) - mean[i]) * scale[i] for i in range(size)})
            else:
                out = (size, {i: get(i, 0.0) - mean[i] for i in range(size)})
        elif self.with_std:
            out = (size, {i: x * self.scale[i] for i, x in entries.items()})
        else:
            out = (size, dict(entries))
        row[self.outputs[0]] = out
        return None

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
        inputs = S.get_str_list(spec, "inputCols", where)
        return cls(
            inputs,
            S.get_str_list(spec, "outputCols", where, length=len(inputs)),
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

    def _is_missing(self, x: float | None) -> bool:
        missing = self.missing_value
        return x is None or x == missing or (missing != missing and x != x)

    def apply_row(self, row: dict[str, Any]) -> None:
        for col, out, surrogate in zip(self.inputs, self.outputs, self.surrogates, strict=True):
            x = as_number(row[col], col, self.kind)
            row[out] = surrogate if self._is_missing(x) else x
        return None

    def apply_batch(self, batch: Batch) -> None:
        for col, out, surrogate in zip(self.inputs, self.outputs, self.surrogates, strict=True):
            floats, nulls = number_column(batch.column(col, self.kind), col, self.kind)
            missing = nulls | batch.nulls.get(col, False)
            if math.isnan(self.missing_value):
                missing |= np.isnan(floats)
            else:
                missing |= floats == self.missing_value
            batch.cols[out] = np.where(missing, surrogate, floats)
