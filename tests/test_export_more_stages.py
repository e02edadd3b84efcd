"""PolynomialExpansion, Interaction, GeneralizedLinearRegression and IsotonicRegression
without Spark: row rule = batch path = generated module, bad documents refused by name.

Their parity with Spark on every Adult row is in ``test_export_parity_more.py``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from _export_specs import indexer, io, scorer_of

from labkit.errors import InvalidDocument, InvalidValue, UnsupportedStage
from labkit.export import _runtime as RT
from labkit.export import load_scorer, to_python_source
from labkit.export.codegen import _runtime_code, load_source

ROWS = [
    {"a": 2.0, "b": 3.0, "c": -1.5},
    {"a": 0.0, "b": float("nan"), "c": 4.0},  # Spark skips the zero: no NaN from 0 x NaN
    {"a": -0.0, "b": 0.0, "c": 0.0},
    {"a": 1e200, "b": 1e200, "c": 2.0},  # overflow to inf, as on the JVM
    {"a": 7.0, "b": -2.0, "c": float("nan")},
]


def _assemble(out="v", cols=("a", "b", "c")):
    return {"type": "VectorAssembler", "inputCols": list(cols), "outputCol": out,
            "handleInvalid": "keep"}  # fmt: skip


def _linear(width, col="features", **extra):
    return {"type": "LinearRegressionModel", **io(width, featuresCol=col),
            "coefficients": [1.0] * width, "intercept": 0.0, **extra}  # fmt: skip


def _dense(vector):
    size, entries = vector
    return [entries.get(i, 0.0) for i in range(size)]


def _same(a, b):
    pairs = zip(a, b, strict=True) if len(a) == len(b) else [(0.0, 1.0)]
    return all(x == y or (x != x and y != y) for x, y in pairs)


def _row_and_batch(specs, column):
    scorer = scorer_of(specs)
    batch_rows = [dict(r) for r in ROWS]
    from labkit.export._base import Batch

    columns = {k: np.array([r[k] for r in batch_rows], dtype=object) for k in ROWS[0]}
    batch = Batch(columns, len(ROWS))
    for stage in scorer.stages:
        stage.apply_batch(batch)
    for i, row in enumerate(ROWS):
        values = dict(row)
        for stage in scorer.stages:
            stage.apply_row(values)
        assert _same(_dense(values[column]), batch.cols[column][i].tolist()), (i, values[column])
    return scorer


def test_polynomial_expansion_row_equals_batch_in_sparks_order():
    specs = [_assemble(), {"type": "PolynomialExpansion", "inputCol": "v", "outputCol": "p",
                           "degree": 3}, _linear(19, "p")]  # fmt: skip
    _row_and_batch(specs, "p")
    values = {"a": 2.0, "b": 3.0, "c": 5.0}
    for stage in scorer_of(specs).stages[:2]:
        stage.apply_row(values)
    # Spark's order: the last feature varies slowest, lower powers first
    assert _dense(values["p"])[:9] == [2.0, 4.0, 8.0, 3.0, 6.0, 12.0, 9.0, 18.0, 27.0]
    assert RT.poly_size(3, 3) - 1 == 19


def test_interaction_row_equals_batch_numbers_first_slowest():
    specs = [_assemble("v", ("b", "c")), {"type": "Interaction", "inputCols": ["a", "v"],
                                          "outputCol": "x"}, _linear(2, "x")]  # fmt: skip
    _row_and_batch(specs, "x")
    values = {"a": 2.0, "b": 3.0, "c": 5.0}
    for stage in scorer_of(specs).stages[:2]:
        stage.apply_row(values)
    assert values["x"] == (2, {0: 6.0, 1: 10.0})


def test_interaction_null_number_fails_as_spark_does():
    scorer = scorer_of([{"type": "Interaction", "inputCols": ["a", "b"], "outputCol": "features"},
                        _linear(1)])  # fmt: skip
    with pytest.raises(InvalidValue, match="'b' is null"):
        scorer.predict({"a": 1.0, "b": None})
    with pytest.raises(InvalidValue, match="'b' is null"):
        scorer.predict_batch([{"a": 1.0, "b": None}])


def test_interaction_of_a_categorical_index_is_refused_at_load():
    specs = [indexer("color", ["red", "blue"]),
             {"type": "Interaction", "inputCols": ["color_idx", "size"], "outputCol": "features"},
             _linear(1)]  # fmt: skip
    with pytest.raises(UnsupportedStage, match="Interaction reads 'color_idx'.*OneHotEncoder"):
        scorer_of(specs)


@pytest.mark.parametrize(
    ("stage", "field"),
    [
        ({"type": "PolynomialExpansion", "inputCol": "v", "outputCol": "p", "degree": 0}, "degree"),
        (
            {"type": "PolynomialExpansion", "inputCol": "v", "outputCol": "p", "degree": 12},
            "degree",
        ),  # C(3 + 12, 12) - 1 = 454 is fine; see the width test below
        ({"type": "Interaction", "inputCols": [], "outputCol": "p"}, "inputCols"),
    ],
)
def test_crossing_documents_are_checked(stage, field):
    specs = [_assemble(), stage, _linear(454, "p")]
    if stage.get("degree") == 12:
        scorer_of(specs)  # accepted: a real, if large, expansion
        specs[1] = {**stage, "degree": 20, "inputCol": "v"}
        specs[0] = _assemble("v", ("a", "b", "c") * 4)
    with pytest.raises(InvalidDocument, match=field):
        scorer_of(specs)


def _glm(family, link, power=0.0, **extra):
    return {"type": "GeneralizedLinearRegressionModel", **io(2), "family": family, "link": link,
            "linkPower": power, "coefficients": [0.5, -0.25], "intercept": 0.1, "offsetCol": "",
            "linkPredictionCol": "", **extra}  # fmt: skip


@pytest.mark.parametrize(
    ("family", "link", "power", "expected"),
    [
        ("gaussian", "identity", 0.0, lambda e: e),
        ("binomial", "logit", 0.0, lambda e: 1 / (1 + math.exp(-e))),
        ("binomial", "probit", 0.0, lambda e: 0.5 * (1 + math.erf(e / math.sqrt(2)))),
        ("binomial", "cloglog", 0.0, lambda e: 1 - math.exp(-math.exp(e))),
        ("poisson", "sqrt", 0.0, lambda e: e * e),
        ("gamma", "inverse", 0.0, lambda e: 1 / e),
        ("tweedie", "power", 0.5, lambda e: e**2),
        ("tweedie", "power", 0.0, math.exp),
    ],
)
def test_glm_inverse_links(family, link, power, expected):
    scorer = scorer_of([_assemble("features", ("a", "b")), _glm(family, link, power)])
    eta = 0.5 * 2.0 - 0.25 * 3.0 + 0.1
    assert scorer.predict({"a": 2.0, "b": 3.0}).prediction == pytest.approx(expected(eta), 1e-15)
    batch = scorer.predict_batch([{"a": 2.0, "b": 3.0}])
    assert batch.prediction[0] == scorer.predict({"a": 2.0, "b": 3.0}).prediction


def test_glm_offset_and_link_prediction():
    glm = _glm("poisson", "log", offsetCol="c", linkPredictionCol="eta")
    scorer = scorer_of([_assemble("features", ("a", "b")), glm])
    assert "c" in scorer.input_columns
    values = {"a": 2.0, "b": 3.0, "c": 1.0}
    assert scorer.predict(values).prediction == math.exp(0.5 * 2.0 + -0.25 * 3.0 + 0.1 + 1.0)
    with pytest.raises(InvalidValue, match="offset 'c' is null"):
        scorer.predict({"a": 2.0, "b": 3.0, "c": None})


def test_java_pow_and_inverse_edges_follow_the_jvm():
    assert math.isnan(RT.java_pow(-8.0, 0.5))
    assert RT.java_pow(0.0, -2.0) == math.inf and RT.java_pow(-0.0, -3.0) == -math.inf
    assert RT.glm_unlink("inverse", 0.0)(-0.0) == -math.inf


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        (_glm("poisson", "logit"), "link"),
        (_glm("gaussian", "identity", coefficients=[1.0, "NaN"]), "coefficients"),
        (_glm("gaussian", "identity", intercept="Inf"), "intercept"),
        (_glm("binomal", "logit"), "family"),
    ],
)
def test_glm_documents_are_checked(spec, field):
    with pytest.raises(InvalidDocument, match=field):
        scorer_of([_assemble("features", ("a", "b")), spec])


def _isotonic(boundaries, predictions, isotonic=True, **extra):
    return {"type": "IsotonicRegressionModel", **io(0), "boundaries": boundaries,
            "predictions": predictions, "isotonic": isotonic, "featureIndex": 1,
            **extra}  # fmt: skip


def test_isotonic_interpolates_clamps_and_puts_nan_last():
    scorer = scorer_of([_assemble("features", ("a", "b")),
                        _isotonic([0.0, 1.0, 3.0], [1.0, 2.0, 4.0])])  # fmt: skip
    xs = [-5.0, -0.0, 0.0, 0.5, 1.0, 2.0, 3.0, 9.0, float("nan")]
    got = [scorer.predict({"a": 1.0, "b": x}).prediction for x in xs]
    assert got == [1.0, 1.0, 1.0, 1.5, 2.0, 3.0, 4.0, 4.0, 4.0]
    batch = scorer.predict_batch([{"a": 1.0, "b": x} for x in xs])
    assert batch.prediction.tolist() == got
    assert RT.java_search([-1.0, 0.0, 2.0], -0.0) == -2  # -0.0 sorts just below 0.0 in Java


def test_isotonic_on_a_number_column_and_its_documents():
    scorer = scorer_of([_isotonic([1.0, 2.0], [5.0, 3.0], isotonic=False, featuresCol="x")])
    assert scorer.input_schema[0]["type"] == "double"
    assert scorer.predict({"x": 1.5}).prediction == 4.0
    with pytest.raises(InvalidDocument, match="predictions"):
        scorer_of([_isotonic([1.0, 2.0], [5.0, 3.0], featuresCol="x")])
    with pytest.raises(InvalidDocument, match="boundaries"):
        scorer_of([_isotonic([2.0, 1.0], [1.0, 3.0], featuresCol="x")])
    with pytest.raises(InvalidDocument, match="featureIndex"):
        scorer_of([_assemble("features", ("a",)), _isotonic([1.0], [1.0])])


def test_generated_module_pastes_only_the_families_it_needs(tmp_path):
    core = scorer_of([_assemble("features", ("a", "b")), _linear(2)])
    source = to_python_source(core)
    assert _runtime_code() in source and "EXPAND_BUILDERS" not in source
    assert "REGRESS_BUILDERS" not in source
    glm = scorer_of([_assemble("features", ("a", "b")), _glm("gamma", "log")])
    source = to_python_source(glm)
    assert "_BUILDERS.update(REGRESS_BUILDERS)" in source and "EXPAND_BUILDERS" not in source
    predict = load_source(source)["predict"]
    row = {"a": 2.0, "b": 3.0}
    assert predict(row)["prediction"] == glm.predict(row).prediction
    document = glm.save(tmp_path / "glm.json")
    assert load_scorer(document).predict(row) == glm.predict(row)


def _expansion_after(producer_specs, col):
    stage = {"type": "PolynomialExpansion", "inputCol": col, "outputCol": "p", "degree": 2}
    return scorer_of([*producer_specs, stage, _linear(9, "p")])


def test_storage_decides_nan_times_zero_as_spark_does():
    """Spark: [0, NaN, 4] from an assembler is stored dense, so 0 x NaN is NaN; a one-hot
    vector is sparse, so its zeros are skipped; an unknown storage with NaN is refused."""
    dense = _expansion_after([_assemble()], "v")
    assert dense.stages[1].storage == ["compressed"]
    values = {"a": 0.0, "b": float("nan"), "c": 4.0}
    for stage in dense.stages[:2]:
        stage.apply_row(values)
    # Spark 4.3 on this vector: [0.0, 0.0, NaN, NaN, NaN, 4.0, 0.0, NaN, 16.0]
    assert _same(_dense(values["p"]), [0.0, 0.0, math.nan, math.nan, math.nan, 4.0, 0.0,
                                       math.nan, 16.0])  # fmt: skip
    _row_and_batch([_assemble(), *[s.to_spec() for s in dense.stages[1:]]], "p")
    scaled = {"type": "MaxAbsScalerModel", "inputCol": "v", "outputCol": "w",
              "maxAbs": [1.0, 1.0, 1.0]}  # fmt: skip
    unknown = _expansion_after([_assemble(), scaled], "w")
    assert unknown.stages[2].storage == ["unknown"]
    with pytest.raises(InvalidValue, match="stored dense or sparse"):
        unknown.predict({"a": 0.0, "b": float("nan"), "c": 4.0})
    with pytest.raises(InvalidValue, match="row 1: .*stored dense or sparse"):
        unknown.predict_batch([{"a": 1.0, "b": 2.0, "c": 0.0}, {"a": 0.0, "b": math.nan, "c": 4.0}])
    assert unknown.predict({"a": 1.0, "b": 2.0, "c": 0.0}).prediction == 1 + 1 + 2 + 2 + 4
