"""Exercises of chapter 01: loading CSVs."""

from __future__ import annotations

from typing import Any

from labkit import data
from labkit.exercises._core import Exercise, Incorrect, check_equal, check_type

PARSE_MODES = ("PERMISSIVE", "DROPMALFORMED", "FAILFAST")


class TestRows(Exercise):
    prompt = "Load the test split with labkit and set `rows_in_test` to its number of rows."
    hints = (
        "`load_adult(spark, 'test')` returns a DataFrame.",
        "`.count()` is the action that counts its rows.",
    )
    answer_code = 'rows_in_test = load_adult(spark, "test").count()'

    def _check(self, answer: Any) -> str:
        check_type(answer, int, "rows_in_test")
        expected = data.ADULT_FILES["test"].rows
        if answer == expected + 1:
            raise Incorrect(
                f"{answer:,} is one too many: the junk first line '|1x3 Cross validator' was "
                "counted as a row. Read with comment='|' (load_adult does)."
            )
        if answer == data.ADULT_FILES["train"].rows:
            raise Incorrect(f"{answer:,} rows is the training file; load the 'test' split.")
        check_equal(answer, expected, "rows_in_test")
        return "16,281 people, kept aside to test models on."


class MissingOccupation(Exercise):
    prompt = (
        "In the training split, how many rows have no occupation (null)? "
        "Set `missing_occupation` to that count."
    )
    hints = (
        "Filter with `train['occupation'].isNull()`, then count.",
        "In the raw file a missing value is written '?': labkit reads it as null.",
    )
    answer_code = 'missing_occupation = train.filter(train["occupation"].isNull()).count()'

    def _check(self, answer: Any) -> str:
        check_type(answer, int, "missing_occupation")
        if answer == 0:
            raise Incorrect(
                "0 means the '?' markers were read as text. Read with nullValue='?' "
                "(labkit's load_adult does) so that missing values become null."
            )
        if answer == 1836:
            raise Incorrect(
                "1,836 is the number of missing *workclass* values; filter on occupation."
            )
        check_equal(answer, 1843, "missing_occupation")
        return "1,843 people (5.7%) have no occupation recorded: a model must cope with that."


class SilentMode(Exercise):
    prompt = (
        "Which of Spark's CSV parse modes throws bad lines away without telling you? "
        "Set `silent_mode` to its name."
    )
    hints = (
        f"The three modes are {', '.join(PARSE_MODES)}.",
        "One keeps bad lines (with nulls), one stops at the first, one drops them.",
    )
    answer_code = 'silent_mode = "DROPMALFORMED"'

    def _check(self, answer: Any) -> str:
        check_type(answer, str, "silent_mode")
        mode = answer.strip().upper()
        if mode not in PARSE_MODES:
            choices = ", ".join(PARSE_MODES)
            raise Incorrect(f"{answer!r} is not a parse mode; choose one of {choices}.")
        if mode == "FAILFAST":
            raise Incorrect("FAILFAST is the loud one: it stops the job at the first bad line.")
        if mode == "PERMISSIVE":
            raise Incorrect(
                "PERMISSIVE keeps every line: bad fields become null, and the whole line can be "
                "kept in a corrupt-record column. Nothing is dropped."
            )
        return "DROPMALFORMED. That is why labkit.read_csv counts what it rejects, by reason."


q1 = TestRows()
q2 = MissingOccupation()
q3 = SilentMode()
