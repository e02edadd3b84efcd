"""The exercise framework, the learner copies, and chapters 00–01's checkers."""

from __future__ import annotations

import doctest
import hashlib
import json

import pytest

from labkit import data
from labkit.exercises import _core, ch00, ch01, learner


def test_core_examples():
    assert doctest.testmod(_core).failed == 0


def test_hints_get_more_explicit_then_stay_on_the_last(capsys):
    q = ch01.q2
    q._hints_shown = 0
    q.hint()
    q.hint()
    q.hint()
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"Hint 1 of 2: {q.hints[0]}",
        f"Hint 2 of 2: {q.hints[1]}",
        f"Hint 2 of 2: {q.hints[1]}",
    ]


def test_solution_prints_the_answer_code(capsys):
    ch01.q3.solution()
    assert capsys.readouterr().out.strip() == 'silent_mode = "DROPMALFORMED"'


def test_strip_solutions_rejects_unbalanced_markers():
    with pytest.raises(ValueError, match="without '# END SOLUTION'"):
        learner.strip_solutions("# BEGIN SOLUTION\nx = 1")
    with pytest.raises(ValueError, match="without '# BEGIN SOLUTION'"):
        learner.strip_solutions("x = 1\n# END SOLUTION")


def test_learner_copies_are_in_sync_with_the_chapters():
    assert learner.sync(check=True) == [], "run `python -m labkit.exercises.learner`"


def test_learner_copies_hold_no_solution_and_no_output():
    copies = sorted((learner.NOTEBOOKS / "exercises").glob("*.ipynb"))
    assert [p.name for p in copies] == [p.name for p in learner.chapters()]
    for path in copies:
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] == "code":
                assert "BEGIN SOLUTION" not in "".join(cell["source"])
                assert cell["outputs"] == [] and cell["execution_count"] is None


def test_unattempted_is_not_an_error():
    outcome = ch00.q1.evaluate(...)
    assert outcome.status == "not attempted" and not outcome.correct


# Chapter 00 ------------------------------------------------------------------


def test_ch00_java_major():
    assert ch00.q1.evaluate(ch00.check_java().major).correct
    wrong = ch00.q1.evaluate("17.0.15")
    assert wrong.status == "incorrect" and "as a number" in wrong.message


def test_ch00_partitions(spark):
    assert ch00.q2.evaluate(4).correct
    assert "Spark's default" in ch00.q2.evaluate(200).message
    assert "wrap it in int" in ch00.q2.evaluate("4").message


def test_ch00_checksum():
    right = hashlib.sha256(data.ADULT_FILES["test"].path.read_bytes()).hexdigest()
    assert ch00.q3.evaluate(right).correct
    train_hash = data.ADULT_FILES["train"].sha256
    assert "adult.data, the training file" in ch00.q3.evaluate(train_hash).message
    raw = hashlib.sha256(data.ADULT_FILES["test"].path.read_bytes()).digest()
    assert "64 characters" in ch00.q3.evaluate(raw.hex()[:32]).message


# Chapter 01 ------------------------------------------------------------------


def test_ch01_rows_in_test(adult_test):
    assert ch01.q1.evaluate(adult_test.count()).correct
    assert "junk first line" in ch01.q1.evaluate(16_282).message
    assert "training file" in ch01.q1.evaluate(32_561).message


def test_ch01_missing_occupation(adult_train):
    right = adult_train.filter(adult_train["occupation"].isNull()).count()
    assert ch01.q2.evaluate(right).correct
    assert "nullValue='?'" in ch01.q2.evaluate(0).message
    assert "workclass" in ch01.q2.evaluate(1836).message


def test_ch01_silent_mode():
    assert ch01.q3.evaluate("dropmalformed").correct
    assert "loud one" in ch01.q3.evaluate("FAILFAST").message
    assert "not a parse mode" in ch01.q3.evaluate("SILENT").message
