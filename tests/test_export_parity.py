"""The exported scorer against Spark, on every row of adult.data and adult.test.

Every pipeline is scored three ways besides Spark: ``Scorer.predict`` row by
row, ``Scorer.predict_batch``, and the standalone module ``to_python_source``
writes (generated once per pipeline, every row through its ``predict``).

Each pipeline is fitted once (module-scoped), saved, read back without Spark,
and compared with ``PipelineModel.transform`` on all 48,842 rows plus rows
with unseen and null categories injected: classes identical, probabilities
within 1e-12, regression values within 1e-12 relative; rows Spark drops
(``handleInvalid="skip"``) must be exactly the rows the scorer reports as skipped.
"""

from __future__ import annotations

import pytest

from labkit.data import ADULT_CATEGORICAL, ADULT_NUMERIC
from labkit.export import Scorer, check_parity, export, load_scorer

pytest.importorskip("pyspark")

from pyspark.ml import Pipeline  # noqa: E402
from pyspark.ml import classification as cls  # noqa: E402
from pyspark.ml import feature as ft  # noqa: E402
from pyspark.ml import regression as reg  # noqa: E402
from pyspark.sql import functions as F  # noqa: E402

CATS = list(ADULT_CATEGORICAL)
NUMS = list(ADULT_NUMERIC)
#: Injected rows per kind of trouble (taken from the top of adult.test).
INJECTED = 150


@pytest.fixture(scope="module")
def scored_rows(adult_train, adult_test):
    """Train + test + rows with unseen and null categories: 48,842 + 3 x 150 rows."""
    base = adult_test.limit(INJECTED)
    unseen = base.withColumn("workclass", F.lit("Space-force"))
    null_education = base.withColumn("education", F.lit(None).cast("string"))
    mixed = base.withColumn("native-country", F.lit("Atlantis")).withColumn(
        "occupation", F.lit(None).cast("string")
    )
    rows = adult_train.unionByName(adult_test).unionByName(unseen)
    return rows.unionByName(null_education).unionByName(mixed).cache()


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("spark-models")


def _indexers(handle="keep", label="income"):
    features = [c for c in CATS if c != label]
    return features, [
        ft.StringIndexer(inputCols=features, outputCols=[f"{c}_idx" for c in features],
                         handleInvalid=handle),
        ft.StringIndexer(inputCol=label, outputCol="label"),
    ]  # fmt: skip


def _pipeline(kind):
    """The pipelines under test: name -> (stages, expected model class)."""
    if kind == "tree_indexed":  # categorical splits on raw indices, unseen -> extra index
        cats, stages = _indexers()
        asm = ft.VectorAssembler(inputCols=NUMS + [f"{c}_idx" for c in cats], outputCol="features")
        return stages + [asm, cls.DecisionTreeClassifier(maxDepth=6, maxBins=64, seed=3)]
    if kind == "forest_onehot":
        cats, stages = _indexers()
        ohe = ft.OneHotEncoder(inputCols=[f"{c}_idx" for c in cats],
                               outputCols=[f"{c}_vec" for c in cats])  # fmt: skip
        asm = ft.VectorAssembler(inputCols=NUMS + [f"{c}_vec" for c in cats], outputCol="features")
        forest = cls.RandomForestClassifier(numTrees=8, maxDepth=5, seed=3).setThresholds(
            [0.7, 0.3]
        )
        return stages + [ohe, asm, forest]
    if kind == "gbt_skip":  # rows with a null or unseen category are dropped
        cats, stages = _indexers("skip")
        asm = ft.VectorAssembler(inputCols=NUMS + [f"{c}_idx" for c in cats], outputCol="features")
        return stages + [asm, cls.GBTClassifier(maxIter=6, maxDepth=3, maxBins=64, seed=3)]
    if kind == "logistic_onehot":  # keep in the encoder too, no dropLast, a custom threshold
        cats, stages = _indexers()
        ohe = ft.OneHotEncoder(inputCols=[f"{c}_idx" for c in cats], dropLast=False,
                               outputCols=[f"{c}_vec" for c in cats])  # fmt: skip
        asm = ft.VectorAssembler(inputCols=NUMS + [f"{c}_vec" for c in cats], outputCol="features")
        return stages + [ohe, asm, cls.LogisticRegression(maxIter=30, regParam=0.01, threshold=0.4)]
    if kind == "logistic_multinomial":  # 5 classes: predict race from the rest
        cats, stages = _indexers(label="race")
        ohe = ft.OneHotEncoder(inputCols=[f"{c}_idx" for c in cats],
                               outputCols=[f"{c}_vec" for c in cats])  # fmt: skip
        asm = ft.VectorAssembler(inputCols=NUMS + [f"{c}_vec" for c in cats], outputCol="features")
        lr = cls.LogisticRegression(maxIter=30, regParam=0.01, family="multinomial")
        return stages + [ohe, asm, lr]
    if kind == "naive_bayes":
        cats, stages = _indexers(label="race")
        ohe = ft.OneHotEncoder(inputCols=[f"{c}_idx" for c in cats],
                               outputCols=[f"{c}_vec" for c in cats])  # fmt: skip
        asm = ft.VectorAssembler(inputCols=NUMS + [f"{c}_vec" for c in cats], outputCol="features")
        return stages + [
            ohe,
            asm,
            cls.NaiveBayes(smoothing=1.0, thresholds=[1.0, 0.5, 0.5, 0.5, 0.4]),
        ]
    if kind == "linear_svc":  # raw margins, no probability; a threshold on the margin
        cats, stages = _indexers()
        ohe = ft.OneHotEncoder(inputCols=[f"{c}_idx" for c in cats],
                               outputCols=[f"{c}_vec" for c in cats])  # fmt: skip
        asm = ft.VectorAssembler(inputCols=NUMS + [f"{c}_vec" for c in cats], outputCol="features")
        return stages + [ohe, asm, cls.LinearSVC(maxIter=25, regParam=0.01, threshold=-0.2)]
    raise ValueError(kind)


CLASSIFIERS = ["tree_indexed", "forest_onehot", "gbt_skip", "logistic_onehot",
               "logistic_multinomial", "naive_bayes", "linear_svc"]  # fmt: skip


@pytest.fixture(scope="module")
def fitted(adult_train, models_dir):
    """Fit each pipeline once, on adult.data only; save it. name -> (PipelineModel, folder)."""
    cache = {}

    def get(kind):
        if kind not in cache:
            model = Pipeline(stages=_pipeline(kind)).fit(adult_train)
            folder = models_dir / kind
            model.write().overwrite().save(str(folder))
            cache[kind] = (model, folder)
        return cache[kind]

    return get


@pytest.mark.parametrize("kind", CLASSIFIERS)
def test_classifier_parity_on_every_row(kind, fitted, scored_rows):
    model, folder = fitted(kind)
    scorer = load_scorer(folder)
    report = check_parity(model, scorer, scored_rows, mode="all")
    assert report.ok, str(report)
    total = scored_rows.count()
    assert report.rows == total
    assert report.compared + report.skipped == total
    assert report.max_abs_diff <= 1e-12


def test_skip_drops_exactly_the_rows_spark_drops(fitted, scored_rows):
    model, folder = fitted("gbt_skip")
    invalid = F.lit(False)
    labels = dict(zip(model.stages[0].getInputCols(), model.stages[0].labelsArray, strict=True))
    for col, known in labels.items():
        invalid = invalid | F.col(f"`{col}`").isNull() | ~F.col(f"`{col}`").isin(known)
    expected = scored_rows.filter(invalid).count()
    report = check_parity(model, load_scorer(folder), scored_rows, mode="batch")
    assert report.ok, str(report)
    assert expected > 3 * INJECTED  # the injected rows plus adult's own '?' values
    assert report.skipped == expected


def test_parity_check_reports_a_wrong_scorer_row_by_row(fitted, adult_test):
    model, folder = fitted("logistic_onehot")
    specs = [stage.to_spec() for stage in load_scorer(folder).stages]
    specs[-1]["intercepts"] = [specs[-1]["intercepts"][0] + 1e-9]  # a tiny, realistic slip
    wrong = Scorer.from_specs(specs)
    rows = adult_test.limit(300)
    report = check_parity(model, wrong, rows, mode="rows")
    assert not report.ok and report.mismatch_count >= 300  # every row's probability moved
    first = report.mismatches[0]
    assert first.row == 0 and first.what in ("probability (rows)", "raw (rows)")
    assert "DISAGREE" in str(report) and f"row 0: {first.what}" in str(report)


def test_labels_are_the_original_strings(fitted, adult_test):
    model, folder = fitted("logistic_onehot")
    scorer = load_scorer(folder)
    rows = [r.asDict() for r in adult_test.limit(200).collect()]
    spark = model.transform(adult_test.limit(200)).select("prediction").collect()
    expected = [model.stages[1].labels[int(r["prediction"])] for r in spark]
    assert [scorer.predict(r).label for r in rows] == expected
    assert set(expected) <= {"<=50K", ">50K"}


@pytest.mark.parametrize("kind", ["tree_indexed", "logistic_multinomial"])
def test_exported_document_scores_like_the_folder(kind, fitted, adult_test, tmp_path):
    _, folder = fitted(kind)
    from_folder = load_scorer(folder)
    document = export(folder, tmp_path / f"{kind}.json")
    from_document = load_scorer(document)
    rows = [r.asDict() for r in adult_test.collect()]
    a, b = from_folder.predict_batch(rows), from_document.predict_batch(rows)
    assert (a.prediction == b.prediction).all()
    assert (a.probability == b.probability).all()
    assert [from_document.predict(r) for r in rows[:500]] == [
        from_folder.predict(r) for r in rows[:500]
    ]


# ---------------------------------------------------------------------------
# Regressors, and the other feature stages (Imputer, Bucketizer, StandardScaler, IndexToString)
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def doubles(scored_rows):
    """Numbers as doubles (Imputer keeps the input type) and some numeric nulls and NaNs."""
    out = scored_rows
    for c in NUMS:
        out = out.withColumn(c, F.col(f"`{c}`").cast("double"))
    row_id = F.monotonically_increasing_id()
    out = out.withColumn("_n", row_id)
    out = out.withColumn("hours-per-week", F.when(F.col("_n") % 97 == 0, None)
                         .otherwise(F.col("`hours-per-week`")))  # fmt: skip
    out = out.withColumn("capital-gain", F.when(F.col("_n") % 89 == 0, float("nan"))
                         .otherwise(F.col("`capital-gain`")))  # fmt: skip
    return out.drop("_n").cache()


def _regression_pipeline(*estimator):
    cats, stages = _indexers()
    ohe = ft.OneHotEncoder(
        inputCols=[f"{c}_idx" for c in cats], outputCols=[f"{c}_vec" for c in cats]
    )
    nums = [c for c in NUMS if c != "age"]
    asm = ft.VectorAssembler(inputCols=nums + [f"{c}_vec" for c in cats], outputCol="features",
                             handleInvalid="keep")  # fmt: skip
    return Pipeline(stages=stages[:1] + [ohe, asm, *estimator])


@pytest.mark.parametrize(
    "estimator",
    [
        lambda: [  # with a Normalizer (p=2) before the model
            ft.Normalizer(inputCol="features", outputCol="unit"),
            reg.LinearRegression(featuresCol="unit", labelCol="age", regParam=0.1),
        ],
        lambda: reg.DecisionTreeRegressor(labelCol="age", maxDepth=6, seed=3),
        lambda: reg.RandomForestRegressor(labelCol="age", numTrees=6, maxDepth=5, seed=3),
        lambda: reg.GBTRegressor(labelCol="age", maxIter=6, maxDepth=3, seed=3),
    ],
    ids=["linear", "tree", "forest", "gbt"],
)
def test_regressor_parity_on_every_row(estimator, doubles, tmp_path):
    train = doubles.filter(F.col("`hours-per-week`").isNotNull() & ~F.isnan("capital-gain"))
    stages = estimator()
    model = _regression_pipeline(*(stages if isinstance(stages, list) else [stages])).fit(train)
    model.write().save(str(tmp_path / "model"))
    report = check_parity(model, load_scorer(tmp_path / "model"), doubles, mode="all")
    assert report.ok, str(report)
    assert report.compared == doubles.count()
    assert report.max_rel_diff <= 1e-12


def test_feature_stage_zoo_parity(doubles, adult_train, tmp_path):
    """Imputer, Bucketizer (keep), QuantileDiscretizer, Binarizer -> assembler -> VectorIndexer
    (keep: the unseen workclass gets the extra index) -> MinMaxScaler
    -> MaxAbsScaler -> ElementwiseProduct -> Normalizer (p=inf) -> StandardScaler -> LR ->
    IndexToString. Binarizer reads raw columns with nulls and NaNs, and one of its outputs is
    constant in training (MinMaxScaler's constant-column case)."""
    from pyspark.ml.linalg import Vectors

    cats, stages = _indexers()
    imputed = [f"{c}_filled" for c in NUMS]
    flags = ["gain_positive", "long_week", "huge_loss"]
    label_indexer = stages[1].fit(adult_train)
    columns = imputed + ["age_band", "hours_band", "fnlwgt_q"] + flags + [f"{c}_idx" for c in cats]
    pipeline = Pipeline(stages=[
        stages[0], label_indexer,
        ft.Imputer(inputCols=NUMS, outputCols=imputed, strategy="median"),
        ft.Bucketizer(inputCols=["age_filled", "hours-per-week_filled"],
                      outputCols=["age_band", "hours_band"], handleInvalid="keep",
                      splitsArray=[[-float("inf"), 25, 35, 50, 65, float("inf")],
                                   [-float("inf"), 20, 40, 41, 60, float("inf")]]),
        ft.QuantileDiscretizer(inputCol="fnlwgt_filled", outputCol="fnlwgt_q", numBuckets=6),
        ft.Binarizer(inputCols=["capital-gain", "hours-per-week", "capital-loss"],
                     outputCols=flags, thresholds=[0.0, 45.0, 1e9]),
        ft.VectorAssembler(inputCols=columns, outputCol="raw_features"),
        ft.VectorIndexer(inputCol="raw_features", outputCol="indexed", maxCategories=10,
                         handleInvalid="keep"),
        ft.MinMaxScaler(inputCol="indexed", outputCol="mm", min=-1.0, max=2.0),
        ft.MaxAbsScaler(inputCol="mm", outputCol="ma"),
        ft.ElementwiseProduct(inputCol="ma", outputCol="ep",
                              scalingVec=Vectors.dense([1 + i / 7 for i in range(len(columns))])),
        ft.Normalizer(inputCol="ep", outputCol="unit", p=float("inf")),
        ft.StandardScaler(inputCol="unit", outputCol="features", withMean=True),
        cls.LogisticRegression(maxIter=30, regParam=0.01),
        ft.IndexToString(inputCol="prediction", outputCol="predicted_income",
                         labels=label_indexer.labelsArray[0]),
    ])  # fmt: skip
    train = doubles.filter(F.col("income").isNotNull()).limit(40_000)
    model = pipeline.fit(train)
    # QuantileDiscretizer's fitted model is a Bucketizer: Spark saves it as one
    assert type(model.stages[4]).__name__ == "Bucketizer"
    assert (
        model.stages[8].originalMin[len(columns) - 9]
        == model.stages[8].originalMax[len(columns) - 9]
    )  # huge_loss is constant in training
    model.write().save(str(tmp_path / "zoo"))
    scorer = load_scorer(tmp_path / "zoo")
    assert 9 <= len(model.stages[7].categoryMaps) < len(columns)  # some features categorical
    assert [s.kind for s in scorer.stages][2:13] == [
        "ImputerModel", "Bucketizer", "Bucketizer", "Binarizer", "VectorAssembler",
        "VectorIndexerModel", "MinMaxScalerModel", "MaxAbsScalerModel", "ElementwiseProduct",
        "Normalizer", "StandardScalerModel",
    ]  # fmt: skip
    report = check_parity(model, scorer, doubles, mode="all")
    assert report.ok, str(report)
    assert report.compared == doubles.count()
