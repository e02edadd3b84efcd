"""Chapter 05's checkers accept right answers and teach on typical wrong ones."""

from __future__ import annotations

import math

from _export_specs import scorer_of, tree_specs

from labkit.exercises import ch05 as ex


def _solution(exercise, name):
    scope = {"math": math}
    exec(exercise.answer_code, scope)
    return scope[name]


def test_margin_accepts_the_dot_product_plus_intercept():
    assert ex.q1.evaluate(_solution(ex.q1, "margin")).correct
    assert ex.q1.evaluate(...).status == "not attempted"


def test_margin_explains_the_usual_mistakes():
    def no_intercept(w, b, x):
        return sum(v * w[i] for i, v in x.items())

    def dense(w, b, x):
        return sum(w[i] * x[i] for i in range(len(w))) + b

    def probability(w, b, x):
        return 1 / (1 + math.exp(-(sum(v * w[i] for i, v in x.items()) + b)))

    assert "add the intercept" in ex.q1.evaluate(no_intercept).message
    assert "raised KeyError" in ex.q1.evaluate(dense).message
    assert "looks like a probability" in ex.q1.evaluate(probability).message
    assert "should be a function" in ex.q1.evaluate(1.5).message
    assert "returned None: replace the `...`" in ex.q1.evaluate(lambda w, b, x: None).message


def test_probability_accepts_sparks_sigmoid_and_catches_overflow_and_the_wrong_class():
    assert ex.q2.evaluate(_solution(ex.q2, "probability_of_yes")).correct
    naive = ex.q2.evaluate(lambda m: 1 / (1 + math.exp(-m)))
    assert not naive.correct and "overflowed" in naive.message
    flipped = ex.q2.evaluate(lambda m: 1 / (1 + math.exp(min(m, 700))))
    assert "probability of class 0" in flipped.message


def test_rows_skipped_counts_the_rows_with_a_missing_category():
    specs = tree_specs(handle="skip")
    assert scorer_of(specs).stages[0].handle_invalid == "skip"
    expected = ex.count_rows_with_missing_category("test")
    assert 1000 < expected < 16_281  # '?' sits in three columns of some rows only
    assert ex.q3.evaluate(expected).correct
    assert "training file" in ex.q3.evaluate(ex.count_rows_with_missing_category("train")).message
    assert "handleInvalid='skip'" in ex.q3.evaluate(0).message
    assert "should be a int" in ex.q3.evaluate("1221").message
