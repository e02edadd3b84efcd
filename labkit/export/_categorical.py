"""Categories to numbers and back: StringIndexer, OneHotEncoder, IndexToString.

Each class reproduces what the Spark model of the same name does in
``transform`` (see ``spark-ml-semantics.md``): the lookup, the ``handleInvalid``
rule for null and unseen values, and the exact output.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from labkit.errors import InvalidValue, WrongFieldType
from labkit.export import _spec as S
from labkit.export._base import HANDLE_INVALID, Batch, Stage, _is_pandas_na, java_string, np

_ABSENT = object()


def _preview(labels: list[str], limit: int = 6) -> str:
    shown = ", ".join(repr(label) for label in labels[:limit])
    more = f", ... ({len(labels)} in all)" if len(labels) > limit else ""
    return shown + more


class StringIndexerModel(Stage):
    """Spark's StringIndexerModel: a label's position in the fitted label list.

    Examples
    --------
    >>> stage = StringIndexerModel(["color"], ["color_idx"], [["red", "blue"]], "keep")
    >>> row = {"color": "blue"}
    >>> stage.apply_row(row), row["color_idx"]
    (None, 1.0)
    >>> row = {"color": "green"}; stage.apply_row(row); row["color_idx"]
    2.0
    """

    kind = "StringIndexerModel"

    def __init__(
        self, inputs: list[str], outputs: list[str], labels: list[list[str]], handle_invalid: str
    ) -> None:
        self.inputs, self.outputs = tuple(inputs), tuple(outputs)
        self.labels = labels
        self.handle_invalid = handle_invalid
        self._columns = [
            (col, out, {label: float(i) for i, label in enumerate(names)}, float(len(names)))
            for col, out, names in zip(inputs, outputs, labels, strict=True)
        ]

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], where: str) -> StringIndexerModel:
        inputs = S.get_str_list(spec, "inputCols", where)
        outputs = S.get_str_list(spec, "outputCols", where, length=len(inputs))
        labels = S.get_list(spec, "labels", where, length=len(inputs))
        for i, names in enumerate(labels):
            S.check_list(names, f"{where}.labels[{i}]")
            for j, name in enumerate(names):
                S.check_str(name, f"{where}.labels[{i}][{j}]")
            if len(set(names)) != len(names):
                raise S.invalid(f"{where}.labels[{i}]", "distinct labels", names)
        handle = S.get_choice(spec, "handleInvalid", where, HANDLE_INVALID)
        return cls(inputs, outputs, labels, handle)

    def to_spec(self) -> dict[str, Any]:
        return {
            "type": self.kind,
            "inputCols": list(self.inputs),
            "outputCols": list(self.outputs),
            "labels": self.labels,
            "handleInvalid": self.handle_invalid,
        }

    def apply_row(self, row: dict[str, Any]) -> str | None:
        for col, out, lookup, unknown in self._columns:
            value = row.get(col, _ABSENT)
            if value is _ABSENT:  # Spark skips input columns the data does not have
                continue
            try:
                index = lookup.get(value)  # text hits directly; anything else misses
            except TypeError:  # unhashable: certainly not a category
                index = None
            if index is None and value is not None and type(value) is not str:
                index = self._lookup_other(value, lookup)
            if index is None:
                if self.handle_invalid == "keep":
                    index = unknown
                elif self.handle_invalid == "skip":
                    return self._why(col, value, dropped=True)
                else:
                    raise InvalidValue(self._why(col, value, dropped=False))
            row[out] = index
        return None

    def _lookup_other(self, value: Any, lookup: dict[str, float]) -> float | None:
        if value is None:
            return None
        if not isinstance(value, str | int | float | bool):
            raise WrongFieldType(
                f"{self.kind}: a category must be text, got {value!r} ({type(value).__name__})."
            )
        return lookup.get(value if isinstance(value, str) else java_string(value))

    def _why(self, col: str, value: Any, *, dropped: bool) -> str:
        names = self.labels[self.inputs.index(col)]
        what = "null" if value is None else f"unseen label {value!r}"
        if dropped:
            return f"StringIndexerModel: {what} in column {col!r} (handleInvalid='skip')"
        return (
            f"StringIndexerModel: {what} in column {col!r}; the model knows {_preview(names)}. "
            "Spark fails here because handleInvalid='error': fix the value, or re-fit the "
            "indexer with handleInvalid='keep' to give unknown values their own index."
        )

    def apply_batch(self, batch: Batch) -> None:
        for col, out, lookup, unknown in self._columns:
            if col not in batch.cols:
                continue
            values = batch.cols[col]
            codes = self._batch_codes(values, lookup)
            invalid = codes < 0
            if invalid.any():
                if self.handle_invalid == "keep":
                    codes[invalid] = unknown
                elif self.handle_invalid == "skip":
                    why = lambda i, c=col, v=values: self._why(c, _null(v[i]), dropped=True)  # noqa: E731
                    batch.drop(invalid, why)
                    codes[invalid] = 0.0
                else:
                    first = batch.first_alive(invalid)
                    if first is not None:
                        why = self._why(col, _null(values[first]), dropped=False)
                        raise InvalidValue(f"row {first}: {why}")
                    codes[invalid] = 0.0
            batch.cols[out] = codes

    def _batch_codes(self, values: Any, lookup: dict[str, float]) -> Any:
        """Each value's index, -1 where it is null or unknown (dict lookups run in C)."""
        items = values.tolist()
        try:
            found = np.array(list(map(lookup.get, items)), dtype=np.float64)  # None -> NaN
        except TypeError:  # an unhashable value: look each one up the slow way
            found = np.full(len(items), np.nan)
        for i in np.flatnonzero(np.isnan(found)).tolist():  # misses: numbers, nulls, unseen
            found[i] = self._batch_code(items[i], lookup)
        return found

    def _batch_code(self, value: Any, lookup: dict[str, float]) -> float:
        if type(value) is str:
            return lookup.get(value, -1.0)
        if _null(value) is None:
            return -1.0
        found = self._lookup_other(value, lookup)
        return -1.0 if found is None else found


def _null(value: Any) -> Any:
    """None for the ways a batch spells a missing category (None, pandas' NaN), else ``value``."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or _is_pandas_na(value):
        return None
    return value


class OneHotEncoderModel(Stage):
    """Spark's OneHotEncoderModel: an index becomes a vector with a single 1.

    Examples
    --------
    >>> stage = OneHotEncoderModel(["c"], ["c_vec"], [3], drop_last=True, handle_invalid="error")
    >>> row = {"c": 1.0}; stage.apply_row(row); row["c_vec"]
    (2, {1: 1.0})
    >>> row = {"c": 2.0}; stage.apply_row(row); row["c_vec"]  # the dropped last category
    (2, {})
    """

    kind = "OneHotEncoderModel"

    def __init__(
        self, inputs: list[str], outputs: list[str], sizes: list[int], *, drop_last: bool,
        handle_invalid: str,
    ) -> None:  # fmt: skip
        self.inputs, self.outputs = tuple(inputs), tuple(outputs)
        self.sizes, self.drop_last, self.handle_invalid = sizes, drop_last, handle_invalid
        keep = handle_invalid == "keep"
        self.out_sizes = [
            size + 1 if keep and not drop_last else size - 1 if drop_last and not keep else size
            for size in sizes
        ]
        # One shared, read-only vector per possible index (0..size, size being "invalid"):
        # encoding is then a list lookup. Indices past the output width encode as all zeros.
        self._columns = [
            (col, out, float(size),
             [(width, {i: 1.0} if i < width else {}) for i in range(size + 1)])
            for col, out, size, width in zip(inputs, outputs, sizes, self.out_sizes, strict=True)
        ]  # fmt: skip

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], where: str) -> OneHotEncoderModel:
        inputs = S.get_str_list(spec, "inputCols", where)
        outputs = S.get_str_list(spec, "outputCols", where, length=len(inputs))
        sizes = S.get_int_list(spec, "categorySizes", where, length=len(inputs), minimum=1)
        drop_last = S.get_bool(spec, "dropLast", where)
        handle = S.get_choice(spec, "handleInvalid", where, ("error", "keep"))
        return cls(inputs, outputs, sizes, drop_last=drop_last, handle_invalid=handle)

    def to_spec(self) -> dict[str, Any]:
        return {
            "type": self.kind,
            "inputCols": list(self.inputs),
            "outputCols": list(self.outputs),
            "categorySizes": self.sizes,
            "dropLast": self.drop_last,
            "handleInvalid": self.handle_invalid,
        }

    def apply_row(self, row: dict[str, Any]) -> None:
        for col, out, size, vectors in self._columns:
            value = row[col]
            if value is None:  # Spark's encoder passes a null through
                row[out] = None
                continue
            if 0.0 <= value < size:
                row[out] = vectors[int(value)]
            elif self.handle_invalid == "keep":
                row[out] = vectors[-1]
            else:
                raise InvalidValue(self._why(col, float(value), int(size)))
        return None

    def _why(self, col: str, value: float, size: int) -> str:
        return (
            f"OneHotEncoderModel: column {col!r} holds {value!r}, outside the {size} categories "
            "seen in training [0, {size}). Spark fails here because handleInvalid='error'; "
            "re-fit with handleInvalid='keep' to map invalid values to an extra slot."
        ).replace("{size}", str(size))

    def apply_batch(self, batch: Batch) -> None:
        for col, out, size, width in zip(
            self.inputs, self.outputs, self.sizes, self.out_sizes, strict=True
        ):
            values = np.asarray(batch.column(col, self.kind), dtype=np.float64)
            valid = (values >= 0) & (values < size)
            index = np.where(valid, np.trunc(np.where(valid, values, 0)), size).astype(np.int64)
            if self.handle_invalid == "error":
                first = batch.first_alive(~valid)
                if first is not None:
                    raise InvalidValue(f"row {first}: {self._why(col, float(values[first]), size)}")
            matrix = np.zeros((len(values), width))
            hot = np.flatnonzero(index < width)
            matrix[hot, index[hot]] = 1.0
            batch.cols[out] = matrix


class IndexToString(Stage):
    """Spark's IndexToString: a class index back to its label text.

    Examples
    --------
    >>> stage = IndexToString("prediction", "predicted_income", ["<=50K", ">50K"])
    >>> row = {"prediction": 1.0}; stage.apply_row(row); row["predicted_income"]
    '>50K'
    """

    kind = "IndexToString"

    def __init__(self, input_col: str, output_col: str, labels: list[str]) -> None:
        self.inputs, self.outputs, self.labels = (input_col,), (output_col,), labels

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], where: str) -> IndexToString:
        return cls(
            S.get_str(spec, "inputCol", where, allow_empty=False),
            S.get_str(spec, "outputCol", where, allow_empty=False),
            S.get_str_list(spec, "labels", where),
        )

    def to_spec(self) -> dict[str, Any]:
        return {
            "type": self.kind,
            "inputCol": self.inputs[0],
            "outputCol": self.outputs[0],
            "labels": self.labels,
        }

    def _label(self, value: float) -> str:
        index = int(value) if math.isfinite(value) else -1
        if not 0 <= index < len(self.labels):
            raise InvalidValue(
                f"IndexToString: index {value!r} in column {self.inputs[0]!r} has no label "
                f"(labels: {_preview(self.labels)}); Spark fails here too."
            )
        return self.labels[index]

    def apply_row(self, row: dict[str, Any]) -> None:
        value = row[self.inputs[0]]
        row[self.outputs[0]] = None if value is None else self._label(float(value))
        return None

    def apply_batch(self, batch: Batch) -> None:
        values = batch.column(self.inputs[0], self.kind)
        out = np.empty(len(values), dtype=object)
        for i in np.flatnonzero(batch.alive).tolist():
            out[i] = self._label(float(values[i]))
        batch.cols[self.outputs[0]] = out
