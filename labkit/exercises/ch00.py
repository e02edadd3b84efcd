"""Exercises of chapter 00: check your set-up.

All three exercises are declared (:class:`~labkit.exercises._core.EqualityCheck`).
"""

from __future__ import annotations

from typing import Any

from labkit import data
from labkit.exercises._core import EqualityCheck, Incorrect, check_type


class SparkMajor(EqualityCheck):
    prompt = "Set `spark_major` to the major version (an int) of the Spark this session runs."
    hints = (
        "`spark.version` is the version as text, such as '4.3.0'.",
        "Split it on '.' and turn the first part into an int.",
    )
    answer_code = 'spark_major = int(spark.version.split(".")[0])'
    name = "spark_major"
    right_note = (
        "Spark {expected} runs your jobs, and needs Java 17 or newer wherever it runs: "
        "on this machine in local mode, on the server with Spark Connect."
    )

    def solve(self) -> int:
        from labkit.session import get_spark

        return int(get_spark().version.split(".")[0])

    def prepare(self, answer: Any) -> Any:
        if isinstance(answer, str):
            raise Incorrect(
                f"{answer!r} is text. Give the major version as a number, e.g. 4 for '4.3.0'."
            )
        check_type(answer, int, self.name)
        return answer


class ShufflePartitions(EqualityCheck):
    prompt = (
        "Set `partitions` to the number of shuffle partitions this session uses, "
        "read from `spark.conf` (as an int)."
    )
    hints = (
        "The setting is called `spark.sql.shuffle.partitions`.",
        "`spark.conf.get(...)` returns a string: convert it with int().",
    )
    answer_code = 'partitions = int(spark.conf.get("spark.sql.shuffle.partitions"))'
    name = "partitions"
    mistakes = (
        (
            200,
            "200 is Spark's default, made for clusters. Read what *this* session uses "
            "with spark.conf.get('spark.sql.shuffle.partitions').",
        ),
    )
    right_note = "a few partitions suit a laptop; 200 tiny tasks would each pay start-up costs."

    def solve(self) -> int:
        from labkit.session import get_spark

        return int(get_spark().conf.get("spark.sql.shuffle.partitions"))

    def prepare(self, answer: Any) -> Any:
        if isinstance(answer, str):
            raise Incorrect(f"{answer!r} is a string: wrap it in int(...).")
        return answer

    def explain(self, answer: Any, expected: Any) -> str | None:
        return f"`partitions` is {answer!r}, but it should be {expected!r}."


class TestFileChecksum(EqualityCheck):
    prompt = "Set `test_sha256` to the sha256 (hex string) of data/adult.test, using hashlib."
    hints = (
        "Open the file in binary mode ('rb') and pass its bytes to hashlib.sha256(...).",
        "`.hexdigest()` gives the hex string.",
    )
    answer_code = (
        "import hashlib\n"
        "test_sha256 = hashlib.sha256(data.ADULT_FILES['test'].path.read_bytes()).hexdigest()"
    )
    name, expected_type = "test_sha256", str
    mistakes = (
        (
            data.ADULT_FILES["train"].sha256,
            "That is the checksum of adult.data, the training file: hash adult.test.",
        ),
    )
    right_note = "it matches data/README.md, so your copy is intact."

    def solve(self) -> str:
        return data.ADULT_FILES["test"].sha256

    def prepare(self, answer: str) -> str:
        return answer.lower()

    def explain(self, answer: str, expected: str) -> str | None:
        if len(answer) != len(expected):
            return (
                f"A sha256 in hex has {len(expected)} characters; yours has {len(answer)}. "
                "Did you call .digest() instead of .hexdigest()?"
            )
        return None


q1 = SparkMajor()
q2 = ShufflePartitions()
q3 = TestFileChecksum()
