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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from labkit.errors import InvalidValue, MissingField, ScoringError, WrongFieldType
from labkit.export import _runtime as RT
from labkit.export._runtime import as_number, java_string, skip_reason

__all__ = ["Batch", "OneHot", "Predictor", "Stage", "as_number", "java_string", "np",
           "number_column", "scoring_error", "skip_reason"]  # fmt: skip

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

    @property
    def step(self) -> Callable[[dict[str, Any]], str | None]:
        """The stage's row rule from :mod:`labkit.export._runtime` (built on first use)."""
        step = self.__dict__.get("_step")
        if step is None:
            step = self.__dict__["_step"] = RT.prepare(self.to_spec())
        return step

    def apply_row(self, row: dict[str, Any]) -> str | None:
        """Add this stage's outputs to ``row``; return why Spark would drop the row, else None."""
        try:
            return self.step(row)
        except RT.InvalidRow as error:
            raise scoring_error(error) from None

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
        self.num_features = S.get_int(spec, "numFeatures", where, maximum=S.MAX_FEATURES)
        self.label_col = S.get_str(spec, "labelCol", where)
        self.inputs = (self.features_col,)
        self.outputs = tuple(
            c for c in (self.raw_col, self.probability_col, self.prediction_col) if c
        )

    def features_batch(self, batch: Batch) -> Any:
        """The batch's features matrix, checked for its width."""
        matrix = batch.column(self.features_col, self.kind)
        if matrix.ndim != 2 or matrix.shape[1] != self.num_features:
            raise InvalidValue(
                f"{self.kind}: features {self.features_col!r} have shape {matrix.shape}, "
                f"expected (rows, {self.num_features})."
            )
        return matrix

    def write_batch(self, batch: Batch, prediction: Any, raw: Any, probability: Any) -> None:
        """Store a batch's outputs under the configured column names."""
        if self.raw_col and raw is not None:
            batch.cols[self.raw_col] = raw
        if self.probability_col and probability is not None:
            batch.cols[self.probability_col] = probability
        if self.prediction_col:
            batch.cols[self.prediction_col] = prediction


@dataclass(frozen=True)
class OneHot:
    """A one-hot encoded batch column kept as positions, not as a (rows x width) matrix.

    Row ``i`` has a single 1 at ``index[i]``, or no 1 at all when ``index[i] >= width``.
    The assembler writes the ones straight into its output; anything else that
    reads the column gets it dense from :meth:`Batch.column`.
    """

    index: Any
    width: int

    def fill(self, out: Any, offset: int) -> None:
        """Set the ones in ``out[:, offset:offset + width]`` (already zero)."""
        hot = np.flatnonzero(self.index < self.width)
        out[hot, offset + self.index[hot]] = 1.0

    def dense(self) -> Any:
        """The column as a float matrix of shape (rows, width)."""
        out = np.zeros((len(self.index), self.width))
        self.fill(out, 0)
        return out


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
            value = self.cols[name]
        except KeyError:
            raise MissingField(
                f"{stage} needs column {name!r}, which the rows do not have "
                f"(they have {sorted(self.cols)[:20]}).",
                field=name,
            ) from None
        return value.dense() if isinstance(value, OneHot) else value

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


def scoring_error(error: RT.InvalidRow) -> ScoringError:
    """The labkit error for a runtime rule's failure (same message)."""
    kind = WrongFieldType if isinstance(error, RT.WrongType) else InvalidValue
    return kind(str(error))


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
        except RT.WrongType as error:
            raise WrongFieldType(f"row {i}: {error}") from None
        if number is None:
            nulls[i] = True
            number = math.nan
        out[i] = number
    return out, nulls


def _is_pandas_na(value: Any) -> bool:
    """pandas' ``pd.NA`` (nullable dtypes' missing value), without importing pandas."""
    return type(value).__name__ == "NAType"
