"""The exercise framework (both shapes), the learner copies, and chapters 00–01's checkers."""

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
    q = ch01.q3
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
    assert capsys.readouterr().out.strip().startswith("def should_stop(rejected, read")


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


def test_ch00_spark_major(spark):
    assert ch00.q1.evaluate(int(spark.version.split(".")[0])).correct
    text = ch00.q1.evaluate(spark.version)
    assert text.status == "incorrect" and "as a number" in text.message
    assert ch00.q1.evaluate(3).status == "incorrect"
    assert ch00.q1.evaluate(4.3).status == "incorrect"


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


def test_ch01_schema_ddl(spark):
    right = "visit_id INT, day DATE, pages INT, seconds DOUBLE, country STRING, bought BOOLEAN"
    assert ch01.q1.evaluate(right).correct
    assert ch01.q1.evaluate(right.lower()).correct  # SQL types are not case-sensitive
    all_strings = ch01.q1.evaluate(", ".join(f"{n} STRING" for n, _ in ch01.VISITS_TYPES))
    assert "what Spark does without a schema" in all_strings.message
    as_int = ch01.q1.evaluate(right.replace("seconds DOUBLE", "seconds INT"))
    assert "has decimals" in as_int.message
    renamed = ch01.q1.evaluate(right.replace("visit_id", "id"))
    assert "the file's header says" in renamed.message
    assert "cannot parse" in ch01.q1.evaluate("visit_id INT day DATE").message


def test_ch01_schema_ddl_reads_the_file_without_rejects(spark, tmp_path):
    path = ch01.write_visits(tmp_path / "visits.csv")
    ddl = ch01.q1.answer_code.split("=", 1)[1].strip().strip('"')
    frame = spark.read.csv(path, header=True, schema=ddl, mode="FAILFAST")
    assert frame.count() == 3 and dict(frame.dtypes)["day"] == "date"


def test_ch01_rejected_by_reason(spark, tmp_path):
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    path = ch01.write_mangled_test(tmp_path / "mangled.csv")
    schema = T.StructType(
        data.adult_schema().fields + [T.StructField("_corrupt_record", T.StringType())]
    )
    options = {"ignoreLeadingWhiteSpace": True, "nullValue": "?", "comment": "|"}
    rows = spark.read.csv(path, schema=schema, mode="PERMISSIVE", **options).cache()
    fields = F.size(F.split("_corrupt_record", ","))
    reason = F.when(fields != 15, "fields").otherwise("value")
    bad = rows.filter(F.col("_corrupt_record").isNotNull()).groupBy(reason.alias("r")).count()
    answer = {row["r"]: row["count"] for row in bad.collect()}
    rows.unpersist()
    assert ch01.q2.evaluate(answer).correct
    assert "one count for everything" in ch01.q2.evaluate({"all": sum(answer.values())}).message
    junk_counted = {"fields": answer["fields"] + 1, "value": answer["value"]}
    assert "comment='|'" in ch01.q2.evaluate(junk_counted).message
    assert "Only one reason" in ch01.q2.evaluate({"value": answer["value"]}).message


def test_ch01_should_stop():
    def right(rejected, read, max_bad_fraction=0.10):
        return read == 0 or rejected / read > max_bad_fraction

    assert ch01.q3.evaluate(right).correct
    for wrong, message in ch01.q3.mistakes:
        assert ch01.q3.evaluate(wrong).message == message
    crashes = ch01.q3.evaluate(lambda rejected, read, limit=0.1: rejected / read > limit)
    assert "raised ZeroDivisionError" in crashes.message
    assert "should be a function" in ch01.q3.evaluate(0.1).message


# The declarative shapes ------------------------------------------------------


def test_equality_check_compares_with_tolerance_and_names_the_mistake():
    class Mean(_core.EqualityCheck):
        name = "mean"
        mistakes = ((lambda self: 2.0, "That is the median."),)

        def solve(self):
            return [1.0, 3.0]

    q = Mean()
    assert q.evaluate([1.0, 3.0000000001]).correct
    assert q.evaluate(2.0).message == "That is the median."
    assert "not it yet" in q.evaluate([1.0, 3.1]).message
    assert "3.0" not in q.evaluate([1.0, 3.1]).message.split("is [1.0, 3.1]")[1]


def test_exercise_subclasses_with_their_own_check_still_work():
    assert ch00.q3.evaluate(...).status == "not attempted"
    assert ch00.q3.evaluate(data.ADULT_FILES["test"].sha256).correct
