"""Exercises of chapter 04: tuning honestly.

Every exercise declares its typical mistakes as data (see
:mod:`labkit.exercises._core`), so the tests try each one.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import pandas as pd

from labkit.exercises._core import (
    DeclaredMistakes,
    EqualityCheck,
    FunctionCheck,
    check_type,
)
from labkit.tuning import simplest_within_one_se


@dataclass(frozen=True)
class _Evaluator:
    larger_is_better: bool
    metric: str

    def isLargerBetter(self) -> bool:  # noqa: N802 (Spark's name)
        return self.larger_is_better

    def getMetricName(self) -> str:  # noqa: N802 (Spark's name)
        return self.metric


@dataclass(frozen=True)
class FinishedSearch:
    """What a fitted ``CrossValidatorModel`` tells about its search, without the models.

    It answers the three calls exercise 1 needs, with the names Spark uses, so
    a function written for a ``CrossValidatorModel`` works on it unchanged.
    """

    avgMetrics: list[float]  # noqa: N815 (Spark's name)
    grid: tuple[tuple[tuple[str, Any], ...], ...]
    metric: str
    larger_is_better: bool

    def getEstimatorParamMaps(self) -> list[dict]:  # noqa: N802 (Spark's name)
        """One dict per candidate, keyed by Spark ``Param`` objects as in a real search."""
        from pyspark.ml.param import Param, Params

        owner = Params._dummy()
        params = {name: Param(owner, name, "") for point in self.grid for name, _ in point}
        return [{params[name]: value for name, value in point} for point in self.grid]

    def getEvaluator(self) -> _Evaluator:  # noqa: N802 (Spark's name)
        return _Evaluator(self.larger_is_better, self.metric)

    def __repr__(self) -> str:
        return f"<a search by {self.metric} over {len(self.grid)} candidates>"


def _search(metric: str, larger: bool, metrics: list[float], grid: list[dict]) -> FinishedSearch:
    points = tuple(tuple(sorted(point.items())) for point in grid)
    return FinishedSearch(metrics, points, metric, larger)


def _searches() -> list[tuple[FinishedSearch]]:
    depths_and_sizes = [
        {"maxDepth": depth, "minInstancesPerNode": size} for depth in (4, 8) for size in (1, 50)
    ]
    return [
        (_search("areaUnderROC", True, [0.861, 0.866, 0.889, 0.884], depths_and_sizes),),
        (_search("areaUnderROC", True, [0.902, 0.871, 0.880, 0.899], depths_and_sizes),),
        (_search("rmse", False, [0.41, 0.37, 0.39], [{"regParam": r} for r in (0.0, 0.1, 1.0)]),),
    ]


def _by_names(params: dict) -> dict[str, Any]:
    return {param.name: value for param, value in params.items()}


def _pick(search: Any, larger: bool) -> dict[str, Any]:
    metrics = list(search.avgMetrics)
    index = metrics.index(max(metrics) if larger else min(metrics))
    return _by_names(search.getEstimatorParamMaps()[index])


class BestParams(FunctionCheck):
    prompt = (
        "Write `best_params(search)`: the parameters of the best candidate of a fitted "
        "CrossValidatorModel as a dict {name: value}, using only `search.avgMetrics`, "
        "`search.getEstimatorParamMaps()` and `search.getEvaluator().isLargerBetter()`."
    )
    hints = (
        "avgMetrics[i] is the mean score of getEstimatorParamMaps()[i]. Find the best index; "
        "whether best means largest or smallest, the evaluator knows.",
        "Each param map is {Param: value}; a Param's name is `param.name`.",
    )
    answer_code = (
        "def best_params(search):\n"
        "    metrics = search.avgMetrics\n"
        "    pick = max if search.getEvaluator().isLargerBetter() else min\n"
        "    best = metrics.index(pick(metrics))\n"
        "    return {param.name: value\n"
        "            for param, value in search.getEstimatorParamMaps()[best].items()}"
    )
    name = "best_params"
    mistakes = (
        (
            lambda search: _pick(search, True),
            "It takes the largest metric even for RMSE, where smaller is better. Ask the "
            "evaluator: `search.getEvaluator().isLargerBetter()`.",
        ),
        (
            lambda search: _pick(search, False),
            "It takes the smallest metric, the worst AUC. Ask the evaluator which way is "
            "better: `search.getEvaluator().isLargerBetter()`.",
        ),
        (
            lambda search: _by_names(search.getEstimatorParamMaps()[-1]),
            "It returns the last candidate. Spark keeps the grid's order, not a ranking: "
            "find the best of `avgMetrics` and take the param map at that index.",
        ),
        (
            lambda search: dict(search.getEstimatorParamMaps()[0]),
            "It returns Spark's Param objects (and the first candidate). Find the best index "
            "of `avgMetrics`, then use each Param's `.name` as the key.",
        ),
    )

    def cases(self) -> list[tuple[FinishedSearch]]:
        return _searches()

    def reference(self, search: Any) -> dict[str, Any]:
        return _pick(search, search.getEvaluator().isLargerBetter())


def crafted_table() -> pd.DataFrame:
    """The candidate table of exercise 2: seven depths, three folds each."""
    table = pd.DataFrame(
        {
            "maxDepth": [2, 3, 4, 5, 6, 8, 10],
            "mean": [0.800, 0.835, 0.852, 0.858, 0.862, 0.866, 0.864],
            "std": [0.010, 0.012, 0.012, 0.013, 0.012, 0.015, 0.016],
        }
    )
    return table.assign(se=table["std"] / math.sqrt(3))


def _whole_number(answer: Any, name: str) -> int:
    """Accept numpy's integers too (a value picked out of a pandas table is one)."""
    if isinstance(answer, numbers.Integral) and not isinstance(answer, bool):
        return int(answer)
    check_type(answer, int, name)
    return answer


def _one_se_depth(table: pd.DataFrame) -> int:
    return int(table.loc[simplest_within_one_se(table, simpler=["maxDepth"]), "maxDepth"])


class OneStandardError(EqualityCheck):
    prompt = (
        "`ex.q2.table` holds a cross-validation of seven depths (mean, std and se across 3 folds). "
        "Apply the one-standard-error rule by hand: set `chosen_depth` to the maxDepth you pick."
    )
    hints = (
        "Find the best mean, then subtract that row's `se` (not its `std`): that is the bar.",
        "Among the depths whose mean reaches the bar, take the smallest.",
    )
    answer_code = (
        "best = ex.q2.table.loc[ex.q2.table['mean'].idxmax()]\n"
        "bar = best['mean'] - best['se']\n"
        "chosen_depth = int(ex.q2.table.loc[ex.q2.table['mean'] >= bar, 'maxDepth'].min())"
    )
    name = "chosen_depth"
    mistakes = (
        (
            lambda self: int(self.table.loc[self.table["mean"].idxmax(), "maxDepth"]),
            "That depth has the best mean, but others are within one standard error of it: "
            "the difference is noise. Take the simplest of those.",
        ),
        (
            lambda self: _one_se_depth(self.table.assign(se=self.table["std"])),
            "That depth is within one standard *deviation* of the best. The rule uses the "
            "standard error (std / √folds), a narrower bar.",
        ),
    )
    right_note = (
        "depth {expected}: as good as the best within the noise of three folds, and a smaller "
        "tree to run and to read."
    )

    def __init__(self) -> None:
        super().__init__()
        self.table = crafted_table()

    def solve(self) -> int:
        return _one_se_depth(self.table)

    def prepare(self, answer: Any) -> int:
        return _whole_number(answer, self.name)

    def explain(self, answer: int, expected: int) -> str | None:
        table = self.table
        if answer not in set(table["maxDepth"]):
            return f"The table has no depth {answer}; choose one of {list(table['maxDepth'])}."
        best = table.loc[table["mean"].idxmax()]
        bar = best["mean"] - best["se"]
        mean = table.loc[table["maxDepth"] == answer, "mean"].iloc[0]
        if mean < bar:
            return (
                f"Depth {answer} scores {mean:.3f}, below the bar of {bar:.4f} "
                "(best mean minus its se): it is really worse."
            )
        return f"Depth {answer} reaches the bar, but a smaller depth does too."


def _reads(evaluator: Any, getter: str, value: str) -> bool:
    return getattr(evaluator, getter)() == value


class HonestEvaluator(DeclaredMistakes):
    prompt = (
        "Create a `BinaryClassificationEvaluator` that scores a decision tree's area under the ROC "
        "curve correctly, reading the label from `label`. Set `honest_evaluator`."
    )
    hints = (
        "Spark's default reads `rawPrediction`; for a tree that holds the leaf's class counts.",
        "Pass `rawPredictionCol='probability'`.",
    )
    answer_code = (
        "honest_evaluator = BinaryClassificationEvaluator(\n"
        '    labelCol="label", rawPredictionCol="probability", metricName="areaUnderROC"\n'
        ")"
    )
    mistakes = (
        (
            lambda a: type(a).__name__ != "BinaryClassificationEvaluator",
            "`honest_evaluator` should be a BinaryClassificationEvaluator(...), the object "
            "CrossValidator calls on every fold.",
        ),
        (
            lambda a: not _reads(a, "getMetricName", "areaUnderROC"),
            "It computes another metric; set metricName='areaUnderROC'.",
        ),
        (
            lambda a: not _reads(a, "getLabelCol", "label"),
            "It reads the label from another column; use labelCol='label'.",
        ),
        (
            lambda a: not _reads(a, "getRawPredictionCol", "probability"),
            "It ranks rows by the tree's rawPrediction, which holds the class counts of the "
            "leaf: a big leaf with many people of both kinds outranks a small pure one. Rank by "
            "rawPredictionCol='probability'.",
        ),
    )

    def verdict(self, answer: Any) -> str:
        return "AUC from probability: the ranking the tree really makes."


#: The choices of exercise 4.
TEST_SET_CHOICES = {
    "a": "The test set is too small to tune on; tuning needs the bigger part.",
    "b": "Every choice made because of its score fits that choice to those rows, so the "
    "score stops estimating how the model does on new people.",
    "c": "Spark's CrossValidator refuses rows that came out of randomSplit.",
    "d": "It is fine, as long as the test set is also cross-validated with more folds.",
}


class WhyNotTuneOnTest(EqualityCheck):
    prompt = (
        "Why must the held-out rows play no part in tuning? Set `why` to the letter of the "
        "true statement in `ex.q4.choices`."
    )
    hints = (
        "Picture trying 100 depths and keeping the one with the best test score. Is that "
        "score still a fair guess for next year's people?",
        "The winner of many tries is partly the luckiest on those rows.",
    )
    answer_code = 'why = "b"'
    name, expected_type = "why", str
    choices = TEST_SET_CHOICES
    mistakes = (
        (
            "a",
            "Size is not the problem: a test set of a million rows becomes optimistic too once "
            "you choose by its score.",
        ),
        (
            "c",
            "Spark refuses nothing here, which is why the discipline is yours: it will happily "
            "tune on any rows you give it.",
        ),
        (
            "d",
            "More folds over the test rows make them one more validation set; then no rows are "
            "left that had no say in the choice.",
        ),
    )
    right_note = (
        "the best of many tries is partly the luckiest on those rows, so keep one set of rows "
        "that had no say, and look at it once."
    )

    def solve(self) -> str:
        return "b"

    def prepare(self, answer: Any) -> Any:
        return answer.strip().lower().rstrip(")") if isinstance(answer, str) else answer

    def explain(self, answer: Any, expected: Any) -> str | None:
        return f'Choose one of {sorted(self.choices)}, e.g. why = "a".'


q1 = BestParams()
q2 = OneStandardError()
q3 = HonestEvaluator()
q4 = WhyNotTuneOnTest()
