"""The pure-Python scorer: a fitted Spark pipeline, replayed without Spark.

:func:`load_scorer` accepts the folder Spark saved or an exported JSON document
(:mod:`labkit.export.document`) and returns a :class:`Scorer`, whose
``predict(row)`` gives a :class:`Prediction` and ``predict_batch(rows)`` a
:class:`BatchPrediction`. Nothing here imports pyspark; numpy is needed for
batches only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from labkit.errors import ExportError, MissingField, UnsupportedStage, WrongFieldType
from labkit.export import _runtime as RT
from labkit.export import _spec as S
from labkit.export._base import Batch, Predictor, Stage, np, scoring_error
from labkit.export._categorical import IndexToString, OneHotEncoderModel, StringIndexerModel
from labkit.export._expand import Interaction, PolynomialExpansion, assign_storage
from labkit.export._fused import fuse
from labkit.export._linear import (
    LinearRegressionModel,
    LinearSVCModel,
    LogisticRegressionModel,
    NaiveBayesModel,
)
from labkit.export._numeric import Bucketizer, ImputerModel, StandardScalerModel, VectorAssembler
from labkit.export._regress import GeneralizedLinearRegressionModel, IsotonicRegressionModel
from labkit.export._trees import TreeEnsemble
from labkit.export._vectors import (
    Binarizer,
    ElementwiseProduct,
    MaxAbsScalerModel,
    MinMaxScalerModel,
    Normalizer,
    VectorIndexerModel,
    VectorStage,
)
from labkit.export._widths import check_widths
from labkit.export.predictions import BatchPrediction, Prediction

#: Document ``type`` -> the class that rebuilds and runs the stage.
STAGE_TYPES: dict[str, type[Stage]] = {
    **{cls.kind: cls for cls in (
        StringIndexerModel, OneHotEncoderModel, IndexToString, VectorAssembler, Bucketizer,
        StandardScalerModel, ImputerModel, LogisticRegressionModel, LinearRegressionModel,
        NaiveBayesModel, Binarizer, MinMaxScalerModel, MaxAbsScalerModel, ElementwiseProduct,
        Normalizer, LinearSVCModel, VectorIndexerModel, PolynomialExpansion, Interaction,
        GeneralizedLinearRegressionModel, IsotonicRegressionModel,
    )},
    **dict.fromkeys(TreeEnsemble.KINDS, TreeEnsemble),
}  # fmt: skip


class Scorer:
    """A fitted pipeline that scores rows in plain Python, as Spark's ``transform`` would.

    Build one with :func:`load_scorer`; save it as a JSON document with :meth:`save`.

    Examples
    --------
    >>> scorer = load_scorer("models/adult-tree")                    # doctest: +SKIP
    >>> scorer.predict({"age": 39, "workclass": "State-gov", ...})    # doctest: +SKIP
    Prediction(prediction=0.0, probability=(0.93, 0.07), ..., label='<=50K', skipped=None)
    """

    def __init__(self, stages: Sequence[Stage], *, spark_version: str = "unknown") -> None:
        predictors = [s for s in stages if isinstance(s, Predictor)]
        if not predictors:
            raise ExportError(
                "The pipeline has no model stage (a classifier or regressor); there is nothing "
                "to predict. Export the fitted PipelineModel that ends in the model."
            )
        self.stages = list(stages)
        assign_storage(self.stages)  # before any stage builds its row rule
        self.spark_version = spark_version
        self.model = predictors[-1]
        self.label_col, self.classes = self._find_labels()
        self._origins = self._trace_origins()
        self.input_schema = self._input_schema()
        # Known categories take a precomputed shortcut; anything else replays every stage.
        self.fused_stages = fuse(self.stages, {c["name"] for c in self.input_schema})
        self._steps = [stage.step for stage in self.stages]
        self._fast = None if self.fused_stages is None else [s.step for s in self.fused_stages]

    # -- construction helpers ------------------------------------------------

    @classmethod
    def from_specs(cls, specs: Sequence[Mapping[str, Any]], *, spark_version: str = "unknown",
                   where: str = "stages") -> Scorer:  # fmt: skip
        """Build from stage specs (the folder reader's or a document's), validating each."""
        stages = []
        for i, spec in enumerate(S.check_list(list(specs), where)):
            here = f"{where}[{i}]"
            kind = S.get_str(spec, "type", here)
            stage_class = STAGE_TYPES.get(kind)
            if stage_class is None:
                raise UnsupportedStage(
                    f"{here}: stage type {kind!r} is not supported. "
                    f"Supported: {', '.join(sorted(STAGE_TYPES))}."
                )
            stages.append(stage_class.from_spec(spec, here))
        check_widths(stages, where)
        return cls(stages, spark_version=spark_version)

    def _find_labels(self) -> tuple[str | None, list[str] | None]:
        """(column holding the label text, class names) for classifiers, else (None, None)."""
        if not self.model.is_classifier:
            return None, None
        for stage in self.stages:
            if isinstance(stage, IndexToString) and stage.inputs[0] == self.model.prediction_col:
                return stage.outputs[0], stage.labels
        for stage in self.stages:
            if isinstance(stage, StringIndexerModel) and self.model.label_col in stage.outputs:
                return None, stage.labels[stage.outputs.index(self.model.label_col)]
        return None, None

    def _trace_origins(self) -> dict[str, tuple[str, ...]]:
        """Column -> the raw input columns it is computed from."""
        origins: dict[str, tuple[str, ...]] = {}
        for stage in self.stages:
            roots: list[str] = []
            for col in stage.inputs:
                for root in origins.get(col, (col,)):
                    if root not in roots:
                        roots.append(root)
            for col in stage.outputs:
                origins[col] = tuple(roots)
        return origins

    def _input_schema(self) -> list[dict[str, Any]]:
        """The raw columns the pipeline reads, in first-use order, with type and categories."""
        needed = self._needed_columns()
        produced: set[str] = set()
        schema: dict[str, dict[str, Any]] = {}
        for stage in self.stages:
            for position, col in enumerate(stage.inputs):
                if col in produced or col in schema:
                    continue
                entry: dict[str, Any] = {"name": col, "type": "double", "required": col in needed}
                if isinstance(stage, StringIndexerModel):
                    entry.update(type="string", categories=stage.labels[position],
                                 handleInvalid=stage.handle_invalid)  # fmt: skip
                elif position == 0 and isinstance(stage, StandardScalerModel | VectorStage) or (
                    position == 0 and isinstance(stage, Predictor)
                    and not isinstance(stage, IsotonicRegressionModel)  # a number or a vector
                ):  # fmt: skip
                    entry["type"] = "vector"
                schema[col] = entry
            produced.update(stage.outputs)
        return list(schema.values())

    def _needed_columns(self) -> set[str]:
        """Columns the model's prediction depends on (the label column is not one)."""
        needed = set(self.model.inputs)
        for stage in reversed(self.stages[: self.stages.index(self.model)]):
            if needed & set(stage.outputs):
                needed.update(stage.inputs)
        return needed

    # -- scoring ---------------------------------------------------------------

    @property
    def input_columns(self) -> list[str]:
        """Names of the fields a row must have for a prediction."""
        return [c["name"] for c in self.input_schema if c["required"]]

    def predict(self, row: Mapping[str, Any]) -> Prediction:
        """Score one row (a mapping of column name to value) as Spark's ``transform`` would.

        Parameters
        ----------
        row : Mapping
            Raw input fields, e.g. ``{"age": 39, "workclass": "State-gov", ...}``;
            ``None`` is a null. Extra fields are ignored.

        Returns
        -------
        prediction : Prediction
            With ``skipped`` set (and no prediction) when Spark would drop the row.

        Raises
        ------
        MissingField, WrongFieldType, InvalidValue
            When a field is absent, of the wrong type, or rejected by a stage
            whose ``handleInvalid`` is ``"error"`` (where Spark fails too).
        """
        if not isinstance(row, Mapping):
            raise WrongFieldType(f"A row must be a mapping of field name to value, got "
                                 f"{type(row).__name__}.")  # fmt: skip
        try:
            values, reason = RT.run(self._fast, self._steps, row)
        except KeyError as error:
            raise self._missing(str(error.args[0]), row) from None
        except RT.InvalidRow as error:
            raise scoring_error(error) from None
        if reason is not None:
            return Prediction(None, skipped=reason)
        return self._row_result(values)

    def _row_result(self, values: dict[str, Any]) -> Prediction:
        model = self.model
        prediction = values[model.prediction_col]
        if not model.is_classifier:
            return Prediction(prediction)
        return Prediction(
            prediction,
            values.get(model.probability_col),
            values.get(model.raw_col),
            self._label_of(values, prediction),
        )

    def _label_of(self, values: dict[str, Any], prediction: float) -> str | None:
        if self.label_col is not None:
            return values[self.label_col]
        if self.classes is not None and 0 <= prediction < len(self.classes):
            return self.classes[int(prediction)]
        return None

    def _missing(self, column: str, present: Mapping[str, Any]) -> MissingField:
        roots = [c for c in self._origins.get(column, (column,)) if c not in present]
        name = roots[0] if roots else column
        return MissingField(
            f"The row has no field {name!r}, which the model needs"
            + (f" (to compute {column!r})" if name != column else "")
            + f". Required fields: {', '.join(self.input_columns)}. Use null for a missing value.",
            field=name,
        )

    def predict_batch(self, rows: Any) -> BatchPrediction:
        """Score many rows at once with numpy (a list of dicts, or a pandas DataFrame).

        A field missing from some dicts of a list counts as null in those rows.

        Examples
        --------
        >>> result = scorer.predict_batch(test_rows)     # doctest: +SKIP
        >>> result.prediction[:3], len(result.skipped)   # doctest: +SKIP
        (array([0., 0., 1.]), 0)
        """
        if np is None:  # pragma: no cover
            raise ExportError("predict_batch needs numpy: pip install numpy (or call predict).")
        columns, size = _to_columns(rows)
        batch = Batch(columns, size)
        try:
            for stage in self.stages:
                stage.apply_batch(batch)
        except MissingField as error:
            raise self._missing(error.field or "", columns) from None
        return self._batch_result(batch)

    def _batch_result(self, batch: Batch) -> BatchPrediction:
        model = self.model
        dead = ~batch.alive
        prediction = np.asarray(batch.cols[model.prediction_col], dtype=np.float64).copy()
        prediction[dead] = np.nan
        probability = raw = None
        labels: list[str | None] = [None] * batch.size
        if model.is_classifier:
            probability = _masked(batch.cols.get(model.probability_col), dead)
            raw = _masked(batch.cols.get(model.raw_col), dead)
            if self.label_col is not None:
                labels = [
                    None if d else v for v, d in zip(batch.cols[self.label_col], dead, strict=True)
                ]
            elif self.classes is not None:
                names = np.asarray([*self.classes, None], dtype=object)
                known = ~dead & (prediction >= 0) & (prediction < len(self.classes))
                index = np.where(known, np.nan_to_num(prediction), len(self.classes))
                labels = names[index.astype(np.int64)].tolist()
        return BatchPrediction(
            prediction, probability, raw, labels, dict(sorted(batch.dropped.items()))
        )

    # -- saving ----------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Write the scorer as a portable JSON document (see :func:`labkit.export.export`)."""
        from labkit.export.document import write_document

        return write_document(self, path)

    @classmethod
    def load(cls, path: str | Path) -> Scorer:
        """Read a scorer from a Spark model folder or an exported JSON document."""
        return load_scorer(path)

    def __repr__(self) -> str:
        kinds = ", ".join(s.kind for s in self.stages)
        return f"Scorer(spark {self.spark_version}: {kinds})"


def _masked(matrix: Any, dead: Any) -> Any:
    if matrix is None:
        return None
    out = np.asarray(matrix, dtype=np.float64).copy()
    out[dead] = np.nan
    return out


def _to_columns(rows: Any) -> tuple[dict[str, Any], int]:
    """A pandas DataFrame or an iterable of dicts as {column: numpy array}."""
    if hasattr(rows, "columns") and hasattr(rows, "to_numpy"):  # a pandas DataFrame
        return {str(c): rows[c].to_numpy() for c in rows.columns}, len(rows)
    if isinstance(rows, Mapping):
        raise WrongFieldType("predict_batch takes a list of rows or a DataFrame; for one row "
                             "(a dict) call predict.")  # fmt: skip
    records = rows if isinstance(rows, list) else list(rows) if isinstance(rows, Iterable) else None
    if records is None:
        raise WrongFieldType(f"predict_batch takes a list of dicts or a pandas DataFrame, got "
                             f"{type(rows).__name__}.")  # fmt: skip
    names: dict[str, None] = {}
    for i, record in enumerate(records):
        if not isinstance(record, Mapping):
            raise WrongFieldType(f"row {i} is a {type(record).__name__}, expected a dict.")
        names.update(dict.fromkeys(record))
    columns = {}
    for name in names:
        column = np.empty(len(records), dtype=object)
        column[:] = [record.get(name) for record in records]
        columns[name] = column
    return columns, len(records)


def load_scorer(path: str | Path, *, spark: Any = None) -> Scorer:
    """Return a :class:`Scorer` for a saved Spark model folder or an exported JSON document.

    Parameters
    ----------
    path : str or Path
        The folder ``PipelineModel.write().save(path)`` wrote, or a ``.json``
        document from :func:`labkit.export.export`.
    spark : SparkSession, optional
        Read the folder through this session instead of this machine's disk: for a
        model saved where only Spark can see it (``s3a://``, ``hdfs://``, a Spark
        Connect server's disk). Only reading uses Spark; the scorer never does.

    Returns
    -------
    scorer : Scorer

    Raises
    ------
    ModelFolderError, InvalidDocument
        When the folder or document is incomplete or malformed.
    UnsupportedStage
        Naming the stage the scorer cannot reproduce and listing the supported ones.

    Examples
    --------
    >>> scorer = load_scorer("models/adult-tree")   # doctest: +SKIP
    >>> scorer.predict(row).label                   # doctest: +SKIP
    '<=50K'
    """
    from labkit.export._spark_folder import read_folder

    if spark is not None:  # keep the URL as given: Path("s3a://b/m") would lose a slash
        specs, version = read_folder(str(path), spark=spark)
        return Scorer.from_specs(specs, spark_version=version)
    target = Path(path)
    if target.is_file():
        from labkit.export.document import read_document

        return read_document(target)
    specs, version = read_folder(target)
    return Scorer.from_specs(specs, spark_version=version)
