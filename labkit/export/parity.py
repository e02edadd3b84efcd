"""Does the scorer agree with Spark? Compare both on every row of a DataFrame.

This is the one module of :mod:`labkit.export` that uses Spark (it has to run
``transform`` to compare against); the scorer itself never does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labkit.export.codegen import load_source, to_python_source
from labkit.export.scorer import BatchPrediction, Prediction, Scorer, load_scorer

if TYPE_CHECKING:
    from pyspark.ml import Transformer
    from pyspark.sql import DataFrame

_ROW_ID = "__labkit_row"
_MODES = ("both", "rows", "batch", "generated", "all")


@dataclass(frozen=True)
class Mismatch:
    """One disagreement: the row (position in the DataFrame), what differs, both values."""

    row: int
    what: str
    spark: Any
    scorer: Any

    def __str__(self) -> str:
        return f"row {self.row}: {self.what}: Spark {self.spark!r}, scorer {self.scorer!r}"


@dataclass
class ParityReport:
    """The outcome of :func:`check_parity`.

    ``ok`` is True when every row agrees: same rows kept, identical classes,
    probabilities (and raw scores) within ``atol``, regression values within
    ``rtol`` relative. ``mismatches`` lists the first disagreements found.
    """

    rows: int
    compared: int
    skipped: int
    mode: str
    atol: float
    rtol: float
    max_abs_diff: float = 0.0
    max_rel_diff: float = 0.0
    mismatches: list[Mismatch] = field(default_factory=list)
    mismatch_count: int = 0

    @property
    def ok(self) -> bool:
        """True when the scorer agreed with Spark on every row."""
        return self.mismatch_count == 0

    def __str__(self) -> str:
        verdict = "agree" if self.ok else f"DISAGREE on {self.mismatch_count:,} values"
        lines = [
            f"Spark and the scorer {verdict}: {self.rows:,} rows, {self.compared:,} scored, "
            f"{self.skipped:,} skipped by both ({self.mode}); largest probability difference "
            f"{self.max_abs_diff:.1e} (allowed {self.atol:.0e}), largest relative difference "
            f"{self.max_rel_diff:.1e} (allowed {self.rtol:.0e})."
        ]
        lines += [f"  {m}" for m in self.mismatches[:10]]
        return "\n".join(lines)


def check_parity(
    spark_model: Transformer | str | Path,
    scorer: Scorer | str | Path,
    df: DataFrame,
    *,
    mode: str = "both",
    atol: float = 1e-12,
    rtol: float = 1e-12,
    max_listed: int = 100,
) -> ParityReport:
    """Score ``df`` with Spark's ``transform`` and with the scorer, and compare row by row.

    Parameters
    ----------
    spark_model : PipelineModel (or any fitted Transformer), or the folder it was saved to
    scorer : Scorer, or a path :func:`load_scorer` accepts
    df : pyspark.sql.DataFrame
        Rows to score (raw input columns; a label column may be present).
    mode : {"both", "rows", "batch", "generated", "all"}, default="both"
        Check ``predict`` row by row, ``predict_batch``, both, the standalone
        module :func:`labkit.export.to_python_source` writes (generated once,
        every row scored), or all three.
    atol : float, default=1e-12
        Allowed absolute difference of probabilities and raw scores.
    rtol : float, default=1e-12
        Allowed relative difference of regression predictions.
    max_listed : int, default=100
        How many mismatches to keep in the report (all are counted).

    Returns
    -------
    report : ParityReport
        ``report.ok`` is the verdict; ``str(report)`` explains it.

    Examples
    --------
    >>> report = check_parity(model, load_scorer("models/adult-lr"), test)   # doctest: +SKIP
    >>> report.ok                                                                # doctest: +SKIP
    True
    """
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {', '.join(map(repr, _MODES))}, got {mode!r}")
    if isinstance(spark_model, str | Path):
        from pyspark.ml import PipelineModel

        spark_model = PipelineModel.load(str(spark_model))
    if not isinstance(scorer, Scorer):
        scorer = load_scorer(scorer)
    inputs, spark_out = _spark_side(spark_model, scorer, df)
    report = ParityReport(rows=len(inputs), compared=0, skipped=0, mode=mode, atol=atol, rtol=rtol)
    candidates: list[tuple[str, Any]] = []
    if mode in ("both", "batch", "all"):
        candidates.append(("batch", scorer.predict_batch(inputs)))
    if mode in ("both", "rows", "all"):
        candidates.append(("rows", [scorer.predict(r) for r in inputs]))
    if mode in ("generated", "all"):
        predict = load_source(to_python_source(scorer))["predict"]
        candidates.append(("generated", [Prediction(**predict(r)) for r in inputs]))
    for label, predictions in candidates:
        _compare(report, scorer, spark_out, predictions, label, max_listed)
    return report


def _spark_side(spark_model: Any, scorer: Scorer, df: DataFrame) -> tuple[Any, dict[int, dict]]:
    """(input rows as dicts, row position -> Spark's outputs for the rows Spark kept)."""
    from pyspark.ml.functions import vector_to_array
    from pyspark.sql import functions as F

    indexed = df.withColumn(_ROW_ID, F.monotonically_increasing_id()).cache()
    try:
        inputs = _rows_of(indexed)
        ids = [r.pop(_ROW_ID) for r in inputs]
        model = scorer.model
        columns = [F.col(_ROW_ID), F.col(f"`{model.prediction_col}`").alias("prediction")]
        if model.is_classifier:
            for name, alias in ((model.probability_col, "probability"), (model.raw_col, "raw")):
                if name:
                    columns.append(vector_to_array(F.col(f"`{name}`")).alias(alias))
        if scorer.label_col:
            columns.append(F.col(f"`{scorer.label_col}`").alias("label"))
        outputs = spark_model.transform(indexed).select(*columns).toPandas()
    finally:
        indexed.unpersist()
    position = {row_id: i for i, row_id in enumerate(ids)}
    return inputs, {position[r[_ROW_ID]]: r for r in outputs.to_dict("records")}


def _rows_of(df: DataFrame) -> list[dict[str, Any]]:
    """The rows as dicts, sorted by row id, with null as None and NaN as NaN.

    ``toPandas`` (Arrow, fast) spells a null number as NaN, and a few stages
    treat the two differently, so a null flag per floating column restores them.
    """
    from pyspark.sql import functions as F
    from pyspark.sql.types import DoubleType, FloatType

    floating = [f.name for f in df.schema.fields if isinstance(f.dataType, DoubleType | FloatType)]
    flags = [F.col(f"`{name}`").isNull().alias(f"__null_{i}") for i, name in enumerate(floating)]
    frame = df.select("*", *flags).toPandas().sort_values(_ROW_ID)
    for column in frame.columns:
        if column.startswith("__null_"):
            continue
        values = frame[column].astype(object)
        if column in floating:
            missing = frame[f"__null_{floating.index(column)}"]
        else:  # other types cannot hold NaN: pandas' NaN means null there
            missing = frame[column].isna()
        frame[column] = values.where(~missing, None)
    frame = frame[[c for c in frame.columns if not c.startswith("__null_")]]
    return frame.to_dict("records")


def _compare(report: ParityReport, scorer: Scorer, spark_out: dict[int, dict], predictions: Any,
             label: str, max_listed: int) -> None:  # fmt: skip
    def flag(row: int, what: str, spark: Any, ours: Any) -> None:
        report.mismatch_count += 1
        if len(report.mismatches) < max_listed:
            report.mismatches.append(Mismatch(row, f"{what} ({label})", spark, ours))

    classifier = scorer.model.is_classifier
    total = len(predictions)
    report.compared = report.skipped = 0
    for i in range(total):
        ours: Prediction = (
            predictions[i] if isinstance(predictions, BatchPrediction) else predictions[i]
        )
        theirs = spark_out.get(i)
        if theirs is None or ours.skipped is not None:
            if (theirs is None) != (ours.skipped is not None):
                flag(i, "kept or dropped", "dropped" if theirs is None else "kept",
                     ours.skipped or "kept")  # fmt: skip
            else:
                report.skipped += 1
            continue
        report.compared += 1
        if classifier:
            if not _same(theirs["prediction"], ours.prediction):
                flag(i, "class", theirs["prediction"], ours.prediction)
            for key, mine in (("probability", ours.probability), ("raw", ours.raw_prediction)):
                if key in theirs and mine is not None:
                    for a, b in zip(theirs[key], mine, strict=True):
                        diff = 0.0 if a == b or (a != a and b != b) else abs(a - b)
                        if not diff <= atol_of(report, a, b):
                            flag(i, key, list(theirs[key]), list(mine))
                            break
                        if key == "probability":
                            report.max_abs_diff = max(report.max_abs_diff, diff)
            if "label" in theirs and theirs["label"] != ours.label:
                flag(i, "label", theirs["label"], ours.label)
        else:
            a, b = theirs["prediction"], ours.prediction
            rel = 0.0 if _same(a, b) else abs(a - b) / max(abs(a), abs(b))
            report.max_rel_diff = max(report.max_rel_diff, rel)
            if not rel <= report.rtol:
                flag(i, "value", a, b)


def _same(a: float | None, b: float | None) -> bool:
    """Equal, or both NaN (Spark's NaN and ours are the same answer)."""
    return a == b or (a is not None and b is not None and a != a and b != b)


def atol_of(report: ParityReport, a: float, b: float) -> float:
    """Allowed difference: ``atol``, scaled up for raw scores far from 1 (margins, counts)."""
    return report.atol * max(1.0, abs(a), abs(b))
