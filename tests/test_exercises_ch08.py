"""Chapter 08's checkers accept the right answer and teach on the typical wrong ones."""

from __future__ import annotations

from labkit.data import FLIGHTS_FILE
from labkit.exercises import ch08 as ex


def test_leaks():
    assert ex.q1.evaluate(["dep_delay", "arr_delay"]).correct
    assert ex.q1.evaluate(["arr_delay", "dep_delay"]).correct
    assert "label" in ex.q1.evaluate(["arr_delay", "dep_delay", "late"]).message
    assert "identifier" in ex.q1.evaluate(["dep_delay", "arr_delay", "flight"]).message
    assert "wrong reason" in ex.q1.evaluate(["arr_delay"]).message
    assert ex.q1.evaluate(...).status == "not attempted"


def test_missing_labels():
    assert ex.q2.evaluate(65).correct
    assert "isNull" in ex.q2.evaluate(0).message
    assert "both weeks" in ex.q2.evaluate(165).message
    assert "*have*" in ex.q2.evaluate(6_049).message
    assert not ex.q2.evaluate("65").correct


def test_later_days():
    assert ex.q3.evaluate(6_034).correct
    assert "flip" in ex.q3.evaluate(6_114).message
    assert "without a label" in ex.q3.evaluate(5_934).message
    assert "randomSplit" in ex.q3.evaluate(2_430).message


def test_the_chapter_file_is_the_one_documented():
    from labkit.data import sha256_of

    assert sha256_of(FLIGHTS_FILE.path) == ex.FLIGHTS_FILE.sha256
    assert len(ex.flights_rows()) == FLIGHTS_FILE.rows
