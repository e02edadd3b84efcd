"""Exercises of chapter 00: check your set-up."""

from __future__ import annotations

from typing import Any

from labkit import data
from labkit.exercises._core import Exercise, Incorrect, check_equal, check_type


class SparkMajor(Exercise):
    prompt = "Set `spark_major` to the major version (an int) of the Spark this session runs."
    hints = (
        "`spark.version` is the version as text, such as '4.3.0'.",
        "Split it on '.' and turn the first part into an int.",
    )
    answer_code = 'spark_major = int(spark.version.split(".")[0])'

    def _check(self, answer: Any) -> str:
        from labkit.session import get_spark

        expected = int(get_spark().version.split(".")[0])
        if isinstance(answer, str):
            raise Incorrect(
                f"{answer!r} is text. Give the major version as a number, e.g. 4 for '4.3.0'."
            )
        check_type(answer, int, "spark_major")
        check_equal(answer, expected, "spark_major")
        return (
            f"Spark {answer} runs your jobs, and needs Java 17 or newer wherever it runs: "
            "on this machine in local mode, on the server with Spark Connect."
        )


class ShufflePartitions(Exercise):
    prompt = (
        "Set `partitions` to the number of shuffle partitions this session uses, "
        "read from `spark.conf` (as an int)."
    )
    hints = (
        "The setting is called `spark.sql.shuffle.partitions`.",
        "`spark.conf.get(...)` returns a string: convert it with int().",
    )
    answer_code = 'partitions = int(spark.conf.get("spark.sql.shuffle.partitions"))'

    def _check(self, answer: Any) -> str:
        from labkit.session import get_spark

        expected = int(get_spark().conf.get("spark.sql.shuffle.partitions"))
        if answer == 200 and expected != 200:
            raise Incorrect(
                "200 is Spark's default, made for clusters. Read what *this* session uses "
                "with spark.conf.get('spark.sql.shuffle.partitions')."
            )
        if isinstance(answer, str):
            raise Incorrect(f"{answer!r} is a string: wrap it in int(...).")
        check_equal(answer, expected, "partitions")
        return "a few partitions suit a laptop; 200 tiny tasks would each pay start-up costs."


class TestFileChecksum(Exercise):
    prompt = "Set `test_sha256` to the sha256 (hex string) of data/adult.test, using hashlib."
    hints = (
        "Open the file in binary mode ('rb') and pass its bytes to hashlib.sha256(...).",
        "`.hexdigest()` gives the hex string.",
    )
    answer_code = (
        "import hashlib\n"
        "test_sha256 = hashlib.sha256(data.ADULT_FILES['test'].path.read_bytes()).hexdigest()"
    )

    def _check(self, answer: Any) -> str:
        check_type(answer, str, "test_sha256")
        if answer == data.ADULT_FILES["train"].sha256:
            raise Incorrect(
                "That is the checksum of adult.data, the training file: hash adult.test."
            )
        if len(answer) != 64:
            raise Incorrect(
                f"A sha256 in hex has 64 characters; yours has {len(answer)}. "
                "Did you call .digest() instead of .hexdigest()?"
            )
        check_equal(answer.lower(), data.ADULT_FILES["test"].sha256, "test_sha256")
        return "it matches data/README.md, so your copy is intact."


q1 = SparkMajor()
q2 = ShufflePartitions()
q3 = TestFileChecksum()
