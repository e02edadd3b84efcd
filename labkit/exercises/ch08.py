"""Exercises of chapter 08: your own data (flights from New York, January 2013)."""

from __future__ import annotations

import csv
from typing import Any

from labkit.data import FLIGHTS_FILE
from labkit.exercises._core import Exercise, Incorrect, check_type

#: The first day of week two: the chapter trains on the days before it and judges on the rest.
WEEK_TWO = "2013-01-14"
#: Columns of flights.csv known only after the flight left: a model of lateness must not see them.
LEAKS = ("dep_delay", "arr_delay")


def flights_rows() -> list[dict[str, str]]:
    """Every row of flights.csv as text, in file order."""
    with open(FLIGHTS_FILE.path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def week_of(row: dict[str, str]) -> int:
    """1 or 2: the week a row's scheduled departure falls in."""
    return 1 if row["scheduled"] < WEEK_TWO else 2


class Leaks(Exercise):
    prompt = (
        "Set `leaks` to the list of columns of flights.csv that are known only after the flight "
        "has left: a model that predicts lateness before departure must never see them."
    )
    hints = (
        "Read the config's [data.columns] table: which numbers are measured in the air?",
        "Two delays: the one at departure and the one at arrival.",
    )
    answer_code = 'leaks = ["dep_delay", "arr_delay"]'

    def _check(self, answer: Any) -> str:
        check_type(answer, list, "leaks")
        chosen = set(answer)
        if "late" in chosen:
            raise Incorrect("late is the label: it is what the model predicts, not an input.")
        wrong = sorted(chosen - set(LEAKS))
        if wrong:
            raise Incorrect(
                f"{wrong} are known when the flight is booked (an identifier or the schedule is "
                "not a leak, even when it is a poor feature). Which columns are measured only "
                "once the plane has moved?"
            )
        if chosen != set(LEAKS):
            missing = sorted(set(LEAKS) - chosen)
            raise Incorrect(
                f"One is missing: {missing[0]} is known only after departure too. `init` left "
                "both out only because they have missing values: the right answer for the "
                "wrong reason."
            )
        return (
            "Both delays are measured after departure; arr_delay is the label itself in "
            "minutes. A model given them scores beautifully in testing and cannot run in "
            "production, where they do not exist yet."
        )


class MissingLabels(Exercise):
    prompt = (
        "With Spark, count the flights of week one (`week_one`, read by hand) whose label "
        "`late` is missing. Set `unlabelled` to that number."
    )
    hints = (
        "The file writes NA for a missing value and we read it with nullValue='NA': it is null.",
        "`week_one.filter(F.col('late').isNull()).count()`.",
    )
    answer_code = 'unlabelled = week_one.filter(F.col("late").isNull()).count()'

    def _check(self, answer: Any) -> str:
        check_type(answer, int, "unlabelled")
        every = flights_rows()
        rows = [r for r in every if week_of(r) == 1]
        expected = sum(r["late"] == "NA" for r in rows)
        both_weeks = sum(r["late"] == "NA" for r in every)
        if answer == 0:
            raise Incorrect(
                "0: did you compare with the string 'NA'? Read with nullValue='NA', a missing "
                "value is null in Spark: use isNull()."
            )
        if answer == both_weeks:
            raise Incorrect(f"{answer} counts both weeks: filter week one first (`week_one`).")
        if answer == len(rows) - expected:
            raise Incorrect(f"{answer} is the number of flights that *have* a label.")
        if answer != expected:
            raise Incorrect(f"{answer} is not the count of week one's flights without a label.")
        return (
            f"{expected} flights of week one never arrived (cancelled or diverted). retrain "
            "leaves them out and says so in its report (check 'unlabelled')."
        )


class LaterDays(Exercise):
    prompt = (
        "Split `flights` (both weeks, read by hand) by date: set `later` to the number of flights "
        f"scheduled on {WEEK_TWO} or after, the held-out days."
    )
    hints = (
        "`F.to_date('scheduled')` turns the timestamp into a date you can compare with a string.",
        f"`flights.filter(F.to_date('scheduled') >= '{WEEK_TWO}').count()`.",
    )
    answer_code = 'later = flights.filter(F.to_date("scheduled") >= WEEK_TWO).count()'

    def _check(self, answer: Any) -> str:
        check_type(answer, int, "later")
        rows = flights_rows()
        expected = sum(week_of(r) == 2 for r in rows)
        if answer == len(rows) - expected:
            raise Incorrect(f"{answer} is week one (the days before {WEEK_TWO}): flip the test.")
        labelled = sum(week_of(r) == 2 and r["late"] != "NA" for r in rows)
        if answer == labelled:
            raise Incorrect(
                f"{answer} leaves out week two's flights without a label: count them all."
            )
        if abs(answer - len(rows) * 0.2) < len(rows) * 0.05:
            raise Incorrect(
                f"{answer} looks like a random fifth: split by date, not with randomSplit."
            )
        if answer != expected:
            raise Incorrect(f"{answer} is not the number of flights from {WEEK_TWO} on.")
        return (
            f"{expected} flights from {WEEK_TWO} on: a model judged on them is judged on days "
            "it has never seen, as it will be in production."
        )


q1 = Leaks()
q2 = MissingLabels()
q3 = LaterDays()
