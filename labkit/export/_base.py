"""What every exported stage shares: the row and batch interfaces and value checks.

A stage works on one row at a time (``apply_row``: a dict of column -> value,
extended in place) and on many (``apply_batch``: a :class:`Batch` of numpy
columns). Both must give Spark's answer; the parity tests hold them to it.

Vectors in a row are ``(size, {index: value})`` tuples holding the non-zero
entries in index order, the way Spark's ``VectorAssembler`` builds a sparse
vector; in a batch they are dense 2-D float arrays.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from labkit.errors import InvalidValue, MissingField, WrongFieldType

try:  # numpy is needed for batches only
    import numpy as np
except ImportError:  # pragma: no cover - exercised by the no-numpy subprocess test
    np = None  # type: ignore[assignment]

Vec = tuple[int, dict[int, float]]

HANDLE_INVALID = ("error", "skip", "keep")


class Stage:
    """Base class of the exported stages (the scorer's equivalent of a Spark Transformer)."""

    #: Name of the stage in a document: Spark's class name without its package.
    kind: ClassVar[str] = ""

    #: Columns the stage reads and writes.
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], where: str) -> Stage:
        """Build the stage from its validated spec; ``where`` names it in errors."""
        raise NotImplementedError

    def to_spec(self) -> dict[str, Any]:
        """The stage as plain JSON-ready data (``from_spec`` reads it back)."""
        raise NotImplementedError

    def apply_row(self, row: dict[str, Any]) -> str | None:
        """Add this stage's outputs to ``row``; return why Spark would drop the row, else None."""
        raise NotImplementedError

    def apply_batch(self, batch: Batch) -> None:
        """Add this stage's output columns to ``batch`` (and mark rows Spark would drop)."""
        raise NotImplementedError


class Predictor(Stage):
    """A model stage: reads a features vector, writes prediction (and raw, probability)."""

    features_col: str = "features"
    prediction_col: str = "prediction"
    raw_col: str = ""
    probability_col: str = ""
    #: The training label column (tells which StringIndexer holds the class names).
    label_col: str = "label"
    #: Number of classes for classifiers, 0 for regressors.
    num_classes: int = 0
    num_features: int = 0

    @property
    def is_classifier(self) -> bool:
        """True when the stage predicts a class index."""
        return self.num_classes > 0

    def _io_spec(self) -> dict[str, Any]:
        return {
            "featuresCol": self.features_col,
            "predictionCol": self.prediction_col,
            "rawPredictionCol": self.raw_col,
            "probabilityCol": self.probability_col,
            "numFeatures": self.num_features,
            "labelCol": self.label_col,
        }

    def _read_io(self, spec: Mapping[str, Any], where: str) -> None:
        from labkit.export import _spec as S

        self.features_col = S.get_str(spec, "featuresCol", where, allow_empty=False)
        self.prediction_col = S.get_str(spec, "predictionCol", where)
        self.raw_col = S.get_str(spec, "rawPredictionCol", where)
        self.probability_col = S.get_str(spec, "probabilityCol", where)
        self.num_features = S.get_int(spec, "numFeatures", where)
        self.label_col = S.get_str(spec, "labelCol", where)
        self.inputs = (self.features_col,)
        self.outputs = tuple(
            c for c in (self.raw_col, self.probability_col, self.prediction_col) if c
        )

    def features_row(self, row: dict[str, Any]) -> Vec:
        """The row's features vector, checked for its size."""
        vec = row[self.features_col]
        if vec is None:
            raise InvalidValue(
                f"{self.kind}: column {self.features_col!r} is null; Spark would fail here."
            )
        if vec[0] != self.num_features:
            raise InvalidValue(
                f"{self.kind}: features vector {self.features_col!r} has {vec[0]} entries, "
                f"the model was trained on {self.num_features}. Is the row from another pipeline?"
            )
        return vec

    def features_batch(self, batch: Batch) -> Any:
        """The batch's features matrix, checked for its width."""
        matrix = batch.column(self.features_col, self.kind)
        if matrix.ndim != 2 or matrix.shape[1] != self.num_features:
            raise InvalidValue(
                f"{self.kind}: features {self.features_col!r} have shape {matrix.shape}, "
                f"expected (rows, {self.num_features})."
            )
        return matrix

    def write_row(self, row: dict[str, Any], prediction: float, raw: Any, probability: Any) -> None:
        """Store a row's outputs under the configured column names."""
        if self.raw_col:
            row[self.raw_col] = raw
        if self.probability_col:
            row[self.probability_col] = probability
        if self.prediction_col:
            row[self.prediction_col] = prediction

    def write_batch(self, batch: Batch, prediction: Any, raw: Any, probability: Any) -> None:
        """Store a batch's outputs under the configured column names."""
        if self.raw_col and raw is not None:
            batch.cols[self.raw_col] = raw
        if self.probability_col and probability is not None:
            batch.cols[self.probability_col] = probability
        if self.prediction_col:
            batch.cols[self.prediction_col] = prediction


@dataclass
class Batch:
    """Many rows as numpy columns, with the rows Spark would have dropped marked.

    ``alive`` is False for dropped rows and ``dropped`` holds why; stages skip
    dead rows when they check values, as Spark never sees them after the drop.
    """

    cols: dict[str, Any]
    size: int
    alive: Any = None
    dropped: dict[int, str] = field(default_factory=dict)
    #: Masks of null entries for numeric columns (null and NaN differ for a few stages).
    nulls: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.alive is None:
            self.alive = np.ones(self.size, dtype=bool)

    def column(self, name: str, stage: str) -> Any:
        """The column ``name``, or :class:`MissingField` naming the stage that needs it."""
        try:
            return self.cols[name]
        except KeyError:
            raise MissingField(
                f"{stage} needs column {name!r}, which the rows do not have "
                f"(they have {sorted(self.cols)[:20]}).",
                field=name,
            ) from None

    def drop(self, mask: Any, reason_of: Any) -> None:
        """Mark rows in ``mask`` (still alive) as dropped; ``reason_of(i)`` says why."""
        newly = mask & self.alive
        for i in np.flatnonzero(newly)[:1000].tolist():  # reasons for the first 1,000 only
            self.dropped[i] = reason_of(i)
        for i in np.flatnonzero(newly)[1000:].tolist():
            self.dropped[i] = "dropped (handleInvalid='skip')"
        self.alive = self.alive & ~newly

    def first_alive(self, mask: Any) -> int | None:
        """Index of the first live row in ``mask``, or None."""
        hits = np.flatnonzero(mask & self.alive)
        return int(hits[0]) if hits.size else None


def skip_reason(stage: str, column: str, *, null: bool) -> str:
    """Why a row was dropped by a stage with ``handleInvalid="skip"``."""
    return f"{stage}: {'null' if null else 'NaN'} in column {column!r} (handleInvalid='skip')"


def as_number(value: Any, column: str, stage: str) -> float | None:
    """A row value as Spark's double: int and float pass, None stays None, text is refused."""
    kind = type(value)
    if kind is float:
        return value
    if kind is int:
        return float(value)
    if value is None:
        return None
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    raise WrongFieldType(
        f"{stage}: field {column!r} must be a number, got {value!r} ({kind.__name__}). "
        'Send numbers unquoted (39, not "39"); use null for a missing value.'
    )


def java_string(value: Any) -> str:
    """A value as Spark's ``cast(string)`` writes it (1.0 -> "1.0", 1e-05 -> "1.0E-5")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0 or 1e-3 <= abs(value) < 1e7:
        return repr(value)
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    text = "".join(map(str, digits))
    mantissa = text[0] + "." + (text[1:] or "0")
    return f"{'-' if sign else ''}{mantissa}E{exponent + len(text) - 1}"


def number_column(values: Any, column: str, stage: str) -> tuple[Any, Any]:
    """A batch column as (float64 values with NaN for null, null mask)."""
    array = np.asarray(values)
    if array.dtype.kind in "fiu":
        floats = array.astype(np.float64, copy=False)
        return floats, np.zeros(len(floats), dtype=bool)
    if array.dtype.kind == "b":
        raise WrongFieldType(f"{stage}: column {column!r} holds true/false, expected numbers.")
    out = np.empty(len(array), dtype=np.float64)
    nulls = np.zeros(len(array), dtype=bool)
    for i, value in enumerate(array.tolist()):
        if _is_pandas_na(value):
            value = None
        try:
            number = as_number(value, column, stage)
        except WrongFieldType as error:
            raise WrongFieldType(f"row {i}: {error}") from None
        if number is None:
            nulls[i] = True
            number = math.nan
        out[i] = number
    return out, nulls


def _is_pandas_na(value: Any) -> bool:
    """pandas' ``pd.NA`` (nullable dtypes' missing value), without importing pandas."""
    return type(value).__name__ == "NAType"
