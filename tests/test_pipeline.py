"""labkit.pipeline: column specs, pipelines that score unlabelled rows, names from ml_attr."""

from __future__ import annotations

import pytest
from pyspark.sql import functions as F

from labkit import data
from labkit.errors import BadColumnSpec, MissingColumns, UnknownLabel, UnknownModelKind
from labkit.pipeline import (
    INDEX_SUFFIX,
    MODEL_KINDS,
    ColumnSpec,
    adult_spec,
    build_pipeline,
    check_columns,
    feature_stages,
    fit_pipeline,
    index_label,
    make_model,
    pipeline_features,
    required_max_bins,
)

# Building Spark estimators needs a JVM, even in tests that take no DataFrame.
pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def spec():
    return adult_spec()


@pytest.fixture(scope="module")
def labelled_train(adult_train, spec):
    return index_label(adult_train, spec).cache()


@pytest.fixture(scope="module")
def tree_model(adult_train, spec):
    return fit_pipeline(adult_train, spec, "decision_tree", params={"maxDepth": 4})


@pytest.fixture(scope="module")
def lr_model(adult_train, spec):
    return fit_pipeline(adult_train, spec, "logistic_regression", params={"maxIter": 20})


# --- the spec ---------------------------------------------------------------


def test_adult_spec_covers_every_column_once(spec):
    assert set(spec.inputs) | {spec.label} == set(data.ADULT_COLUMNS)
    assert len(spec.inputs) == len(data.ADULT_COLUMNS) - 1
    assert spec.classes == ("<=50K", ">50K")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"numeric": "age"}, "must be a list of names, got the string 'age'"),
        ({"numeric": ["age", "age"]}, "'age' appears twice"),
        ({"categorical": ["sex", "income"]}, "label 'income' is also an input"),
        ({"classes": [">50K"]}, "at least two distinct"),
        ({"categorical": [], "numeric": []}, "no input columns"),
    ],
)
def test_bad_specs_are_refused_with_the_reason(spec, changes, message):
    raw = spec.to_dict() | changes
    with pytest.raises(BadColumnSpec, match=message):
        ColumnSpec(**raw)


def test_spec_round_trips_through_a_dict_and_names_unknown_keys(spec):
    assert ColumnSpec.from_dict(spec.to_dict()) == spec
    with pytest.raises(BadColumnSpec, match=r"\['lable'\]. Did you mean 'label'\?"):
        ColumnSpec.from_dict({**spec.to_dict(), "lable": "x"})
    with pytest.raises(BadColumnSpec, match=r"lacks \['classes'\]"):
        ColumnSpec.from_dict({"categorical": [], "numeric": ["age"], "label": "income"})


def test_missing_columns_are_named_with_a_suggestion(adult_train, spec):
    renamed = adult_train.withColumnRenamed("education-num", "education_num")
    with pytest.raises(MissingColumns, match=r"\['education-num'\].*Did you mean 'education_num'"):
        check_columns(renamed, spec)
    check_columns(adult_train.drop("income"), spec)  # the label is not an input
    with pytest.raises(MissingColumns, match=r"\['income'\]"):
        check_columns(adult_train.drop("income"), spec, with_label=True)


# --- the label --------------------------------------------------------------


def test_index_label_uses_the_spec_order_not_frequency(adult_train, labelled_train, spec):
    raw = {r["income"]: r["count"] for r in adult_train.groupBy("income").count().collect()}
    indexed = {r["label"]: r["count"] for r in labelled_train.groupBy("label").count().collect()}
    assert indexed == {0.0: raw["<=50K"], 1.0: raw[">50K"]}
    flipped = ColumnSpec(**{**spec.to_dict(), "classes": [">50K", "<=50K"]})
    counts = {
        r["label"]: r["count"]
        for r in index_label(adult_train, flipped).groupBy("label").count().collect()
    }
    assert counts == {0.0: raw[">50K"], 1.0: raw["<=50K"]}


def test_index_label_names_stray_values_and_their_counts(spark, spec):
    raw_test = spark.read.csv(
        str(data.ADULT_FILES["test"].path),
        schema=data.adult_schema(),
        ignoreLeadingWhiteSpace=True,
        nullValue="?",
        comment="|",
    )
    dotted = raw_test.filter(F.col("income") == ">50K.").count()
    with pytest.raises(UnknownLabel, match=rf"'>50K\.': {dotted:,} rows.*trailing '\.'"):
        index_label(raw_test, spec)


def test_index_label_needs_the_label_column(adult_test, spec):
    with pytest.raises(MissingColumns, match="needs the label column 'income'"):
        index_label(adult_test.drop("income"), spec)


# --- building and fitting ---------------------------------------------------


def test_make_model_refuses_unknown_kinds_and_params(spec):
    with pytest.raises(UnknownModelKind, match="Did you mean 'decision_tree'"):
        make_model("decision_trees", spec)
    with pytest.raises(UnknownModelKind, match="no parameter.*'maxdepth'.*Did you mean 'maxDepth'"):
        make_model("decision_tree", spec, maxdepth=3)


@pytest.mark.parametrize("kind", sorted(MODEL_KINDS))
def test_every_model_kind_gets_the_spec_columns_and_a_seed(spec, kind):
    pipeline = build_pipeline(spec, kind)
    stages = pipeline.getStages()
    model = stages[-2]
    assert (model.getFeaturesCol(), model.getLabelCol()) == (spec.features_col, spec.label_col)
    if model.hasParam("seed"):
        assert model.getSeed() == 42
    one_hot = [type(s).__name__ for s in stages].count("OneHotEncoder")
    assert one_hot == (1 if kind == "logistic_regression" else 0)


def test_no_stage_reads_the_label(spec):
    for kind in MODEL_KINDS:
        for stage in build_pipeline(spec, kind).getStages():
            inputs = []
            for param in ("inputCol", "inputCols"):
                if stage.hasParam(param) and stage.isDefined(stage.getParam(param)):
                    value = stage.getOrDefault(param)
                    inputs += [value] if isinstance(value, str) else value
            assert spec.label not in inputs, (kind, type(stage).__name__)


def test_feature_stages_keep_unknown_categories(spec):
    indexer = feature_stages(spec)[0]
    assert indexer.getHandleInvalid() == "keep"
    assert indexer.getOutputCols() == [c + INDEX_SUFFIX for c in spec.categorical]


def test_required_max_bins_counts_the_widest_category(adult_train, spec):
    widest = max(adult_train.select(c).dropna().distinct().count() for c in spec.categorical)
    assert required_max_bins(adult_train, spec) == widest + 1 > 32


def test_default_max_bins_fails_on_native_country(labelled_train, spec):
    pipeline = build_pipeline(spec, "decision_tree", params={"maxDepth": 2}, max_bins=32)
    with pytest.raises(Exception, match=r"maxBins \(= 32\).*has 42 values"):
        pipeline.fit(labelled_train)


def test_fit_pipeline_sizes_max_bins_for_the_data(tree_model, adult_train, spec):
    assert tree_model.stages[-2].getMaxBins() == required_max_bins(adult_train, spec)


def test_fitted_pipeline_scores_rows_without_a_label(tree_model, adult_test, spec):
    with_label = tree_model.transform(adult_test).select("prediction", spec.predicted_col)
    without = tree_model.transform(adult_test.drop(spec.label)).select(
        "prediction", spec.predicted_col
    )
    rows_with, rows_without = with_label.collect(), without.collect()
    assert len(rows_without) == adult_test.count()
    assert rows_with == rows_without
    for row in rows_without[:200]:
        assert row[spec.predicted_col] == spec.classes[int(row["prediction"])]


def test_every_model_kind_beats_the_majority_baseline(adult_train, adult_test, spec):
    test = index_label(adult_test, spec).cache()
    baseline = test.filter("label = 0").count() / test.count()
    small = {
        "decision_tree": {"maxDepth": 4},
        "logistic_regression": {"maxIter": 20},
        "random_forest": {"numTrees": 5, "maxDepth": 4},
        "gbt": {"maxIter": 5, "maxDepth": 3},
    }
    for kind, params in small.items():
        scored = fit_pipeline(adult_train, spec, kind, params=params).transform(test)
        accuracy = scored.filter("prediction = label").count() / test.count()
        assert accuracy > baseline + 0.03, (kind, accuracy, baseline)


# --- feature names ----------------------------------------------------------


def test_tree_features_are_columns_with_their_category_labels(tree_model, adult_test, spec):
    features = pipeline_features(tree_model, adult_test)
    assert [f.name for f in features] == list(spec.numeric) + list(spec.categorical)
    assert [f.index for f in features] == list(range(len(features)))
    indexer = tree_model.stages[0]
    for feature, labels in zip(features[len(spec.numeric) :], indexer.labelsArray, strict=True):
        assert feature.categories == (*labels, "__unknown")
    assert len(features) == tree_model.stages[-2].numFeatures


def test_names_survive_one_hot_expansion(lr_model, adult_test, spec):
    features = pipeline_features(lr_model, adult_test)
    assert len(features) == lr_model.stages[-2].numFeatures
    indexer = lr_model.stages[0]
    expected = list(spec.numeric)
    for column, labels in zip(spec.categorical, indexer.labelsArray, strict=True):
        # dropLast removes the last index, the "keep" bucket for unknown values
        expected += [f"{column} = {label}" for label in labels]
    assert [f.name for f in features] == expected
    married = next(f for f in features if f.name == "marital-status = Married-civ-spouse")
    assert (married.column, married.category) == ("marital-status", "Married-civ-spouse")


def test_feature_names_need_the_assembled_column(adult_test):
    with pytest.raises(MissingColumns, match="no ml_attr metadata"):
        from labkit.pipeline import feature_attributes

        feature_attributes(adult_test.withColumn("features", F.array(F.col("age"))))
