"""Feature + model pipelines built from a column spec, and feature names read back from Spark.

A :class:`ColumnSpec` says which columns are categorical, which are numeric,
which one is the label and which label values exist (:mod:`.spec`).
:func:`build_pipeline` turns it into a Spark ``Pipeline`` (:mod:`.build`)::

    categorical ──StringIndexer(handleInvalid="keep")──┬─[OneHotEncoder]─┐
    numeric ───────────────────────────────────────────┴─VectorAssembler─┴─> features
    features ──model──> prediction ──IndexToString──> predicted_label

The label is deliberately *not* a stage: :func:`index_label` turns it into a
number before fitting, with a fixed class order, so a fitted pipeline never
looks at the label column and scores rows that do not have one.

Feature names come back from the ``ml_attr`` metadata Spark writes on the
assembled column (:mod:`.features`), one-hot vectors expanded to
``"marital-status = Married-civ-spouse"``.
"""

from labkit.pipeline.build import (
    DEFAULT_SEED,
    INDEX_SUFFIX,
    MODEL_KINDS,
    ONE_HOT_SUFFIX,
    SPARK_DEFAULT_MAX_BINS,
    build_pipeline,
    feature_stages,
    fit_pipeline,
    is_tree_model,
    make_model,
    required_max_bins,
)
from labkit.pipeline.features import Feature, feature_attributes, pipeline_features
from labkit.pipeline.spec import ColumnSpec, adult_spec, check_columns, index_label

__all__ = [
    "DEFAULT_SEED",
    "INDEX_SUFFIX",
    "MODEL_KINDS",
    "ONE_HOT_SUFFIX",
    "SPARK_DEFAULT_MAX_BINS",
    "ColumnSpec",
    "Feature",
    "adult_spec",
    "build_pipeline",
    "check_columns",
    "feature_attributes",
    "feature_stages",
    "fit_pipeline",
    "index_label",
    "is_tree_model",
    "make_model",
    "pipeline_features",
    "required_max_bins",
]
