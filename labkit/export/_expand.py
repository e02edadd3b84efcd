"""Feature crossing: PolynomialExpansion and Interaction.

The row rules are in :mod:`labkit.export._runtime.expand` (Spark's
``org.apache.spark.ml.feature.PolynomialExpansion`` and ``Interaction``,
read against their sources); ``apply_batch`` here is their vectorised form on
dense matrices: the same products in the same order, and a zero that Spark
skips stays a zero even where the other factor is NaN.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from labkit.errors import InvalidValue
from labkit.export import _runtime as RT
from labkit.export import _spec as S
from labkit.export._base import Batch, Stage, np, number_column
from labkit.export._vectors import VectorStage

#: The largest degree a document may declare (Spark's outputs grow as C(n + d, d)).
MAX_DEGREE = 20

#: How each stage stores the vectors it writes (see ``_runtime.expand.stored_dense``).
STORAGE = ("sparse", "compressed", "unknown", "number")
_STORED_BY = {"OneHotEncoderModel": "sparse", "VectorAssembler": "compressed",
              "Interaction": "compressed"}  # fmt: skip


def assign_storage(stages: list[Stage]) -> None:
    """Tell each crossing stage how Spark stores its vector inputs (their producers say)."""
    made: dict[str, str] = {}
    for stage in stages:
        if isinstance(stage, PolynomialExpansion | Interaction):
            stage.storage = [made.get(c, "number") for c in stage.inputs]
        for col in stage.outputs:
            made[col] = _STORED_BY.get(stage.kind, "unknown")


def _sparse_rows(x: Any, storage: str, finite: Any, batch: Batch, kind: str, col: str) -> Any:
    """Rows whose vector Spark holds sparse (its zeros skipped); see ``stored_dense``."""
    nonzeros = (x != 0.0).sum(axis=1)
    full = nonzeros == x.shape[1]
    if storage == "compressed":
        return ~full & (1.5 * (nonzeros + 1.0) < x.shape[1])
    if storage != "sparse":
        first = batch.first_alive(~full & ~finite)
        if first is not None:
            raise InvalidValue(f"row {first}: {RT.storage_message(kind, col)}")
    return np.ones(len(x), dtype=bool)


class PolynomialExpansion(VectorStage):
    """Spark's PolynomialExpansion: every monomial of degree 1 to ``degree``, in Spark's order.

    Examples
    --------
    >>> stage = PolynomialExpansion("f", "p", 2)
    >>> row = {"f": (2, {0: 2.0, 1: 3.0})}; stage.apply_row(row); row["p"]
    (5, {0: 2.0, 1: 4.0, 2: 3.0, 3: 6.0, 4: 9.0})
    """

    kind = "PolynomialExpansion"

    def __init__(self, input_col: str, output_col: str, degree: int) -> None:
        self.inputs, self.outputs, self.degree = (input_col,), (output_col,), degree
        self.storage = ["unknown"]  # set by assign_storage

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], where: str) -> PolynomialExpansion:
        degree = S.get_int(spec, "degree", where, minimum=1, maximum=MAX_DEGREE)
        return cls(*cls._read_io(spec, where), degree)

    def to_spec(self) -> dict[str, Any]:
        return {**self._io(), "degree": self.degree, "storage": self.storage}

    def output_width(self, widths: list[int | None], where: str) -> int | None:
        """The expansion's width for an input of ``widths[0]`` entries (bounded)."""
        if widths[0] is None:
            return None
        size = RT.poly_size(widths[0], self.degree) - 1
        if size > S.MAX_FEATURES:
            raise S.invalid(
                f"{where}.degree",
                f"a degree whose expansion of {widths[0]} "
                f"features has at most {S.MAX_FEATURES} entries",
                self.degree,
            )
        return size

    def apply_batch(self, batch: Batch) -> None:
        x = self.matrix(batch)
        width = RT.poly_size(x.shape[1], self.degree) - 1
        if width > S.MAX_FEATURES:
            raise InvalidValue(f"PolynomialExpansion: {x.shape[1]} features to degree "
                               f"{self.degree} make {width} entries; too many.")  # fmt: skip
        out = np.zeros((x.shape[0], width))
        finite = np.isfinite(x).all(axis=1)
        sparse = _sparse_rows(x, self.storage[0], finite, batch, self.kind, self.inputs[0])
        with np.errstate(over="ignore", invalid="ignore"):
            _expand_batch(x, sparse, x.shape[1] - 1, self.degree, np.ones(x.shape[0]), out, -1)
        batch.cols[self.outputs[0]] = out


def _expand_batch(
    x: Any, sparse: Any, last: int, degree: int, multiplier: Any, out: Any, at: int
) -> int:
    """``_runtime.expand._expand`` on columns: a zero multiplier ends its branch (0, not NaN),
    and so does a zero entry of a row Spark holds sparse."""
    if degree == 0 or last < 0:
        if at >= 0:
            out[:, at] = np.where(multiplier == 0.0, 0.0, multiplier)
    else:
        alpha, start = multiplier, at
        for i in range(degree + 1):
            start = _expand_batch(x, sparse, last - 1, degree - i, alpha, out, start)
            v = x[:, last]
            alpha = np.where((alpha == 0.0) | (sparse & (v == 0.0)), 0.0, alpha * v)
    return at + RT.poly_size(last + 1, degree)


class Interaction(Stage):
    """Spark's Interaction: the product of one entry from each input, for every combination.

    Numbers count as one entry, vectors as their entries (numeric attributes:
    raw numbers, one-hot vectors); the first input varies slowest. An input
    Spark sees as categorical (a StringIndexer's or Bucketizer's output) is
    refused at load (see :func:`labkit.export._widths.check_widths`).

    Examples
    --------
    >>> stage = Interaction(["a", "v"], "x")
    >>> row = {"a": 2, "v": (3, {0: 1.0, 2: 5.0})}; stage.apply_row(row); row["x"]
    (3, {0: 2.0, 2: 10.0})
    """

    kind = "Interaction"

    def __init__(self, inputs: list[str], output: str) -> None:
        self.inputs, self.outputs = tuple(inputs), (output,)
        self.storage = ["unknown"] * len(inputs)  # set by assign_storage

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], where: str) -> Interaction:
        inputs = S.get_str_list(spec, "inputCols", where)
        if not inputs:
            raise S.invalid(f"{where}.inputCols", "one column or more", inputs)
        return cls(inputs, S.get_str(spec, "outputCol", where, allow_empty=False))

    def to_spec(self) -> dict[str, Any]:
        return {"type": self.kind, "inputCols": list(self.inputs), "outputCol": self.outputs[0],
                "storage": self.storage}  # fmt: skip

    def output_width(self, widths: list[int | None], where: str) -> int | None:
        """The product of the inputs' widths (bounded)."""
        size = 1
        for width in widths:
            if width is None:
                return None
            size *= width
            if size > S.MAX_FEATURES:
                raise S.invalid(f"{where}.inputCols", f"inputs whose widths multiply to at "
                                f"most {S.MAX_FEATURES}", list(self.inputs))  # fmt: skip
        return size

    def apply_batch(self, batch: Batch) -> None:
        out, columns = np.ones((batch.size, 1)), {}
        finite = np.ones(batch.size, dtype=bool)
        for col in self.inputs:
            values = batch.column(col, self.kind)
            if not (isinstance(values, np.ndarray) and values.ndim == 2):
                values, nulls = number_column(values, col, self.kind)
                values = np.where(nulls, 0.0, values)  # nulls fail below, not as NaN
                columns[col] = (values, nulls)
            else:
                columns[col] = (values, None)
            finite &= np.isfinite(values).all(axis=1) if values.ndim == 2 else np.isfinite(values)
        for col, storage in zip(reversed(self.inputs), reversed(self.storage), strict=True):
            values, nulls = columns[col]
            vector = nulls is None
            if not vector:
                first = batch.first_alive(nulls)
                if first is not None:
                    raise InvalidValue(
                        f"row {first}: Interaction: column {col!r} is null; Spark "
                        "fails on this row too. Fill the value in first."
                    )
                values = values[:, None]
            with np.errstate(invalid="ignore", over="ignore"):
                product = out[:, None, :] * values[:, :, None]  # [row, i, j] = prev_j * a_i
            if vector:  # a sparse vector's zeros are skipped: their products stay 0, even by NaN
                sparse = _sparse_rows(values, storage, finite, batch, self.kind, col)
                skip = sparse[:, None, None] & (values[:, :, None] == 0.0)
                product = np.where(skip, 0.0, product)
            out = product.reshape(batch.size, -1)
        batch.cols[self.outputs[0]] = out
