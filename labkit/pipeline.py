"""Feature + model pipelines built from a column spec, and feature names read back from Spark.

A :class:`ColumnSpec` says which columns are categorical, which are numeric,
which one is the label and which label values exist. :func:`build_pipeline`
turns it into a Spark ``Pipeline``::

    categorical ──StringIndexer(handleInvalid="keep")──┬─[OneHotEncoder]─┐
    numeric ───────────────────────────────────────────┴─VectorAssembler─┴─> features
    features ──model──> prediction ──IndexToString──> predicted_label

The label is deliberately *not* a stage: :func:`index_label` turns it into a
number before fitting, with a fixed class order, so a fitted pipeline never
looks at the label column and scores rows that do not have one.

Feature names come back from the ``ml_attr`` metadata Spark writes on the
assembled column (:func:`feature_attributes`), one-hot vectors expanded to
``"marital-status = Married-civ-spouse"``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any

from labkit.data import ADULT_CATEGORICAL, ADULT_LABEL, ADULT_NUMERIC
from labkit.errors import BadColumnSpec, MissingColumns, UnknownLabel, UnknownModelKind

if TYPE_CHECKING:
    from pyspark.ml import Estimator, Pipeline, PipelineModel
    from pyspark.sql import DataFrame

INDEX_SUFFIX = "__index"
ONE_HOT_SUFFIX = "__onehot"
#: Seed given to every model that takes one, so fits repeat exactly.
DEFAULT_SEED = 42
#: Spark's default ``maxBins`` for trees; :func:`required_max_bins` never goes below it.
SPARK_DEFAULT_MAX_BINS = 32

#: Model kinds :func:`make_model` knows: name -> (module, class).
MODEL_KINDS: dict[str, tuple[str, str]] = {
    "decision_tree": ("pyspark.ml.classification", "DecisionTreeClassifier"),
    "logistic_regression": ("pyspark.ml.classification", "LogisticRegression"),
    "random_forest": ("pyspark.ml.classification", "RandomForestClassifier"),
    "gbt": ("pyspark.ml.classification", "GBTClassifier"),
}
_TREE_CLASSES = (
    "DecisionTreeClassifier",
    "RandomForestClassifier",
    "GBTClassifier",
    "DecisionTreeRegressor",
    "RandomForestRegressor",
    "GBTRegressor",
)


@dataclass(frozen=True)
class ColumnSpec:
    """Which columns feed the model, which one is the label, and its classes.

    Parameters
    ----------
    categorical : tuple of str
        String columns; each is indexed (and one-hot encoded for linear models).
    numeric : tuple of str
        Number columns, used as they are.
    label : str
        The column to predict, e.g. ``"income"``.
    classes : tuple of str
        The label's values; class ``i`` is ``classes[i]``, so the positive class
        of a yes/no problem goes last (it becomes 1.0).
    features_col, label_col, predicted_col : str
        Names of the assembled vector, the numeric label and the readable prediction.

    Examples
    --------
    >>> spec = ColumnSpec(categorical=["sex"], numeric=["age"], label="income",
    ...                   classes=["<=50K", ">50K"])
    >>> spec.inputs
    ('sex', 'age')
    """

    categorical: tuple[str, ...]
    numeric: tuple[str, ...]
    label: str
    classes: tuple[str, ...]
    features_col: str = "features"
    label_col: str = "label"
    predicted_col: str = "predicted_label"

    def __post_init__(self) -> None:
        for name in ("categorical", "numeric", "classes"):
            value = getattr(self, name)
            if isinstance(value, str):
                raise BadColumnSpec(
                    f"ColumnSpec.{name} must be a list of names, got the string "
                    f"{value!r}. Write [{value!r}] for a single one."
                )
            object.__setattr__(self, name, tuple(value))
        _check_spec(self)

    @property
    def inputs(self) -> tuple[str, ...]:
        """The columns a row must have to be scored (the label is not one of them)."""
        return self.categorical + self.numeric

    def to_dict(self) -> dict[str, Any]:
        """The spec as plain JSON-ready data (lists for tuples)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> ColumnSpec:
        """Build a spec from :meth:`to_dict` output or a config file section.

        Raises
        ------
        BadColumnSpec
            For unknown or missing keys, naming them.
        """
        known = [f.name for f in fields(cls)]
        unknown = sorted(set(raw) - set(known))
        if unknown:
            hints = [_did_you_mean(k, known) for k in unknown]
            raise BadColumnSpec(
                f"Unknown column spec key(s) {unknown}.{''.join(hints)} Known keys: {known}."
            )
        required = ["categorical", "numeric", "label", "classes"]
        missing = [k for k in required if k not in raw]
        if missing:
            raise BadColumnSpec(f"The column spec lacks {missing}; it needs {required}.")
        return cls(**raw)


def _check_spec(spec: ColumnSpec) -> None:
    if not spec.inputs:
        raise BadColumnSpec(
            "The column spec has no input columns: name at least one categorical or numeric column."
        )
    seen: set[str] = set()
    for column in spec.inputs:
        if column in seen:
            raise BadColumnSpec(
                f"Column {column!r} appears twice in the spec (categorical "
                f"and/or numeric): list each input column once."
            )
        seen.add(column)
    if spec.label in seen:
        raise BadColumnSpec(
            f"The label {spec.label!r} is also an input column: a model that "
            "reads the answer learns nothing. Remove it from the inputs."
        )
    if len(spec.classes) < 2 or len(set(spec.classes)) != len(spec.classes):
        raise BadColumnSpec(
            f"classes must list at least two distinct label values, got {list(spec.classes)}."
        )


def adult_spec() -> ColumnSpec:
    """The column spec of the UCI Adult data: predict ``income`` (``">50K"`` is class 1).

    Examples
    --------
    >>> spec = adult_spec()
    >>> spec.label, spec.classes, len(spec.inputs)
    ('income', ('<=50K', '>50K'), 14)
    """
    return ColumnSpec(
        categorical=ADULT_CATEGORICAL,
        numeric=ADULT_NUMERIC,
        label=ADULT_LABEL,
        classes=("<=50K", ">50K"),
    )


def _did_you_mean(name: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(options), n=1)
    return f" Did you mean {close[0]!r}?" if close else ""


# ---------------------------------------------------------------------------
# Checking data against the spec
# ---------------------------------------------------------------------------


def check_columns(df: DataFrame, spec: ColumnSpec, *, with_label: bool = False) -> None:
    """Raise :class:`MissingColumns` unless ``df`` has every input column (and the label).

    Examples
    --------
    >>> check_columns(load_adult(spark, "test").drop("income"), adult_spec())
    """
    wanted = spec.inputs + ((spec.label,) if with_label else ())
    missing = tuple(c for c in wanted if c not in df.columns)
    if missing:
        hints = "".join(_did_you_mean(c, df.columns) for c in missing)
        raise MissingColumns(
            f"The DataFrame lacks column(s) {list(missing)} named in the column spec.{hints} "
            f"It has {df.columns}. Rename the columns or fix the spec.",
            missing,
        )


def index_label(df: DataFrame, spec: ColumnSpec) -> DataFrame:
    """Add the numeric label column (``spec.label_col``, class ``i`` is ``spec.classes[i]``).

    The class order is fixed by the spec, not learnt from the data, so ``1.0``
    means the same class after every retrain.

    Raises
    ------
    MissingColumns
        When ``df`` has no label column.
    UnknownLabel
        When the label holds nulls or values outside ``spec.classes`` (counts given).

    Examples
    --------
    >>> train = index_label(load_adult(spark, "train"), adult_spec())
    >>> train.groupBy("label").count().orderBy("label").collect()[1]["count"]
    7841
    """
    from pyspark.ml.feature import StringIndexerModel
    from pyspark.sql import functions as F

    if spec.label not in df.columns:
        raise MissingColumns(
            f"Fitting needs the label column {spec.label!r}, but the DataFrame has only "
            f"{df.columns}.{_did_you_mean(spec.label, df.columns)}",
            (spec.label,),
        )
    label = F.col(f"`{spec.label}`")
    strays = df.filter(label.isNull() | ~label.isin(*spec.classes)).groupBy(label).count().collect()
    if strays:
        found = ", ".join(f"{r[0]!r}: {r['count']:,} rows" for r in strays[:10])
        raise UnknownLabel(
            f"Column {spec.label!r} holds values outside classes {list(spec.classes)}: {found}. "
            "Clean those rows (e.g. strip a trailing '.' or drop unlabelled rows) or add the "
            "value to the spec's classes."
        )
    indexer = StringIndexerModel.from_labels(
        list(spec.classes), inputCol=spec.label, outputCol=spec.label_col
    )
    return indexer.transform(df)


def required_max_bins(df: DataFrame, spec: ColumnSpec) -> int:
    """The ``maxBins`` a tree needs for ``df``: one bin per category, plus the unknown bucket.

    Trees bin every feature; a categorical feature needs a bin for each of its
    values. Adult's native-country has 41 values plus the bucket for missing and
    unseen ones, more than Spark's default of 32.

    Examples
    --------
    >>> required_max_bins(load_adult(spark, "train"), adult_spec())
    42
    """
    from pyspark.sql import functions as F

    if not spec.categorical:
        return SPARK_DEFAULT_MAX_BINS
    check_columns(df, spec)
    distinct = df.agg(*[F.countDistinct(F.col(f"`{c}`")) for c in spec.categorical]).first()
    return max(SPARK_DEFAULT_MAX_BINS, max(distinct) + 1)


# ---------------------------------------------------------------------------
# Building pipelines
# ---------------------------------------------------------------------------


def make_model(kind: str, spec: ColumnSpec | None = None, **params: Any) -> Estimator:
    """Create a Spark classifier by kind, reading the spec's feature and label columns.

    Parameters
    ----------
    kind : {"decision_tree", "logistic_regression", "random_forest", "gbt"}
    spec : ColumnSpec, optional
        Supplies ``featuresCol`` and ``labelCol`` (defaults: ``features``, ``label``).
    **params
        Spark parameters, e.g. ``maxDepth=4``. ``seed`` defaults to ``DEFAULT_SEED``.

    Raises
    ------
    UnknownModelKind
        For a kind not in ``MODEL_KINDS``, or a parameter the model does not have.

    Examples
    --------
    >>> make_model("decision_tree", maxDepth=3).getMaxDepth()
    3
    """
    import importlib

    if kind not in MODEL_KINDS:
        raise UnknownModelKind(
            f"Unknown model kind {kind!r}.{_did_you_mean(kind, MODEL_KINDS)} "
            f"Choose one of {sorted(MODEL_KINDS)}."
        )
    module, name = MODEL_KINDS[kind]
    estimator = getattr(importlib.import_module(module), name)()
    return _configure(estimator, spec or adult_spec(), params)


def _configure(estimator: Estimator, spec: ColumnSpec, params: Mapping[str, Any]) -> Estimator:
    """A copy of ``estimator`` reading the spec's columns, with ``params`` and a fixed seed."""
    settings = {"featuresCol": spec.features_col, "labelCol": spec.label_col, **params}
    if estimator.hasParam("seed") and "seed" not in params and not estimator.isSet("seed"):
        settings["seed"] = DEFAULT_SEED
    unknown = [k for k in settings if not estimator.hasParam(k)]
    if unknown:
        names = [p.name for p in estimator.params]
        hints = "".join(_did_you_mean(k, names) for k in unknown)
        raise UnknownModelKind(
            f"{type(estimator).__name__} has no parameter(s) {unknown}."
            f"{hints} Its parameters: {sorted(names)}."
        )
    return estimator.copy({estimator.getParam(k): v for k, v in settings.items()})


def is_tree_model(estimator: Any) -> bool:
    """True for Spark's tree learners (single trees and ensembles), classifiers or regressors."""
    return any(type(estimator).__name__.startswith(n) for n in _TREE_CLASSES)


def feature_stages(spec: ColumnSpec, *, one_hot: bool = False) -> list[Any]:
    """The stages that turn a row's input columns into ``spec.features_col``.

    Categorical columns are indexed by frequency with ``handleInvalid="keep"``:
    missing values and values never seen in training share one extra index
    instead of failing the job (a new country in next month's data must not
    stop scoring). Numbers go in as they are; a missing number is an error,
    because guessing one silently is worse than asking for it to be filled.

    Examples
    --------
    >>> [type(s).__name__ for s in feature_stages(adult_spec(), one_hot=True)]
    ['StringIndexer', 'OneHotEncoder', 'VectorAssembler']
    """
    from pyspark.ml.feature import OneHotEncoder, StringIndexer, VectorAssembler

    stages: list[Any] = []
    indexed = [c + INDEX_SUFFIX for c in spec.categorical]
    encoded = indexed
    if spec.categorical:
        stages.append(
            StringIndexer(
                inputCols=list(spec.categorical), outputCols=indexed, handleInvalid="keep"
            )
        )
    if spec.categorical and one_hot:
        encoded = [c + ONE_HOT_SUFFIX for c in spec.categorical]
        # dropLast drops the last index, which "keep" reserves for unknown values.
        stages.append(OneHotEncoder(inputCols=indexed, outputCols=encoded))
    stages.append(
        VectorAssembler(
            inputCols=list(spec.numeric) + encoded,
            outputCol=spec.features_col,
            handleInvalid="error",
        )
    )
    return stages


def build_pipeline(
    spec: ColumnSpec,
    model: str | Estimator = "decision_tree",
    *,
    params: Mapping[str, Any] | None = None,
    one_hot: bool | None = None,
    max_bins: int | None = None,
) -> Pipeline:
    """Build the feature + model pipeline for ``spec``; fit it on :func:`index_label` output.

    Parameters
    ----------
    spec : ColumnSpec
    model : str or Estimator, default="decision_tree"
        A kind from ``MODEL_KINDS`` or a Spark classifier; its feature and label
        columns are set from the spec (on a copy).
    params : mapping, optional
        Spark parameters for the model, e.g. ``{"maxDepth": 4}``.
    one_hot : bool, optional
        One-hot encode categories. Default: no for trees (they split on sets of
        categories and stay readable), yes for other models (an index is not a quantity).
    max_bins : int, optional
        ``maxBins`` for tree models; see :func:`required_max_bins`.

    Returns
    -------
    pipeline : pyspark.ml.Pipeline
        Stages: feature stages, the model, and an ``IndexToString`` that writes
        ``spec.predicted_col`` with the class names. No stage reads the label.

    Examples
    --------
    >>> spec = adult_spec()
    >>> pipeline = build_pipeline(spec, "decision_tree", params={"maxDepth": 3}, max_bins=64)
    >>> fitted = pipeline.fit(index_label(load_adult(spark, "train"), spec))
    >>> fitted.transform(load_adult(spark, "test").drop("income")).count()
    16281
    """
    from pyspark.ml import Pipeline
    from pyspark.ml.feature import IndexToString

    settings = dict(params or {})
    if isinstance(model, str):
        estimator = make_model(model, spec, **settings)
    else:
        estimator = _configure(model, spec, settings)
    tree = is_tree_model(estimator)
    if max_bins is not None and tree:
        estimator = estimator.copy({estimator.getParam("maxBins"): max_bins})
    decode = IndexToString(
        inputCol=estimator.getPredictionCol(),
        outputCol=spec.predicted_col,
        labels=list(spec.classes),
    )
    stages = feature_stages(spec, one_hot=not tree if one_hot is None else one_hot)
    return Pipeline(stages=[*stages, estimator, decode])


def fit_pipeline(
    train: DataFrame,
    spec: ColumnSpec,
    model: str | Estimator = "decision_tree",
    *,
    params: Mapping[str, Any] | None = None,
    one_hot: bool | None = None,
) -> PipelineModel:
    """Check ``train`` against the spec, size ``maxBins`` for it, index the label and fit.

    The one call a scheduled retrain needs. Raises the errors of
    :func:`check_columns` and :func:`index_label`.

    Examples
    --------
    >>> fitted = fit_pipeline(load_adult(spark, "train"), adult_spec(), "logistic_regression")
    >>> fitted.stages[-2].numFeatures
    105
    """
    check_columns(train, spec, with_label=True)
    params = dict(params or {})
    probe = model if not isinstance(model, str) else make_model(model, spec)
    if is_tree_model(probe) and "maxBins" not in params:
        params["maxBins"] = required_max_bins(train, spec)
    pipeline = build_pipeline(spec, model, params=params, one_hot=one_hot)
    return pipeline.fit(index_label(train, spec))


# ---------------------------------------------------------------------------
# Feature names from ml_attr metadata
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Feature:
    """One slot of the assembled feature vector, as Spark's ``ml_attr`` metadata describes it.

    ``categories`` is set for an indexed (nominal) feature: the label of each
    index. ``column`` and ``category`` tell where a one-hot slot came from.

    Examples
    --------
    >>> Feature(0, "age", "age").name
    'age'
    """

    index: int
    name: str
    column: str
    categories: tuple[str, ...] | None = None
    category: str | None = None

    def category_label(self, index: int) -> str:
        """The label of category ``index`` of a nominal feature (the index itself if unknown)."""
        if self.categories is not None and 0 <= index < len(self.categories):
            return self.categories[index]
        return str(index)


def feature_attributes(frame: DataFrame, column: str = "features") -> list[Feature]:
    """Describe each slot of an assembled vector column, from its ``ml_attr`` metadata.

    Works on any DataFrame that went through a ``VectorAssembler`` (even an empty
    one: the metadata lives in the schema). One-hot vectors are expanded: their
    slots are named ``"<column> = <category>"``.

    Raises
    ------
    MissingColumns
        When ``frame`` has no such column, or it carries no ``ml_attr`` metadata.

    Examples
    --------
    >>> prepared = Pipeline(stages=feature_stages(adult_spec())).fit(train).transform(train)
    >>> [f.name for f in feature_attributes(prepared)][5:8]
    ['hours-per-week', 'workclass', 'education']
    """
    if column not in frame.columns:
        raise MissingColumns(
            f"No column {column!r} to read feature names from; the DataFrame has {frame.columns}.",
            (column,),
        )
    meta = frame.schema[column].metadata.get("ml_attr")
    if not meta or "attrs" not in meta:
        raise MissingColumns(
            f"Column {column!r} carries no ml_attr metadata, so its slots have no names. "
            "Read it from the output of the fitted VectorAssembler (model.transform(df)).",
            (column,),
        )
    slots = [attr | {"kind": kind} for kind, attrs in meta["attrs"].items() for attr in attrs]
    return [_feature_from_attr(a) for a in sorted(slots, key=lambda a: a["idx"])]


def _feature_from_attr(attr: Mapping[str, Any]) -> Feature:
    name = attr.get("name", f"feature {attr['idx']}")
    if attr["kind"] == "nominal":
        column = name.removesuffix(INDEX_SUFFIX)
        return Feature(attr["idx"], column, column, categories=tuple(attr.get("vals", ())))
    if ONE_HOT_SUFFIX + "_" in name:
        column, category = name.split(ONE_HOT_SUFFIX + "_", 1)
        return Feature(attr["idx"], f"{column} = {category}", column, category=category)
    return Feature(attr["idx"], name, name)


def pipeline_features(
    model: PipelineModel, data: DataFrame, column: str = "features"
) -> list[Feature]:
    """The features a fitted pipeline assembles, read from its output schema (no job runs).

    ``data`` only supplies the input columns' schema; no rows are processed.

    Examples
    --------
    >>> [f.name for f in pipeline_features(fitted, test)][:2]
    ['age', 'fnlwgt']
    """
    return feature_attributes(model.transform(data.limit(0)), column)
