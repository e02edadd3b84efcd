"""Chapter 08's checkers accept the right answer and teach on the typical wrong ones."""

from __future__ import annotations

from labkit.exercises import ch08 as ex


def test_ignored_columns():
    assert ex.q1.evaluate(["name", "age"]).correct
    assert "label" in ex.q1.evaluate(["name", "survived"]).message
    assert not ex.q1.evaluate(["name"]).correct
    assert ex.q1.evaluate(...).status == "not attempted"


def test_missing_ages():
    expected = ex.missing_ages_in_week_one()
    assert 250 < expected < 310  # about half of the file's 557
    assert ex.q2.evaluate(expected).correct
    assert "isNull" in ex.q2.evaluate(0).message
    assert "whole file" in ex.q2.evaluate(557).message


def test_spaced_file_fix():
    fix = "read with ignore_leading_whitespace=True (Spark: ignoreLeadingWhiteSpace): ..."
    assert ex.q3.evaluate(fix).correct
    assert not ex.q3.evaluate("read it with sep=';'.").correct
    assert not ex.q3.evaluate(3).correct
