"""Parity with Spark for PolynomialExpansion, Interaction, GeneralizedLinearRegression
(every family and link Spark allows, an offset, the link prediction) and IsotonicRegression
(isotonic on a vector's entry, antitonic on a number with NaNs), on every Adult row.

Each pipeline is scored by Spark, ``Scorer.predict``, ``Scorer.predict_batch`` and the
generated module (``mode="all"``). The GLM cases share one fitted feature pipeline.
"""

from __future__ import annotations

import pytest

from labkit.data import ADULT_NUMERIC
from labkit.export import check_parity, load_scorer, to_python_source

pytest.importorskip("pyspark")

from pyspark.ml import Pipeline, PipelineModel  # noqa: E402
from pyspark.ml import feature as ft  # noqa: E402
from pyspark.ml import regression as reg  # noqa: E402
from pyspark.sql import functions as F  # noqa: E402

#: Spark's ``GeneralizedLinearRegression.supportedFamilyAndLinkPairs``, and tweedie.
GLM_CASES = [
    ("gaussian", "identity"), ("gaussian", "log"), ("gaussian", "inverse"),
    ("binomial", "logit"), ("binomial", "probit"), ("binomial", "cloglog"),
    ("poisson", "log"), ("poisson", "identity"), ("poisson", "sqrt"),
    ("gamma", "inverse"), ("gamma", "identity"), ("gamma", "log"),
    ("tweedie", None),
]  # fmt: skip


@pytest.fixture(scope="module")
def rows(adult_train, adult_test):
    """All 48,842 Adult rows, numbers as doubles, a NaN capital-gain every 89th row."""
    out = adult_train.unionByName(adult_test)
    for c in ADULT_NUMERIC:
        out = out.withColumn(c, F.col(f"`{c}`").cast("double"))
    nan_here = F.monotonically_increasing_id() % 89 == 0
    out = out.withColumn("capital-gain", F.when(nan_here, float("nan"))
                         .otherwise(F.col("`capital-gain`")))  # fmt: skip
    return out.cache()


def _indexed():
    return [
        ft.StringIndexer(inputCols=["workclass", "sex"], outputCols=["w_idx", "s_idx"],
                         handleInvalid="keep"),
        ft.StringIndexer(inputCol="income", outputCol="label"),
        ft.OneHotEncoder(inputCols=["w_idx", "s_idx"], outputCols=["w_vec", "s_vec"]),
    ]  # fmt: skip


def test_polynomial_expansion_and_interaction_parity(rows, tmp_path):
    """Degree-3 expansion of [age, education-num, capital-gain] (NaN next to zeros in a vector
    Spark stores dense: 0 x NaN is NaN); a number x two one-hot vectors; a one-hot vector
    (sparse: its zeros skipped) x a number with NaNs. The final assembler passes NaN inside
    vectors on, as Spark does."""
    pipeline = Pipeline(stages=[
        *_indexed(),
        ft.VectorAssembler(inputCols=["age", "education-num", "capital-gain"], outputCol="small",
                           handleInvalid="keep"),
        ft.PolynomialExpansion(inputCol="small", outputCol="poly", degree=3),
        ft.Interaction(inputCols=["hours-per-week", "w_vec", "s_vec"], outputCol="inter"),
        ft.Interaction(inputCols=["s_vec", "capital-gain"], outputCol="inter2"),
        ft.VectorAssembler(inputCols=["poly", "inter", "inter2"], outputCol="features",
                           handleInvalid="skip"),
        reg.LinearRegression(labelCol="fnlwgt", regParam=0.1, maxIter=20),
    ])  # fmt: skip
    model = pipeline.fit(rows.filter(~F.isnan("capital-gain")).limit(12_000))
    model.write().save(str(tmp_path / "crossing"))
    scorer = load_scorer(tmp_path / "crossing")
    assert [s.kind for s in scorer.stages][4:7] == [
        "PolynomialExpansion",
        "Interaction",
        "Interaction",
    ]
    workclasses = len(model.stages[0].labelsArray[0])  # keep + dropLast: one slot each
    # C(3 + 3, 3) - 1 monomials, 1 x workclasses x 2 (sex), 2 x 1
    assert model.stages[-1].numFeatures == 19 + workclasses * 2 + 2
    report = check_parity(model, scorer, rows, mode="all")
    assert report.ok, str(report)
    assert report.compared == rows.count()
    assert "_BUILDERS.update(EXPAND_BUILDERS)" in to_python_source(scorer)


@pytest.fixture(scope="module")
def glm_data(rows):
    """One fitted feature pipeline and its output on 12,000 training rows, for every GLM."""
    features = Pipeline(stages=[
        *_indexed(),
        ft.VectorAssembler(inputCols=["education-num", "hours-per-week", "w_vec", "s_vec"],
                           outputCol="features"),
    ]).fit(rows)  # fmt: skip
    train = features.transform(rows.limit(12_000)).withColumn("age10", F.col("age") / 10)
    return features, train.cache()


@pytest.mark.parametrize(("family", "link"), GLM_CASES, ids=[f"{f}-{k}" for f, k in GLM_CASES])
def test_glm_parity_on_every_row(family, link, glm_data, rows, tmp_path):
    features, train = glm_data
    options = {"family": family, "labelCol": "label" if family == "binomial" else "age10",
               "maxIter": 8, "regParam": 0.01}  # fmt: skip
    if link is None:  # tweedie: its power link
        options.update(variancePower=1.5, linkPower=0.5)
    else:
        options["link"] = link
    if (family, link) == ("poisson", "log"):  # an offset column and the link prediction
        options.update(offsetCol="education-num", linkPredictionCol="eta")
    glm = reg.GeneralizedLinearRegression(**options).fit(train)
    model = PipelineModel(stages=[*features.stages, glm])
    model.write().save(str(tmp_path / "glm"))
    scorer = load_scorer(tmp_path / "glm")
    assert scorer.model.link == (link or "power")
    report = check_parity(model, scorer, rows, mode="all")
    assert report.ok, str(report)
    assert report.compared == rows.count()


@pytest.mark.parametrize("isotonic", [True, False], ids=["isotonic-vector", "antitonic-number"])
def test_isotonic_parity_on_every_row(isotonic, rows, tmp_path):
    """Isotonic: entry 1 (education-num) of a vector; antitonic: capital-gain, NaNs included
    (Spark's binary search puts NaN above the last boundary)."""
    if isotonic:
        stages = [
            ft.StringIndexer(inputCol="income", outputCol="label"),
            ft.VectorAssembler(inputCols=["age", "education-num"], outputCol="features"),
            reg.IsotonicRegression(featureIndex=1),
        ]
    else:
        stages = [reg.IsotonicRegression(featuresCol="capital-gain", labelCol="minus_age",
                                         isotonic=False)]  # fmt: skip
    train = rows.filter(~F.isnan("capital-gain")).withColumn("minus_age", -F.col("age"))
    model = Pipeline(stages=stages).fit(train.limit(20_000))
    model.write().save(str(tmp_path / "iso"))
    scorer = load_scorer(tmp_path / "iso")
    assert scorer.model.isotonic is isotonic and len(scorer.model.boundaries) > 2
    report = check_parity(model, scorer, rows, mode="all")
    assert report.ok, str(report)
    assert report.compared == rows.count()
