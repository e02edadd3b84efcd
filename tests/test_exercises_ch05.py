"""Chapter 05's checkers accept right answers and teach on typical wrong ones."""

from __future__ import annotations

import math

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


def test_margin_sql_runs_in_sqlite_and_matches_the_model():
    assert ex.q3.evaluate(_solution(ex.q3, "margin_sql")).correct
    assert ex.q3.evaluate(...).status == "not attempted"


def _sql_without(*, backticks=True, quotes=True, otherwise=True, intercept=True):
    def margin_sql(b, numeric, categories):
        name = (lambda c: f"`{c}`") if backticks else (lambda c: c)
        value = (lambda v: f"'{v}'") if quotes else (lambda v: v)
        terms = [repr(b)] if intercept else []
        terms += [f"{w!r} * {name(c)}" for c, w in numeric.items()]
        for c, weights in categories.items():
            cases = " ".join(f"WHEN {value(v)} THEN {w!r}" for v, w in weights.items())
            terms.append(f"CASE {name(c)} {cases}{' ELSE 0' if otherwise else ''} END")
        return " + ".join(terms)

    return margin_sql


def test_margin_sql_explains_the_usual_mistakes():
    assert (
        "Quote column names with backticks" in ex.q3.evaluate(_sql_without(backticks=False)).message
    )
    assert "single quotes" in ex.q3.evaluate(_sql_without(quotes=False)).message
    assert "ELSE 0" in ex.q3.evaluate(_sql_without(otherwise=False)).message
    assert "add it" in ex.q3.evaluate(_sql_without(intercept=False)).message
    assert "should be a function" in ex.q3.evaluate("1 + 2").message
    assert "should be a str" in ex.q3.evaluate(lambda b, n, c: 1.0).message
