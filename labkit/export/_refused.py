"""Why a Spark stage the exported scorer does not replay is refused, and what to do instead.

:func:`refusal` words the :class:`~labkit.errors.UnsupportedStage` message the
folder reader raises at load time, before any row is scored: which stage,
why it cannot be replayed row by row outside Spark (or that it is not
supported yet), and what to do instead.
"""

from __future__ import annotations

from collections.abc import Iterable

#: Stages that are not a row rule at all: Spark class name -> (why, what to do instead).
_NOT_ROW_WISE = {
    "SQLTransformer": (
        "it runs a SQL statement through Spark's SQL engine over the whole DataFrame, which "
        "a row-by-row scorer outside Spark does not have",
        "do the SQL before the pipeline (in the data preparation that feeds it), re-fit the "
        "pipeline without the SQLTransformer, and send the scorer rows already prepared",
    ),
    "ALSModel": (
        "it looks users and items up in factor tables learnt from the whole data set, not a "
        "rule over one row's features",
        "score recommendations with Spark (recommendForAllUsers) and serve the results",
    ),
    "FPGrowthModel": (
        "its predictions join each row with the association rules of the whole data set",
        "compute the rules with Spark and look them up in your service",
    ),
    "VectorSizeHint": (
        "it only declares a vector's size for Spark's streaming planner",
        "drop it from the pipeline you export (the scorer checks vector sizes itself)",
    ),
}

#: Row-wise MLlib stages that could be replayed but are not yet (issue 11, part 3).
_NOT_YET = (
    "MultilayerPerceptronClassificationModel",
    "FMClassificationModel", "FMRegressionModel", "OneVsRestModel",
    "Tokenizer", "RegexTokenizer", "StopWordsRemover", "NGram", "HashingTF",
    "CountVectorizerModel", "IDFModel", "Word2VecModel", "FeatureHasher", "PCAModel",
    "ChiSqSelectorModel", "UnivariateFeatureSelectorModel", "VarianceThresholdSelectorModel",
    "VectorSlicer", "RFormulaModel", "DCT", "RobustScalerModel", "TargetEncoderModel",
    "KMeansModel", "BisectingKMeansModel", "GaussianMixtureModel", "LocalLDAModel",
    "DistributedLDAModel", "BucketedRandomProjectionLSHModel", "MinHashLSHModel",
    "AFTSurvivalRegressionModel",
)  # fmt: skip


def refusal(kind: str, uid: str, path: str, supported: Iterable[str]) -> str:
    """The message for a stage of Spark class ``kind`` the scorer does not replay.

    Examples
    --------
    >>> print(refusal("SQLTransformer", "sql_1", "m/stages/0_sql_1", ["VectorAssembler"]))
    ... # doctest: +ELLIPSIS
    SQLTransformer (stage 'sql_1' in m/stages/0_sql_1) cannot be replayed row by row ...
    """
    where = f"{kind} (stage {uid!r} in {path})"
    if kind in _NOT_ROW_WISE:
        why, instead = _NOT_ROW_WISE[kind]
        return f"{where} cannot be replayed row by row outside Spark: {why}. Instead, {instead}."
    listed = ", ".join(sorted(supported))
    if kind in _NOT_YET:
        what = "is not supported yet (a row-wise stage, but the exported scorer has no rule for it)"
    else:
        what = "is not supported by the exported scorer"
    return (
        f"{where} {what}. Supported: {listed}, alone, in a PipelineModel, or as the bestModel "
        "of a CrossValidatorModel or TrainValidationSplitModel. Instead, score this pipeline "
        "with Spark, or compute that stage's output before the pipeline and re-fit without it."
    )
