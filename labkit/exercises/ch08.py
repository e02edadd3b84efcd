"""Exercises of chapter 08: your own data."""

from __future__ import annotations

import csv
from typing import Any

from labkit.data import TITANIC_FILE
from labkit.exercises._core import Exercise, Incorrect, check_type

#: What ``labkit init`` leaves out of the Titanic model, and why (chapter 08's config).
IGNORED = {"name": "an identifier", "age": "a number with missing values"}


def missing_ages_in_week_one() -> int:
    """Rows of week one (every other row of titanic.csv, from the first) with no age."""
    with open(TITANIC_FILE.path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return sum(1 for row in rows[0::2] if not row["age"].strip())


class IgnoredColumns(Exercise):
    prompt = (
        "Read the config `labkit init` wrote (`config_path`) with `tomllib` and set `ignored` "
        "to the list of columns it leaves out of the model."
    )
    hints = (
        "`tomllib.loads(config_path.read_text())` gives a dict of tables.",
        "The list is under the 'spec' table, key 'ignore'.",
    )
    answer_code = 'ignored = tomllib.loads(config_path.read_text())["spec"]["ignore"]'

    def _check(self, answer: Any) -> str:
        check_type(answer, list, "ignored")
        if "survived" in answer:
            raise Incorrect("survived is the label: it is predicted, not ignored.")
        if sorted(answer) != sorted(IGNORED):
            raise Incorrect(
                f"`ignored` is {answer}; read it from the file rather than from memory: the "
                "[spec] table's ignore list."
            )
        return (
            "name is an identifier (every value differs) and age has missing values, which "
            "Spark's VectorAssembler refuses. Filling age (Imputer) is a decision for you."
        )


class MissingAges(Exercise):
    prompt = (
        "With Spark, count the rows of the week-one DataFrame read by hand (`by_hand`) whose "
        "age is missing. Set `missing_ages` to that number."
    )
    hints = (
        "An empty value is read as null: filter on `F.col('age').isNull()`.",
        "`by_hand.filter(F.col('age').isNull()).count()`.",
    )
    answer_code = 'missing_ages = by_hand.filter(F.col("age").isNull()).count()'

    def _check(self, answer: Any) -> str:
        check_type(answer, int, "missing_ages")
        expected = missing_ages_in_week_one()
        if answer == 0:
            raise Incorrect(
                "0: did you compare with the string 'null' or with NaN? A missing value is "
                "null in Spark: use isNull()."
            )
        if answer != expected:
            raise Incorrect(
                f"{answer} is not the count for week one; did you count the whole file, or "
                "the rows that *have* an age?"
            )
        return f"{expected} of week one's rows have no age: too many to drop, so fill or leave out."


class SpacedFileFix(Exercise):
    prompt = (
        "`spaced` is week one written with a space after every comma. Read it with "
        "`read_csv(spark, spaced, schema, header=True, max_bad_fraction=1.0)` and set `fix` "
        "to the fix labkit names for the most common reason."
    )
    hints = (
        "The stats have `rejected` (reason -> count) and `fixes` (reason -> fix).",
        "`stats.fixes[next(iter(stats.rejected))]`: the reasons are sorted, most common first.",
    )
    answer_code = (
        "_, stats = read_csv(spark, spaced, schema, header=True, max_bad_fraction=1.0)\n"
        "fix = stats.fixes[next(iter(stats.rejected))]"
    )

    def _check(self, answer: Any) -> str:
        check_type(answer, str, "fix")
        if "ignore_leading_whitespace" not in answer:
            raise Incorrect(
                "That fix does not name the option for leading spaces: take it from "
                "`stats.fixes` for the first reason in `stats.rejected`."
            )
        return (
            "Spark's int parser refused ' 1' in survived, while ' 29.0' was fine (Java trims "
            "doubles, not ints). ignore_leading_whitespace=True fixes both."
        )


q1 = IgnoredColumns()
q2 = MissingAges()
q3 = SpacedFileFix()
