"""Spark's row rules, once: the row path of the scorer and of generated modules.

Standard library only (the files import only each other), in files by job:
``base`` (errors, numbers as the JVM computes them, Spark's messages),
``features`` and ``models`` (each stage's rule), this one (``prepare``,
``run``, ``predict``), and the families a pipeline may not need: ``expand``
(PolynomialExpansion, Interaction) and ``regress`` (GeneralizedLinearRegression,
IsotonicRegression). :func:`labkit.export.to_python_source` copies their code
(each from its marker line on; a family only when the pipeline has one of its
stages) into the module it generates and appends the
model as data (``_STAGES``, ``_FUSED``, ``OUTPUT``,
``INPUT_FIELDS``, ``SPARK_VERSION``); the stage classes of ``labkit.export``
call the same functions for ``apply_row``. :func:`prepare` turns a stage's
spec into a *step*: ``step(row)`` adds the stage's outputs to the row dict and
returns why Spark would drop the row (``handleInvalid="skip"``), else None, and
raises :class:`InvalidRow` where Spark itself would fail.

In a generated module, call ``predict(row)`` with a dict of field -> value
(None for a missing value). It returns a dict with "prediction",
"probability", "raw_prediction", "label" and "skipped".
"""

# ruff: noqa: B905 - generated modules run on older Pythons too (no zip(strict=...))
from labkit.export._runtime.base import (  # noqa: F401 - re-exported
    _ABSENT,
    FALLBACK,
    ZERO_SUM,
    InvalidRow,
    WrongType,
    _Absent,
    argmax,
    argmax_thresholded,
    as_number,
    assembler_message,
    bucket,
    category_index,
    category_message,
    java_string,
    jexp,
    label_of,
    negative_count_message,
    normalize,
    one_hot_width,
    seq_sum,
    skip_reason,
    unseen_message,
)
from labkit.export._runtime.expand import (  # noqa: F401 - re-exported
    EXPAND_BUILDERS,
    poly_size,
    storage_message,
    stored_dense,
)
from labkit.export._runtime.features import (  # noqa: F401 - re-exported
    _assembler,
    _binarizer,
    _bucketizer,
    _elementwise,
    _fused,
    _imputer,
    _index_to_string,
    _max_abs,
    _min_max,
    _multiply,
    _normalizer,
    _one_hot,
    _scaler,
    _string_indexer,
    _vector_indexer,
    jpow,
    p_norm,
    vector_in,
    vector_index_message,
)
from labkit.export._runtime.models import (  # noqa: F401 - re-exported
    _chooser,
    _features,
    _linear,
    _linear_svc,
    _logistic,
    _naive_bayes,
    _trees,
    _writer,
    dot,
    leaf,
    raw_threshold,
    softmax,
    tree_nodes,
)
from labkit.export._runtime.regress import (  # noqa: F401 - re-exported
    REGRESS_BUILDERS,
    glm_unlink,
    isotonic_predict,
    java_pow,
    java_search,
)

# ---- pasted into generated modules from here on (see labkit.export.codegen) ----

__all__ = ["InvalidRow", "predict", "INPUT_FIELDS", "SPARK_VERSION"]


_BUILDERS = {
    "StringIndexerModel": _string_indexer,
    "OneHotEncoderModel": _one_hot,
    "VectorAssembler": _assembler,
    "Bucketizer": _bucketizer,
    "StandardScalerModel": _scaler,
    "ImputerModel": _imputer,
    "IndexToString": _index_to_string,
    "FusedAssembler": _fused,
    "LogisticRegressionModel": _logistic,
    "LinearRegressionModel": _linear,
    "LinearSVCModel": _linear_svc,
    "NaiveBayesModel": _naive_bayes,
    "Binarizer": _binarizer,
    "MinMaxScalerModel": _min_max,
    "MaxAbsScalerModel": _max_abs,
    "ElementwiseProduct": _elementwise,
    "Normalizer": _normalizer,
    "VectorIndexerModel": _vector_indexer,
}


def prepare(spec):
    """The step of one stage spec: ``step(row)`` -> None, or why Spark drops the row."""
    return _BUILDERS.get(spec["type"], _trees)(spec)


def run(fast, steps, row):
    """(values, skip reason or None) for ``row``: the fused steps first, when they apply."""
    if fast is not None:
        values = dict(row)
        try:
            for step in fast:
                reason = step(values)
                if reason is not None:
                    break
            else:
                return values, None
        except KeyError:  # a missing field: the full path names it
            reason = FALLBACK
        if reason is not FALLBACK:
            return values, reason
    values = dict(row)
    for step in steps:
        reason = step(values)
        if reason is not None:
            return values, reason
    return values, None


def predict(row):
    """Score one row (a dict of field -> value) exactly as Spark's transform would."""
    if not isinstance(row, dict):
        raise InvalidRow(f"a row must be a dict, got {type(row).__name__}")
    try:
        values, skipped = run(_FAST, _STEPS, row)
    except KeyError as error:
        raise InvalidRow(f"the row has no field {error.args[0]!r}") from None
    result = {"prediction": None, "probability": None, "raw_prediction": None, "label": None,
              "skipped": skipped}  # fmt: skip
    if skipped is not None:
        return result
    prediction = result["prediction"] = values[OUTPUT["prediction"]]
    if OUTPUT.get("classifier"):
        for key, col in (("probability", "probability"), ("raw_prediction", "raw")):
            if OUTPUT.get(col):
                result[key] = list(values[OUTPUT[col]])
        if OUTPUT.get("label_col"):
            result["label"] = values[OUTPUT["label_col"]]
        elif OUTPUT.get("classes") and 0 <= prediction < len(OUTPUT["classes"]):
            result["label"] = OUTPUT["classes"][int(prediction)]
    return result


# ---- the fitted model: data only ------------------------------------------
# (Placeholders here; a generated module replaces everything from this line on.)
SPARK_VERSION = ""
INPUT_FIELDS: list = []
OUTPUT: dict = {}
_STEPS: list = []
_FAST = None

# A generated module registers the families it pastes the same way (see codegen).
_BUILDERS.update(EXPAND_BUILDERS)
_BUILDERS.update(REGRESS_BUILDERS)
