"""Exercises of chapter 05: predicting outside Spark.

Exercises 1 and 2 are declared (:class:`~labkit.exercises._core.FunctionCheck`):
the learner's function runs on crafted cases, its typical mistakes are functions.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable
from typing import Any

from labkit.exercises._core import Exercise, FunctionCheck, Incorrect, check_equal, check_type

#: Crafted inputs for the margin checker: (coefficients, intercept, sparse features).
MARGIN_CASES: tuple[tuple[list[float], float, dict[int, float]], ...] = (
    ([0.5, -1.0, 2.0, 0.25], -1.5, {0: 4.0, 2: 1.0}),
    ([0.5, -1.0, 2.0, 0.25], 0.75, {1: 3.0, 3: 8.0}),
    ([1.0, 1.0, 1.0, 1.0], 2.0, {}),
)
PROBABILITY_MARGINS: tuple[float, ...] = (0.0, 2.0, -3.0, 800.0, -800.0)


def _margin(coefficients: list[float], intercept: float, features: dict[int, float]) -> float:
    total = 0.0
    for index, value in features.items():
        total += value * coefficients[index]
    return total + intercept


def _sigmoid(margin: float) -> float:
    try:
        return 1.0 / (1.0 + math.exp(-margin))
    except OverflowError:
        return 0.0


def _call(fn: Callable[..., Any], name: str, *args: Any) -> Any:
    try:
        result = fn(*args)
    except Exception as error:  # the learner's code may raise anything
        raise Incorrect(f"`{name}{args!r}` raised {type(error).__name__}: {error}.") from None
    if result is None:
        raise Incorrect(f"`{name}` returned None: replace the `...` in its body with your code "
                        "and `return` the result.")  # fmt: skip
    return result


def _dot_product(coefficients: list[float], intercept: float, features: dict[int, float]) -> float:
    return _margin(coefficients, intercept, features) - intercept


class MarginByHand(FunctionCheck):
    prompt = (
        "Write `margin(coefficients, intercept, features)`: logistic regression's raw score, where "
        "`features` is a sparse vector as a dict {index: value} of its non-zero entries."
    )
    hints = (
        "Spark's LogisticRegressionModel computes `BLAS.dot(features, coefficients) + intercept`.",
        "Loop over `features.items()`: add `value * coefficients[index]`, then add the intercept.",
    )
    answer_code = (
        "def margin(coefficients, intercept, features):\n"
        "    total = 0.0\n"
        "    for index, value in features.items():\n"
        "        total += value * coefficients[index]\n"
        "    return total + intercept"
    )
    name = "margin"
    mistakes = (
        (_dot_product, "That is the dot product alone: add the intercept."),
        (
            lambda *args: _sigmoid(_margin(*args)),
            "That looks like a probability: return the raw margin, before the sigmoid.",
        ),
    )
    right_note = "a dot product plus an intercept: that is all a fitted logistic regression is."

    def cases(self) -> tuple[tuple[list[float], float, dict[int, float]], ...]:
        return MARGIN_CASES

    def reference(self, *args: Any) -> float:
        return _margin(*args)


def _overflows(margin: float) -> float:
    return 1.0 / (1.0 + math.exp(-margin))


class ProbabilityOfYes(FunctionCheck):
    prompt = (
        "Write `probability_of_yes(margin)`: the probability of class 1 (here '>50K') from the "
        "margin, as Spark computes it, for any margin (even -800)."
    )
    hints = (
        "Spark applies the sigmoid 1 / (1 + exp(-m)) to the raw score [-m, m], entry by entry.",
        "math.exp(800) overflows in Python but is infinity in Java, and 1 / (1 + inf) is 0.0: "
        "catch OverflowError (or test the sign of the margin first).",
    )
    answer_code = (
        "def probability_of_yes(margin):\n"
        "    try:\n"
        "        return 1.0 / (1.0 + math.exp(-margin))\n"
        "    except OverflowError:\n"
        "        return 0.0"
    )
    name = "probability_of_yes"
    mistakes = (
        (
            _overflows,
            "probability_of_yes(-800) overflowed: math.exp(800) is too large for Python, while "
            "Java's Math.exp returns infinity. Catch OverflowError.",
        ),
        (
            lambda margin: 1.0 - _sigmoid(margin),
            "That is the probability of class 0: use exp(-margin).",
        ),
    )
    right_note = "the sigmoid, exactly as Spark applies it (and safe for huge margins)."
    rel_tol = 1e-12

    def cases(self) -> list[tuple[float]]:
        return [(margin,) for margin in PROBABILITY_MARGINS]

    def reference(self, margin: float) -> float:
        return _sigmoid(margin)


#: Exercise 3's model and rows: a margin written as SQL must give these numbers in SQLite.
SQL_INTERCEPT = -1.25
SQL_NUMERIC: dict[str, float] = {"age": 0.03, "hours-per-week": 0.02}
SQL_CATEGORIES: dict[str, dict[str, float]] = {
    "workclass": {"Private": 0.4, "State-gov": -0.3},
    "native-country": {"United-States": 0.1},
}
SQL_ROWS: tuple[dict[str, Any], ...] = (
    {"age": 39, "hours-per-week": 40, "workclass": "State-gov", "native-country": "United-States"},
    {"age": 50, "hours-per-week": 13, "workclass": "Private", "native-country": "Cuba"},
    {"age": 28, "hours-per-week": 60, "workclass": "Space-force", "native-country": None},
    {"age": 61, "hours-per-week": 35, "workclass": None, "native-country": "United-States"},
)


def _margin_of_row(row: dict[str, Any]) -> float:
    total = SQL_INTERCEPT + sum(w * row[c] for c, w in SQL_NUMERIC.items())
    return total + sum(SQL_CATEGORIES[c].get(row[c], 0.0) for c in SQL_CATEGORIES)


def run_sql_margin(expression: str) -> list[float | None]:
    """Evaluate ``expression`` in SQLite on :data:`SQL_ROWS`, one margin per row, in order.

    Examples
    --------
    >>> run_sql_margin("`age` + 1")
    [40, 51, 29, 62]
    """
    columns = list(SQL_ROWS[0])
    db = sqlite3.connect(":memory:")
    try:
        db.execute("CREATE TABLE people (" + ", ".join(f'"{c}"' for c in columns) + ")")
        db.executemany(
            "INSERT INTO people VALUES (" + ", ".join("?" for _ in columns) + ")",
            [tuple(row[c] for c in columns) for row in SQL_ROWS],
        )
        query = f"SELECT {expression} FROM people ORDER BY rowid"  # noqa: S608 (the learner's own SQL)
        return [value for (value,) in db.execute(query).fetchall()]
    finally:
        db.close()


class MarginAsSql(Exercise):
    prompt = (
        "Write `margin_sql(intercept, numeric, categories)`: a SQL expression (a string) for a "
        "linear model's margin. `numeric` maps column -> weight, `categories` maps column -> "
        "{value: weight}; a value that is not listed, or NULL, adds nothing."
    )
    hints = (
        "A numeric column gives `weight * `column``; a categorical one gives "
        "`CASE `column` WHEN 'value' THEN weight ... ELSE 0 END`; join the terms and the "
        "intercept with ' + '.",
        "Quote column names with backticks (`hours-per-week`, or SQL reads a subtraction), quote "
        "values with single quotes, and end every CASE with ELSE 0.",
    )
    answer_code = (
        "def margin_sql(intercept, numeric, categories):\n"
        "    def text(value):\n"
        '        return "\'" + value.replace("\'", "\'\'") + "\'"\n'
        "    terms = [repr(float(intercept))]\n"
        '    terms += [f"{weight!r} * `{column}`" for column, weight in numeric.items()]\n'
        "    for column, weights in categories.items():\n"
        "        cases = ' '.join(f'WHEN {text(v)} THEN {w!r}' for v, w in weights.items())\n"
        "        terms.append(f'CASE `{column}` {cases} ELSE 0 END')\n"
        "    return ' + '.join(terms)"
    )

    def _check(self, answer: Any) -> str:
        if not callable(answer):
            raise Incorrect(
                "`margin_sql` should be a function taking (intercept, numeric, categories)."
            )
        expression = _call(answer, "margin_sql", SQL_INTERCEPT, SQL_NUMERIC, SQL_CATEGORIES)
        check_type(expression, str, "margin_sql(...)")
        try:
            got = run_sql_margin(expression)
        except sqlite3.Error as error:
            raise Incorrect(_sql_error_advice(expression, str(error))) from None
        for row, value in zip(SQL_ROWS, got, strict=True):
            expected = _margin_of_row(row)
            if value is None:
                raise Incorrect(
                    f"The row {row} got NULL: a value that is not listed (here "
                    f"{row['workclass']!r} or {row['native-country']!r}) must add 0, so end each "
                    "CASE with ELSE 0."
                )
            if isinstance(value, int | float) and math.isclose(value, expected - SQL_INTERCEPT):
                raise Incorrect(f"The row {row} got {value}, the weighted sum without the "
                                "intercept: add it.")  # fmt: skip
            check_type(value, int | float, "the SQL's result")
            check_equal(float(value), expected, f"the margin of {row}")
        return "that string is the whole model: any database can score with it, no Python, no JVM."


def _sql_error_advice(expression: str, error: str) -> str:
    """Turn an SQLite error into what the learner most likely has to change."""
    if "no such column: hours" in error or "no such column: native" in error:
        return (
            f"SQLite says {error!r}: a name like hours-per-week reads as hours minus per minus "
            "week. Quote column names with backticks: `hours-per-week`."
        )
    if "no such column" in error:
        return (
            f"SQLite says {error!r}: a category value without quotes reads as a column name. "
            "Put text values in single quotes: WHEN 'Private' THEN ..."
        )
    return f"SQLite could not run your expression ({error}). It was:\n{expression}"


q1 = MarginByHand()
q2 = ProbabilityOfYes()
q3 = MarginAsSql()
