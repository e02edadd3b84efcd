"""Spark's prediction rules, one at a time, on hand-written stages (no Spark needed).

Each expectation is worked out from the rule in Spark's own source of the stage;
``test_export_parity.py`` proves the same rules against Spark on real data.
"""

from __future__ import annotations

import math

import pytest
from _export_specs import io, logistic_specs, scorer_of, tree_specs

from labkit.errors import (
    InvalidDocument,
    InvalidValue,
    MissingField,
    UnsupportedStage,
    WrongFieldType,
)
from labkit.export._base import java_string
from labkit.export._categorical import OneHotEncoderModel
from labkit.export._linear import LogisticRegressionModel, NaiveBayesModel
from labkit.export._numeric import Bucketizer, StandardScalerModel, VectorAssembler
from labkit.export._vectors import (
    Binarizer,
    ElementwiseProduct,
    MaxAbsScalerModel,
    MinMaxScalerModel,
    Normalizer,
    VectorIndexerModel,
)


def _leaf_class(stats):
    return float(stats.index(max(stats)))


@pytest.mark.parametrize(
    ("left", "color", "expected_leaf_stats"),
    [
        # len(L)=1 <= 4//2: left iff x in L. The unknown index 3 is not in L: right.
        ((0.0,), "red", [8.0, 2.0]),
        ((0.0,), "Martian", [2.0, 6.0]),
        # len(L)=3 > 4//2: left iff x not in {0..3} - L = {3}... L={0,1,2} puts index 3 right,
        ((0.0, 1.0, 2.0), "Martian", [2.0, 6.0]),
        # ...but L={1,2,3} (complement {0}) sends the unknown index 3 left, like any non-0 value.
        ((1.0, 2.0, 3.0), "Martian", [8.0, 2.0]),
        ((1.0, 2.0, 3.0), "red", [2.0, 6.0]),
    ],
)
def test_categorical_split_uses_sparks_two_forms(left, color, expected_leaf_stats):
    scorer = scorer_of(tree_specs(left_categories=left))
    result = scorer.predict({"color": color, "size": 1.0})
    assert result.raw_prediction == tuple(expected_leaf_stats)
    total = sum(expected_leaf_stats)
    assert result.probability == tuple(v / total for v in expected_leaf_stats)
    assert result.prediction == _leaf_class(expected_leaf_stats)
    assert result.label == ("no", "yes")[int(result.prediction)]
    batch = scorer.predict_batch([{"color": color, "size": 1.0}])
    assert batch[0] == result


def test_out_of_range_category_in_complement_form_goes_left():
    # A NaN or out-of-range feature value is in neither set: the complement form sends it left.
    scorer = scorer_of(tree_specs(left_categories=(1.0, 2.0, 3.0)))
    tree = scorer.model.trees[0]
    assert tree.leaf_value({1: 7.0, 0: 1.0}.get) == (8.0, 2.0)
    assert tree.leaf_value({1: math.nan, 0: 1.0}.get) == (8.0, 2.0)
    assert tree.leaves_batch(__import__("numpy").array([[1.0, 7.0], [1.0, math.nan]])).tolist() == [
        2,
        2,
    ]


@pytest.mark.parametrize(("size", "leaf"), [(2.5, [8.0, 2.0]), (2.5000001, [1.0, 3.0])])
def test_continuous_split_goes_left_on_equal_and_right_on_nan(size, leaf):
    scorer = scorer_of(tree_specs())
    assert scorer.predict({"color": "red", "size": size}).raw_prediction == tuple(leaf)
    tree = scorer.model.trees[0]
    assert tree.leaf_value({0: math.nan}.get) == (1.0, 3.0)  # red is index 0: NaN size goes right


def test_nan_feature_with_assembler_error_raises_like_spark():
    with pytest.raises(InvalidValue, match="NaN in column 'size'.*handleInvalid='error'"):
        scorer_of(tree_specs()).predict({"color": "red", "size": math.nan})


@pytest.mark.parametrize(
    ("keep", "drop_last", "size", "width"),
    [(False, True, 4, 3), (False, False, 4, 4), (True, True, 4, 4), (True, False, 4, 5)],
)
def test_one_hot_output_width_follows_keep_and_drop_last(keep, drop_last, size, width):
    stage = OneHotEncoderModel(["c"], ["v"], [size], drop_last=drop_last,
                               handle_invalid="keep" if keep else "error")  # fmt: skip
    row = {"c": float(size - 1)}
    stage.apply_row(row)
    expected = {} if size - 1 >= width else {size - 1: 1.0}
    assert row["v"] == (width, expected)
    row = {"c": 1.9}  # non-integers truncate
    stage.apply_row(row)
    assert row["v"] == (width, {1: 1.0})
    if keep:
        row = {"c": 99.0}
        stage.apply_row(row)
        assert row["v"] == (width, {size: 1.0} if size < width else {})
    else:
        with pytest.raises(InvalidValue, match="outside the 4 categories"):
            stage.apply_row({"c": -1.0})


def test_bucketizer_edges_nan_and_out_of_range():
    splits = [-math.inf, 0.0, 10.0, 20.0]
    keep = Bucketizer(["x"], ["b"], [splits], "keep")
    for x, bucket in [(-5.0, 0.0), (0.0, 1.0), (9.999, 1.0), (10.0, 2.0), (20.0, 2.0),
                      (math.nan, 3.0)]:  # fmt: skip
        row = {"x": x}
        keep.apply_row(row)
        assert row["b"] == bucket, x
    with pytest.raises(InvalidValue, match="outside the splits"):
        keep.apply_row({"x": 20.5})
    skip = Bucketizer(["x"], ["b"], [splits], "skip")
    assert skip.apply_row({"x": math.nan}) == "Bucketizer: NaN in column 'x' (handleInvalid='skip')"
    with pytest.raises(InvalidValue, match="NaN in column 'x'"):
        Bucketizer(["x"], ["b"], [splits], "error").apply_row({"x": math.nan})


def test_assembler_keep_turns_null_into_nan_and_skip_drops():
    keep = VectorAssembler(["a", "v"], "f", "keep")
    row = {"a": None, "v": (3, {0: 0.0, 2: 5.0})}
    keep.apply_row(row)
    size, entries = row["f"]
    assert size == 4 and math.isnan(entries[0]) and entries == {0: entries[0], 3: 5.0}
    assert VectorAssembler(["a"], "f", "skip").apply_row({"a": None}) == (
        "VectorAssembler: null in column 'a' (handleInvalid='skip')"
    )


def test_standard_scaler_multiplies_by_inverse_std():
    std = [3.0, 0.0, 7.0]
    stage = StandardScalerModel("f", "s", mean=[1.0, 2.0, 3.0], std=std, with_mean=True,
                                with_std=True)  # fmt: skip
    row = {"f": (3, {0: 10.0, 2: 1.0})}
    stage.apply_row(row)
    assert row["s"] == (3, {0: (10.0 - 1.0) * (1 / 3.0), 1: 0.0, 2: (1.0 - 3.0) * (1 / 7.0)})


@pytest.mark.parametrize(
    ("threshold", "size", "expected"),
    [(0.5, 2.5, 1.0), (0.5, 2.0, 0.0), (0.0, -50.0, 1.0), (1.0, 50.0, 0.0)],
)
def test_binary_logistic_threshold_on_the_margin(threshold, size, expected):  # fmt: skip
    scorer = scorer_of(logistic_specs(threshold=threshold))
    result = scorer.predict({"color": "blue", "size": size})
    margin = 0.5 * size + 0.0 - 1.0  # blue is index 1: weight 0.25 * (1 - 1) = 0
    assert result.raw_prediction == (-margin, margin)
    assert result.probability == (1 / (1 + math.exp(margin)), 1 / (1 + math.exp(-margin)))
    assert result.prediction == expected


def test_multinomial_softmax_rules():
    model = LogisticRegressionModel(coefficients=[[1.0], [2.0], [0.0]], intercepts=[0.0, 0.0, 0.0],
                                    multinomial=True)  # fmt: skip
    row = {"features": (1, {0: 3.0})}
    model.apply_row(row)
    exps = [math.exp(3.0 - 6.0), math.exp(0.0), math.exp(-6.0)]  # max 6 > 0 is subtracted
    scale = 1 / (exps[0] + exps[1] + exps[2])
    assert row["probability"] == tuple(e * scale for e in exps)
    assert row["prediction"] == 1.0
    model = LogisticRegressionModel(coefficients=[[-1.0], [2.0], [-3.0]],
                                    intercepts=[0.0, 0.0, 0.0], multinomial=True)  # fmt: skip
    row = {"features": (1, {0: math.inf})}  # raw (-inf, inf, -inf): one-hot, no NaN
    model.apply_row(row)
    assert row["probability"] == (0.0, 1.0, 0.0)


def test_thresholds_pick_argmax_of_probability_over_threshold():
    model = LogisticRegressionModel(coefficients=[[0.0], [0.0]], intercepts=[0.0, 0.1],
                                    multinomial=True, thresholds=[0.2, 0.8])  # fmt: skip
    row = {"features": (1, {})}
    model.apply_row(row)
    assert row["probability"][1] > row["probability"][0]
    assert row["prediction"] == 0.0  # 0.475 / 0.2 beats 0.525 / 0.8


def test_naive_bayes_refuses_negative_counts():
    model = NaiveBayesModel(pi=[-0.5, -1.0], theta=[[-1.0, -2.0], [-2.0, -1.0]])
    with pytest.raises(InvalidValue, match="feature 1 .* is -1.0"):
        model.apply_row({"features": (2, {1: -1.0})})


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1.0"),
        (39, "39"),
        (1e-5, "1.0E-5"),
        (12345678.0, "1.2345678E7"),
        (True, "true"),
        (math.nan, "NaN"),
    ],
)
def test_numbers_become_strings_like_sparks_cast(value, text):  # fmt: skip
    assert java_string(value) == text


def test_errors_name_the_field_and_the_fix():
    scorer = scorer_of(tree_specs(handle="error"))
    with pytest.raises(MissingField, match="no field 'color'.*Required fields: color, size"):
        scorer.predict({"size": 1.0})
    with pytest.raises(WrongFieldType, match="'size' must be a number, got '3'"):
        scorer.predict({"color": "red", "size": "3"})
    with pytest.raises(InvalidValue, match="unseen label 'Martian' in column 'color'.*'red'"):
        scorer.predict({"color": "Martian", "size": 1.0})
    with pytest.raises(InvalidValue, match="row 1: StringIndexerModel: null in column 'color'"):
        scorer.predict_batch([{"color": "red", "size": 1.0}, {"color": None, "size": 1.0}])


def test_skip_reports_the_dropped_row():
    scorer = scorer_of(tree_specs(handle="skip"))
    result = scorer.predict({"color": None, "size": 1.0})
    assert result.prediction is None and result.skipped.startswith("StringIndexerModel: null")
    batch = scorer.predict_batch([{"color": "red", "size": 1.0}, {"color": "Martian", "size": 1}])
    assert list(batch.skipped) == [1] and batch.kept.tolist() == [True, False]
    assert math.isnan(batch.prediction[1]) and batch.label == ["no", None]


def test_label_column_may_be_absent_but_is_checked_when_present():
    scorer = scorer_of(tree_specs())
    assert scorer.predict({"color": "red", "size": 1.0}).label == "no"
    with pytest.raises(InvalidValue, match="unseen label 'maybe' in column 'label_text'"):
        scorer.predict({"color": "red", "size": 1.0, "label_text": "maybe"})
    assert scorer.input_columns == ["color", "size"]


def test_rows_and_batch_agree_on_a_grid():
    scorer = scorer_of(logistic_specs())
    rows = [{"color": c, "size": s} for c in ["red", "blue", "green", "pink", None]
            for s in [-3, 0, 0.5, 2, 7.25, None]]  # fmt: skip
    batch = scorer.predict_batch(rows)
    singles = [scorer.predict(r) for r in rows]
    for i, single in enumerate(singles):
        got = batch[i]
        assert got.label == single.label and got.prediction == single.prediction
        assert got.probability == pytest.approx(single.probability, abs=1e-15, nan_ok=True)


def test_unsupported_stage_names_itself_and_lists_the_supported():
    specs = tree_specs()
    specs.insert(2, {"type": "PCAModel", "inputCol": "x", "outputCol": "y"})
    with pytest.raises(UnsupportedStage, match=r"stages\[2\]: stage type 'PCAModel'.*Bucketizer"):
        scorer_of(specs)


def test_predictor_features_size_is_checked():
    specs = tree_specs()
    specs[-1] = {**specs[-1], **io(3)}
    with pytest.raises(InvalidDocument, match=r"stages\[3\]\.numFeatures: expected 2 \(the width"):
        scorer_of(specs)  # at load: the assembler builds 2 features
    model = scorer_of(tree_specs()).model
    with pytest.raises(InvalidValue, match="has 3 entries, the model was trained on 2"):
        model.apply_row({"features": (3, {0: 1.0})})  # when scoring: a vector from elsewhere


def _outcome(fn, row):
    try:
        return fn(row)
    except Exception as error:  # compare the failure too: same type, same message
        return type(error), str(error)


@pytest.mark.parametrize(
    "specs", [tree_specs(), tree_specs(handle="skip"), logistic_specs()], ids=["tree", "skip", "lr"]
)
def test_fused_fast_path_gives_the_stage_by_stage_answer(specs):
    scorer = scorer_of(specs)
    assert [s.kind for s in scorer.fused_stages][-2] == "FusedAssembler"
    plain = scorer_of(specs)
    plain._fast = None  # every row through the ordinary stages
    values = ["red", "green", "Martian", None, 3, 1.5, True]
    sizes = [0, -0.0, 2.5, 7, None, math.nan, "4", False]
    rows = [{"color": c, "size": s} for c in values for s in sizes] + [{"size": 1.0}, {}]
    for row in rows:
        fast, full = _outcome(scorer.predict, row), _outcome(plain.predict, row)
        assert repr(fast) == repr(full), row  # repr: NaN equals NaN


def test_batch_accepts_pandas_frames_with_nullable_dtypes():
    pd = pytest.importorskip("pandas")
    scorer = scorer_of(logistic_specs())
    frame = pd.DataFrame({"color": pd.array(["red", None, "blue"], dtype="string"),
                          "size": pd.array([1, None, 3], dtype="Int64")})  # fmt: skip
    batch = scorer.predict_batch(frame)
    rows = [
        {"color": "red", "size": 1},
        {"color": None, "size": None},
        {"color": "blue", "size": 3},
    ]
    assert repr(batch.to_list()) == repr([scorer.predict(r) for r in rows])


@pytest.mark.parametrize(
    "module",
    ["_categorical", "_numeric", "_linear", "codegen", "_spec", "_widths", "_vectors", "_refused"],
)
def test_docstring_examples_run(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(f"labkit.export.{module}"))
    assert result.attempted > 0 and result.failed == 0


# --- row-wise vector stages: Spark's corner cases, row path and batch path alike ----------


def _row_and_batch(stage, vector):
    """``stage`` on one dense vector, by the row rule and by the batch path."""
    import numpy as np

    from labkit.export._base import Batch

    row = {"f": (len(vector), {i: x for i, x in enumerate(vector) if x != 0.0})}
    stage.apply_row(row)
    size, entries = row[stage.outputs[0]]
    batch = Batch({"f": np.array([vector], dtype=float)}, 1)
    stage.apply_batch(batch)
    return [entries.get(i, 0.0) for i in range(size)], batch.cols[stage.outputs[0]][0].tolist()


@pytest.mark.parametrize(
    ("stage", "vector", "expected"),
    [
        # constant in training (range 0) -> (min + max) / 2; NaN stays NaN
        (MinMaxScalerModel("f", "o", [0.0, 2.0, 0.0], [4.0, 2.0, 1.0], low=-1.0, high=2.0),
         [1.0, 7.0, math.nan], [-0.25, 0.5, math.nan]),
        (MaxAbsScalerModel("f", "o", [4.0, 0.0]), [-2.0, 3.0], [-0.5, 3.0]),
        (ElementwiseProduct("f", "o", [2.0, -1.0, 0.5]), [1.0, -2.0, 3.0], [2.0, 2.0, 1.5]),
        # p=inf: the largest |x|, NaN never wins; a zero norm leaves the vector as it is
        (Normalizer("f", "o", math.inf), [-4.0, math.nan, 2.0], [-1.0, math.nan, 0.5]),
        (Normalizer("f", "o", 2.0), [0.0, 0.0], [0.0, 0.0]),
        (Normalizer("f", "o", 1.0), [3.0, -1.0], [0.75, -0.25]),
        # a vector and a threshold >= 0: entries above it; < 0: all but non-zeros at or below
        (Binarizer(["f"], ["o"], [0.5]), [0.7, 0.0, math.nan], [1.0, 0.0, 0.0]),
        (Binarizer(["f"], ["o"], [-0.5]), [-0.7, 0.0, math.nan], [0.0, 1.0, 1.0]),
        (VectorIndexerModel("f", "o", 2, {1: {0.0: 0, 5.0: 1, 2.0: 2}}, "keep"),
         [7.5, 9.0], [7.5, 3.0]),
    ],
)  # fmt: skip
def test_vector_stages_follow_spark_on_row_and_batch(stage, vector, expected):
    row, batch = _row_and_batch(stage, vector)
    assert repr(row) == repr(batch) == repr(expected)


def test_binarizer_on_numbers_turns_null_and_nan_into_zero():
    stage = Binarizer(["gain"], ["flag"], [0.0])
    values = [None, math.nan, 0.0, 2, -1.0]
    rows = [{"gain": v} for v in values]
    assert [stage.apply_row(r) or r["flag"] for r in rows] == [0.0, 0.0, 0.0, 1.0, 0.0]


def test_vector_indexer_skip_error_and_a_map_without_zero():
    maps = {1: {0.0: 0, 5.0: 1}}
    skip = VectorIndexerModel("f", "o", 2, maps, "skip")
    assert skip.apply_row({"f": (2, {1: 9.0})}) == (
        "VectorIndexerModel: unseen 9.0 in feature 1 (handleInvalid='skip')"
    )
    with pytest.raises(InvalidValue, match=r"value 9.0 of feature 1 was not seen in training"):
        VectorIndexerModel("f", "o", 2, maps, "error").apply_row({"f": (2, {1: 9.0})})
    spec = {**skip.to_spec(), "categoryMaps": [[1, [[5.0, 0], [7.0, 1]]]]}
    with pytest.raises(InvalidDocument, match=r"0.0 among the categories.*dense or sparse"):
        VectorIndexerModel.from_spec(spec, "stages[0]")
