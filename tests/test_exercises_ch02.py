"""Chapter 02's checkers accept right answers and teach on typical wrong ones."""

from __future__ import annotations

import pytest
from pyspark.ml import Pipeline
from pyspark.ml.classification import DecisionTreeClassifier
from pyspark.ml.feature import OneHotEncoder, StringIndexer, StringIndexerModel, VectorAssembler

from labkit.exercises import ch02 as ex

RICH = "`education-num` >= 13 AND age BETWEEN 40 AND 60 AND sex = 'Male'"


@pytest.fixture(scope="module")
def rich(adult_train):
    return adult_train.filter(RICH)


def label_indexer(**options):
    return StringIndexer(inputCol="income", outputCol="label", **options)


def test_label_order_accepts_a_fixed_order(rich):
    assert ex.q1.evaluate(label_indexer(stringOrderType="alphabetAsc").fit(rich)).correct
    written_down = StringIndexerModel.from_labels(
        ["<=50K", ">50K"], inputCol="income", outputCol="label"
    )
    assert ex.q1.evaluate(written_down).correct
    assert ex.q1.evaluate(...).status == "not attempted"


def test_label_order_explains_the_usual_mistakes(rich):
    by_frequency = ex.q1.evaluate(label_indexer().fit(rich))
    assert not by_frequency.correct
    assert "'>50K' is 0.0" in by_frequency.message
    assert "frequencyDesc" in by_frequency.message
    lucky = ex.q1.evaluate(label_indexer(stringOrderType="frequencyAsc").fit(rich))
    assert not lucky.correct and "only by luck" in lucky.message
    unfitted = ex.q1.evaluate(label_indexer(stringOrderType="alphabetAsc"))
    assert not unfitted.correct and "call `.fit(rich)`" in unfitted.message
    sex = StringIndexerModel.from_labels(["Male", "Female"], inputCol="sex", outputCol="label")
    assert "read `income`" in ex.q1.evaluate(sex).message


def test_baseline_accepts_the_test_share_of_the_majority(adult_train, adult_test):
    majority = adult_train.groupBy("income").count().orderBy("count", ascending=False).first()[0]
    answer = adult_test.filter(adult_test.income == majority).count() / adult_test.count()
    assert ex.q2.evaluate(answer).correct
    assert ex.q2.evaluate(...).status == "not attempted"


def test_baseline_explains_the_usual_mistakes(adult_train, adult_test):
    train_share = adult_train.filter("income = '<=50K'").count() / adult_train.count()
    minority = adult_test.filter("income = '>50K'").count() / adult_test.count()
    assert "measure it on `test`" in ex.q2.evaluate(train_share).message
    assert "minority" in ex.q2.evaluate(minority).message
    assert "between 0 and 1" in ex.q2.evaluate(76.4).message


@pytest.fixture(scope="module")
def labelled_train(adult_train):
    return label_indexer(stringOrderType="alphabetAsc").fit(adult_train).transform(adult_train)


def small_pipeline(*, handle_invalid="keep", one_hot=False, label_inside=False, depth=4):
    """Exercise 3's pipeline, right by default, with one typical mistake switched on."""
    text, numbers = ["sex", "occupation"], ["age", "hours-per-week"]
    indexed = [c + "_index" for c in text]
    stages = [StringIndexer(inputCols=text, outputCols=indexed, handleInvalid=handle_invalid)]
    if one_hot:
        stages.append(OneHotEncoder(inputCols=indexed, outputCols=[c + "_hot" for c in text]))
        indexed = [c + "_hot" for c in text]
    stages += [
        VectorAssembler(inputCols=numbers + indexed, outputCol="features"),
        DecisionTreeClassifier(featuresCol="features", labelCol="label", maxDepth=depth),
    ]
    if label_inside:
        stages.insert(0, StringIndexer(inputCol="income", outputCol="label_again"))
    return Pipeline(stages=stages)


def test_pipeline_accepts_a_hand_written_pipeline(labelled_train):
    outcome = ex.q3.evaluate(small_pipeline().fit(labelled_train))
    assert outcome.correct, outcome.message
    assert "no income column" in outcome.message
    assert ex.q3.evaluate(...).status == "not attempted"


def test_pipeline_explains_the_usual_mistakes(labelled_train):
    unfitted = ex.q3.evaluate(small_pipeline())
    assert not unfitted.correct and "call `.fit(labelled_train)`" in unfitted.message
    inside = ex.q3.evaluate(small_pipeline(label_inside=True).fit(labelled_train))
    assert not inside.correct and "A stage reads `income`" in inside.message
    # With "error" the fit itself fails on adult's missing occupations; a learner who then
    # drops those rows still has a pipeline that stops on next month's first new value.
    complete = labelled_train.dropna(subset=["occupation"])
    strict = ex.q3.evaluate(small_pipeline(handle_invalid="error").fit(complete))
    assert not strict.correct and "handleInvalid='error'" in strict.message
    skipping = ex.q3.evaluate(small_pipeline(handle_invalid="skip").fit(labelled_train))
    assert not skipping.correct and "no prediction at all" in skipping.message
    encoded = ex.q3.evaluate(small_pipeline(one_hot=True).fit(labelled_train))
    assert not encoded.correct and "sees 18 features" in encoded.message
    assert "should be a fitted PipelineModel" in ex.q3.evaluate(labelled_train).message


def test_baseline_declares_its_wrong_shares():
    test_rows, train_rows = sum(ex.TEST_COUNTS.values()), sum(ex.TRAIN_COUNTS.values())
    assert ex.q2.evaluate(ex.TEST_COUNTS["<=50K"] / test_rows).correct
    assert "measure it on `test`" in ex.q2.evaluate(ex.TRAIN_COUNTS["<=50K"] / train_rows).message
    assert "minority" in ex.q2.evaluate(ex.TEST_COUNTS[">50K"] / test_rows).message
    assert "between 0 and 1" in ex.q2.evaluate(76.4).message
    assert "count the test rows" in ex.q2.evaluate(0.5).message
    assert "should be a int or float" in ex.q2.evaluate("0.76").message


def test_declared_mistakes_come_in_order():
    class Positive(ex.DeclaredMistakes):
        mistakes = ((lambda n: n == 0, "zero"), (lambda n: n <= 0, "negative"))

        def verdict(self, answer):
            return "positive"

    assert [Positive().evaluate(n).message for n in (0, -1, 1)] == ["zero", "negative", "positive"]
