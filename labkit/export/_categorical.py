"""Categories to numbers and back: StringIndexer, OneHotEncoder, IndexToString.

Each class reproduces what the Spark model of the same name does in
``transform`` (as in Spark's ``org.apache.spark.ml.feature`` sources): the lookup,
the ``handleInvalid`` rule for null and unseen values, and the exact output.
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
    _is_pandas_na,
    np,
    scoring_error,
)


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

    def _why(self, col: str, value: Any, *, dropped: bool) -> str:
        return RT.unseen_message(col, value, self.labels[self.inputs.index(col)], dropped)

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
        """Each value's index, -1 where it is null or unknown (hash lookups run in C)."""
        items = values if isinstance(values, np.ndarray) else np.asarray(values, dtype=object)
        found = None
        indexes = self.__dict__.setdefault("_indexes", {})
        if id(lookup) not in indexes:
            indexes[id(lookup)] = _label_index(lookup)
        index = indexes[id(lookup)]
        if index is not None:  # pandas' hash table: one C call for the whole column
            try:
                found = index.get_indexer(items.reshape(-1)).astype(np.float64)
                found[found < 0] = np.nan
            except TypeError:  # an unhashable value: dict lookups below
                found = None
        if found is None:
            try:
                found = np.array(list(map(lookup.get, items.tolist())), dtype=np.float64)
            except TypeError:  # an unhashable value: look each one up the slow way
                found = np.full(len(items), np.nan)
        for i in np.flatnonzero(np.isnan(found)).tolist():  # misses: numbers, nulls, unseen
            found[i] = self._batch_code(items[i], lookup)
        return found

    def _batch_code(self, value: Any, lookup: dict[str, float]) -> float:
        try:
            found = RT.category_index(_null(value), lookup)
        except RT.WrongType as error:
            raise scoring_error(error) from None
        return -1.0 if found is None else found


def _label_index(lookup: dict[str, float]) -> Any:
    """A pandas Index of ``lookup``'s labels, or None without pandas."""
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - numpy-only installs use dict lookups
        return None
    return pd.Index(list(lookup), dtype=object)


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
        self.out_sizes = [RT.one_hot_width(size, drop_last, keep) for size in sizes]

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], where: str) -> OneHotEncoderModel:
        inputs = S.get_str_list(spec, "inputCols", where)
        outputs = S.get_str_list(spec, "outputCols", where, length=len(inputs))
        sizes = S.get_int_list(spec, "categorySizes", where, length=len(inputs), minimum=1,
                               maximum=S.MAX_CATEGORIES)  # fmt: skip
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
                    why = RT.category_message(col, float(values[first]), size)
                    raise InvalidValue(f"row {first}: {why}")
            batch.cols[out] = OneHot(index, width)


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

    def apply_batch(self, batch: Batch) -> None:
        values = batch.column(self.inputs[0], self.kind)
        out = np.empty(len(values), dtype=object)
        labels, col = self.labels, self.inputs[0]
        try:
            for i in np.flatnonzero(batch.alive).tolist():
                out[i] = RT.label_of(float(values[i]), labels, col)
        except RT.InvalidRow as error:
            raise scoring_error(error) from None
        batch.cols[self.outputs[0]] = out
