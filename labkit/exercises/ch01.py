"""Exercises of chapter 01: loading CSVs.

The exercises practise what the chapter does by hand: write a schema, count
the rejected rows by reason with Spark, and apply the stop rule. The damaged
test file of exercise 2 is made by :func:`write_mangled_test`, so the checker
knows exactly what is wrong with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from labkit import data
from labkit.exercises._core import EqualityCheck, FunctionCheck

#: Exercise 1: the small file with a header, and the types its columns should get.
VISITS_CSV = (
    "visit_id,day,pages,seconds,country,bought\n"
    "1,2024-03-01,5,312.5,NL,true\n"
    "2,2024-03-01,1,8.0,BE,false\n"
    "3,2024-03-02,12,1203.25,NL,true\n"
)
VISITS_TYPES = (
    ("visit_id", "int"),
    ("day", "date"),
    ("pages", "int"),
    ("seconds", "double"),
    ("country", "string"),
    ("bought", "boolean"),
)
#: Exercise 2: the two kinds of damage done to the test file (line numbers after the junk line).
AGE_WITH_UNIT, MERGED_FIELDS = (20, 7), (50, 3)


def write_visits(path: str | Path) -> str:
    """Write exercise 1's small CSV file to ``path`` and return the path as a string."""
    Path(path).write_text(VISITS_CSV, encoding="utf-8")
    return str(path)


def _mangle(number: int, line: str) -> str:
    if number % AGE_WITH_UNIT[0] == AGE_WITH_UNIT[1]:
        age, rest = line.split(",", 1)
        return f"{age} years,{rest}"  # a number with a unit
    if number % MERGED_FIELDS[0] == MERGED_FIELDS[1]:
        return line.replace(", ", "; ", 1)  # two values glued by a semicolon
    return line


def _test_lines() -> list[str]:
    lines = data.ADULT_FILES["test"].path.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line and not line.startswith("|")]


def write_mangled_test(path: str | Path) -> str:
    """Write the test file with exercise 2's damage to ``path`` (junk first line kept)."""
    junk = data.ADULT_FILES["test"].path.read_text(encoding="utf-8").splitlines()[0]
    lines = [junk] + [_mangle(n, line) for n, line in enumerate(_test_lines())]
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def _damage_counts() -> tuple[int, int]:
    """(rows with a unit after the age, rows with two values merged), straight from the file."""
    numbers = range(len(_test_lines()))
    words = sum(1 for n in numbers if n % AGE_WITH_UNIT[0] == AGE_WITH_UNIT[1])
    merged = sum(1 for n in numbers if n % MERGED_FIELDS[0] == MERGED_FIELDS[1])
    return words, merged


def _parse_ddl(ddl: str) -> tuple[tuple[str, str], ...] | str:
    """(name, type) per column of a DDL schema string, or the parser's complaint."""
    from pyspark.sql import types as T

    from labkit.session import get_spark

    get_spark()  # the DDL parser lives in the JVM
    try:
        schema = T.StructType.fromDDL(ddl)
    except Exception as error:  # Spark raises its own ParseException
        return f"Spark cannot parse it: {str(error).splitlines()[0]}"
    if not isinstance(schema, T.StructType):
        return f"that is one type ({schema.simpleString()}), not a list of columns"
    return tuple((f.name, f.dataType.simpleString()) for f in schema.fields)


class VisitsSchema(EqualityCheck):
    prompt = (
        "`visits_path` is a small CSV file with a header. Write its schema as a DDL string "
        "(`name TYPE, name TYPE, ...`) so every column gets the type its values have, and set "
        "`visits_ddl` to it."
    )
    hints = (
        "Look at the file first: `print(open(visits_path).read())`. Six columns.",
        "Spark's types: INT, DOUBLE, STRING, DATE (yyyy-MM-dd), BOOLEAN (true/false).",
        "Check it: spark.read.csv(visits_path, header=True, schema=visits_ddl).show()",
    )
    answer_code = (
        'visits_ddl = "visit_id INT, day DATE, pages INT, seconds DOUBLE, '
        'country STRING, bought BOOLEAN"'
    )
    name, expected_type = "visits_ddl", str
    mistakes = (
        (
            ", ".join(f"{n} STRING" for n, _ in VISITS_TYPES),
            "Every column is a STRING: that is what Spark does without a schema. Say which "
            "columns are numbers, which one is a date and which one is true/false.",
        ),
        (
            "visit_id INT, day STRING, pages INT, seconds DOUBLE, country STRING, bought BOOLEAN",
            "`day` holds dates like 2024-03-01: make it a DATE, so you can compare and "
            "group by it as dates.",
        ),
        (
            "visit_id INT, day DATE, pages INT, seconds INT, country STRING, bought BOOLEAN",
            "`seconds` has decimals (312.5): as INT those rows would be rejected. Use DOUBLE.",
        ),
    )
    right_note = "six columns, each with its own type; no extra pass over the file to guess."

    def prepare(self, answer: Any) -> Any:
        return _parse_ddl(answer) if isinstance(answer, str) else answer

    def solve(self) -> Any:
        return VISITS_TYPES

    def explain(self, answer: Any, expected: Any) -> str | None:
        if isinstance(answer, str):
            return f"{answer}. Write it like 'visit_id INT, day DATE, ...'."
        names = [n for n, _ in answer]
        wanted = [n for n, _ in expected]
        if names != wanted:
            return (
                f"The columns are {names}; the file's header says {wanted}, in that order. "
                "With a schema, names and order come from you, not from the header."
            )
        wrong = [f"{n} is {t}" for (n, t), (_, e) in zip(answer, expected, strict=True) if t != e]
        return f"Not every type fits the values: {', '.join(wrong)}. Look at the values again."


class RejectedByReason(EqualityCheck):
    prompt = (
        "`mangled_path` is the Adult test file with two kinds of damage. Read it with Spark in "
        "PERMISSIVE mode with a corrupt-record column, as the chapter does, and count the "
        "rejected rows by reason. Set `rejected_by_reason` to a dict {reason: count}; name the "
        "reasons as you like."
    )
    hints = (
        "The test file starts with a junk line: read with comment='|' as well as "
        "ignoreLeadingWhiteSpace=True and nullValue='?'.",
        "A row is rejected when `_corrupt_record` is not null. Count its fields with "
        "F.size(F.split('_corrupt_record', ',')); 15 fields means a value did not parse.",
        "Build a `reason` column with F.when(...).otherwise(...), then groupBy('reason').count() "
        "and turn the rows into a dict.",
    )
    answer_code = """\
mangled = spark.read.csv(mangled_path, schema=with_corrupt, mode="PERMISSIVE",
                         **adult_options).cache()
fields = F.size(F.split("_corrupt_record", ","))
reason = F.when(fields != 15, F.format_string("wrong field count (%d instead of 15)", fields)) \\
          .otherwise("a value that does not parse")
rejected = mangled.filter(F.col("_corrupt_record").isNotNull()).select(reason.alias("reason"))
counts = rejected.groupBy("reason").count().collect()
rejected_by_reason = {row["reason"]: row["count"] for row in counts}"""
    name, expected_type = "rejected_by_reason", dict
    right_note = (
        "two reasons, {expected[1]:,} and {expected[0]:,} rows. Each has its own fix "
        "(the producer writes a unit; a separator went wrong), so count them apart."
    )
    otherwise = "Count only rows whose _corrupt_record is not null, one group per reason."

    def prepare(self, answer: Any) -> Any:
        return sorted(answer.values()) if isinstance(answer, dict) else answer

    def solve(self) -> list[int]:
        return sorted(_damage_counts())

    mistakes = (
        (
            lambda self: {"rejected": sum(_damage_counts())},
            "That is one count for everything. The two kinds of damage need different fixes: "
            "give each reason its own count.",
        ),
        (
            lambda self: {"words": _damage_counts()[0], "merged": _damage_counts()[1] + 1},
            "One group has a row too many: the junk first line '|1x3 Cross validator' was "
            "counted as a bad row. Read with comment='|' so it is skipped, not rejected.",
        ),
        (
            lambda self: {"bad": _damage_counts()[0]},
            "Only one reason found: a line with two values glued by ';' has 14 fields instead "
            "of 15, and is rejected too. Group by the field count as well.",
        ),
    )


class ShouldStop(FunctionCheck):
    prompt = (
        "Write `should_stop(rejected, read, max_bad_fraction=0.10)`: True when more than "
        "`max_bad_fraction` of the rows read were rejected, or when no row was read at all."
    )
    hints = (
        "The bad fraction is rejected / read. 'More than' is strict: exactly 10% is allowed.",
        "An empty file has nothing to train on: return True before dividing by zero.",
    )
    answer_code = """\
def should_stop(rejected, read, max_bad_fraction=0.10):
    if read == 0:
        return True
    return rejected / read > max_bad_fraction"""
    name = "should_stop"
    right_note = "the rule read_csv applies at 10%, and the weekly gate at 5%."
    mistakes = (
        (
            lambda rejected, read, limit=0.10: read == 0 or rejected / read >= limit,
            "At exactly the limit your function stops; the rule is *more than* the limit.",
        ),
        (
            lambda rejected, read, limit=0.10: read == 0 or rejected / (read - rejected) > limit,
            "You divided by the rows kept; the fraction is of all rows read.",
        ),
        (
            lambda rejected, read, limit=0.10: read == 0 or rejected / read > 0.10,
            "Use the `max_bad_fraction` argument: the weekly retrain calls it with 0.05.",
        ),
    )

    def cases(self) -> Iterable[tuple[Any, ...]]:
        return [(1_693, 32_561), (10_854, 32_561), (10, 100), (11, 100), (95, 1_000),
                (6, 100, 0.05), (5, 100, 0.05), (0, 0)]  # fmt: skip

    def reference(self, rejected: int, read: int, max_bad_fraction: float = 0.10) -> bool:
        return read == 0 or rejected / read > max_bad_fraction


q1 = VisitsSchema()
q2 = RejectedByReason()
q3 = ShouldStop()
