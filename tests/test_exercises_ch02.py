"""Chapter 02's checkers accept right answers and teach on typical wrong ones."""

from __future__ import annotations

import pytest

from labkit.exercises import ch02 as ex
from labkit.pipeline import adult_spec, fit_pipeline


def test_baseline_accepts_the_test_share_of_the_majority(adult_train, adult_test):
    majority = adult_train.groupBy("income").count().orderBy("count", ascending=False).first()[0]
    answer = adult_test.filter(adult_test.income == majority).count() / adult_test.count()
    assert ex.q1.evaluate(answer).correct
    assert ex.q1.evaluate(...).status == "not attempted"


def test_baseline_explains_the_usual_mistakes(adult_train, adult_test):
    train_share = adult_train.filter("income = '<=50K'").count() / adult_train.count()
    minority = adult_test.filter("income = '>50K'").count() / adult_test.count()
    assert "measure it on `test`" in ex.q1.evaluate(train_share).message
    assert "minority" in ex.q1.evaluate(minority).message
    assert "between 0 and 1" in ex.q1.evaluate(76.4).message


@pytest.fixture(scope="module")
def model(adult_train):
    return fit_pipeline(adult_train, adult_spec(), "decision_tree", params={"maxDepth": 2})


def test_scoring_accepts_the_transformed_unlabelled_rows(model, adult_test):
    assert ex.q2.evaluate(model.transform(adult_test.drop("income"))).correct


def test_scoring_explains_the_usual_mistakes(model, adult_test):
    new_people = adult_test.drop("income")
    assert "still has an income column" in ex.q2.evaluate(model.transform(adult_test)).message
    assert "has 5 rows" in ex.q2.evaluate(model.transform(new_people.limit(5))).message
    assert "no `predicted_label`" in ex.q2.evaluate(new_people).message
    assert "should be a Spark DataFrame" in ex.q2.evaluate([1, 2]).message
