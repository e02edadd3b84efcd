"""Build and fit the feature + model pipeline a column spec describes::

    categorical ──StringIndexer(handleInvalid="keep")──┬─[OneHotEncoder]─┐
    numeric ───────────────────────────────────────────┴─VectorAssembler─┴─> features
    features ──model──> prediction ──IndexToString──> predicted_label

The label is deliberately *not* a stage (see :func:`~labkit.pipeline.spec.index_label`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from labkit.errors import UnknownModelKind
from labkit.pipeline.spec import ColumnSpec, _did_you_mean, adult_spec, check_columns, index_label

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


def required_max_bins(df: DataFrame, spec: ColumnSpec) -> int:
    """The ``maxBins`` a tree needs for ``df``: one bin per category, plus the unknown bucket.

    Trees bin every feature; a categorical feature needs a bin for each of its
    values. Adult's native-country has 41 values plus the bucket for missing and
    unseen ones, more than Spark's default of 32.

    Examples
    --------
    ``people`` below is a small DataFrame (sex, age, hours-per-week, income);
    with two categories the default is enough. On Adult the answer is 42.

    >>> required_max_bins(people, people_spec)
    32
    """
    from pyspark.sql import functions as F

    if not spec.categorical:
        return SPARK_DEFAULT_MAX_BINS
    check_columns(df, spec)
    distinct = df.agg(*[F.countDistinct(F.col(f"`{c}`")) for c in spec.categorical]).first()
    return max(SPARK_DEFAULT_MAX_BINS, max(distinct) + 1)


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
    >>> pipeline = build_pipeline(people_spec, "decision_tree", params={"maxDepth": 2})
    >>> [type(stage).__name__ for stage in pipeline.getStages()]
    ['StringIndexer', 'VectorAssembler', 'DecisionTreeClassifier', 'IndexToString']
    >>> fitted = pipeline.fit(index_label(people, people_spec))
    >>> fitted.transform(people.drop("income")).select("predicted_label").first()[0]
    '<=50K'
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
    Logistic regression gets one-hot categories: 2 numbers + 2 sex slots + 1 unknown bucket
    minus the dropped last slot.

    >>> fitted = fit_pipeline(people, people_spec, "logistic_regression")
    >>> fitted.stages[-2].numFeatures
    4
    """
    check_columns(train, spec, with_label=True)
    params = dict(params or {})
    probe = model if not isinstance(model, str) else make_model(model, spec)
    if is_tree_model(probe) and "maxBins" not in params:
        params["maxBins"] = required_max_bins(train, spec)
    pipeline = build_pipeline(spec, model, params=params, one_hot=one_hot)
    return pipeline.fit(index_label(train, spec))
