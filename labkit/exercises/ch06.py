"""Exercises of chapter 06: validating retrains.

Exercise 1 is declared (:class:`~labkit.exercises._core.DeclaredMistakes`).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Any

from labkit.exercises._core import DeclaredMistakes, Exercise, Incorrect
from labkit.sabotage import SABOTAGE_CASES
from labkit.validate.config import GateConfig
from labkit.validate.report import GateReport

#: Exercise 3's target: let the input grow to this multiple of the usual size.
GROWTH_RATIO = 2.5


class DuplicatedBlockedBy(DeclaredMistakes):
    prompt = (
        "Make the 'duplicated' sabotage of adult.data, retrain on it against the chapter's "
        "registry, and set `failed` to the list of checks that blocked it."
    )
    hints = (
        "`make_sabotaged('duplicated', train_path, folder / 'twice.csv')` writes the file.",
        "`retrain(spark, path, registry)` returns a result; its `.report.failed_checks` is a list.",
    )
    answer_code = (
        'twice = make_sabotaged("duplicated", train_path, work / "twice.csv")\n'
        "failed = retrain(spark, twice, registry).report.failed_checks"
    )

    mistakes = (
        (
            lambda a: isinstance(a, GateReport),
            "That is the whole report: take its `.failed_checks` list.",
        ),
        (
            lambda a: not isinstance(a, list),
            "`failed` should be a list: the result's `.report.failed_checks`.",
        ),
        (
            lambda a: not a,
            "No check failed, so the run was promoted: did you retrain on the original "
            "file instead of the duplicated copy?",
        ),
        (
            lambda a: "bad_records" in a,
            "bad_records failed, so lines were rejected: a duplicated file parses fine. "
            "Did you make the 'malformed' case?",
        ),
    )

    def verdict(self, answer: list[str]) -> str:
        expected = [SABOTAGE_CASES["duplicated"].blocked_by]
        if answer != expected:
            raise Incorrect(f"`failed` is {answer}, but the duplicated file should be stopped by "
                            f"{expected} alone. Which case did you make?")  # fmt: skip
        return (
            "input_size: twice the usual rows. The data itself looks normal, only its volume "
            "gives it away, which is why the size check looks both ways."
        )


#: Exercise 2's history of good runs (one odd small week) and the rows that tell the mistakes apart.
SIZE_HISTORY: tuple[int, ...] = (30_000, 32_000, 31_000, 5_000, 33_000)
SIZE_CASES: tuple[int, ...] = (46_000, 12_000, 49_000, 20_000, 31_000)
SIZE_BAND = (0.4, 1.5)


def _size_rule(rows: int, usual: float) -> bool:
    return SIZE_BAND[0] <= rows / usual <= SIZE_BAND[1]


def size_verdicts(baseline: Callable[[list[int]], float], *, inverted: bool = False) -> list[bool]:
    """The verdicts on :data:`SIZE_CASES` of a size check whose yardstick is ``baseline(history)``.

    Examples
    --------
    >>> size_verdicts(statistics.median)
    [True, False, False, True, True]
    """
    history = list(SIZE_HISTORY)
    usual = baseline(history)
    if inverted:
        return [SIZE_BAND[0] <= usual / rows <= SIZE_BAND[1] for rows in SIZE_CASES]
    return [_size_rule(rows, usual) for rows in SIZE_CASES]


class SizeCheck(Exercise):
    prompt = (
        "Write `size_looks_normal(rows, history)`: True when `rows` is between 0.4 and 1.5 times "
        "the median of `history` (earlier good runs' row counts), True when there is no history."
    )
    hints = (
        "`statistics.median(history)` is the usual size; divide this run's rows by it.",
        "return True for an empty history; otherwise 0.4 <= rows / median <= 1.5.",
    )
    answer_code = (
        "def size_looks_normal(rows, history):\n"
        "    if not history:\n"
        "        return True\n"
        "    return 0.4 <= rows / statistics.median(history) <= 1.5"
    )

    def _check(self, answer: Any) -> str:
        if not callable(answer):
            raise Incorrect("`size_looks_normal` should be a function of (rows, history).")
        try:
            if answer(32_561, []) is not True:
                raise Incorrect(
                    "With no history there is nothing to compare with: the first run must pass "
                    "(return True) and start the history."
                )
            got = [answer(rows, list(SIZE_HISTORY)) for rows in SIZE_CASES]
        except (ZeroDivisionError, statistics.StatisticsError, IndexError):
            raise Incorrect(
                "Your function fails on an empty history: return True before dividing."
            ) from None
        except Incorrect:
            raise
        except Exception as error:  # the learner's code may raise anything
            raise Incorrect(f"Your function raised {type(error).__name__}: {error}.") from None
        if any(not isinstance(v, bool) for v in got):
            raise Incorrect(f"Return True or False, not {got!r}.")
        history = f"the history {list(SIZE_HISTORY)}"
        if got == size_verdicts(statistics.fmean):
            raise Incorrect(
                f"That compares with the mean of {history}. The one odd small week pulls the mean "
                "down; the median ignores it. Use statistics.median."
            )
        if got == size_verdicts(lambda h: h[-1]):
            raise Incorrect(
                "That compares with the last run only: one unusual week would then move the "
                "yardstick. Use the median of the whole history."
            )
        if got == size_verdicts(statistics.median, inverted=True):
            raise Incorrect("The ratio is upside down: divide this run's rows by the median.")
        expected = size_verdicts(statistics.median)
        if got != expected:
            wrong = [rows for rows, g, e in zip(SIZE_CASES, got, expected, strict=True) if g != e]
            raise Incorrect(
                f"Against {history} (median {statistics.median(SIZE_HISTORY):,}), your verdicts "
                f"are wrong for {wrong}. The band is 0.4 to 1.5 times the median, ends included."
            )
        return (
            "that is the gate's input_size check. A file twice the usual size parses perfectly; "
            "only its volume gives it away."
        )


class GrowthConfig(Exercise):
    prompt = (
        f"Your business doubles every quarter. Build a `RetrainConfig` that lets the input grow "
        f"to {GROWTH_RATIO}x the usual size, keeping every other threshold at its default. "
        "Set `config` to it."
    )
    hints = (
        "`RetrainConfig.from_dict({...})` takes the same tables as the TOML file.",
        "The table is 'gate', the check 'input_size', the setting 'max_ratio'.",
    )
    answer_code = 'config = RetrainConfig.from_dict({"gate": {"input_size": {"max_ratio": 2.5}}})'

    def _check(self, answer: Any) -> str:
        gate = getattr(answer, "gate", None)
        if not isinstance(gate, GateConfig):
            raise Incorrect(
                f"`config` should be a RetrainConfig, but it is a {type(answer).__name__}. "
                "Build it with RetrainConfig.from_dict."
            )
        size, defaults = gate.input_size, GateConfig()
        if size.max_ratio == GROWTH_RATIO / 100 or size.max_ratio == GROWTH_RATIO * 100:
            raise Incorrect(f"max_ratio is {size.max_ratio}: write the ratio as a multiple "
                            f"({GROWTH_RATIO}), not a percentage.")  # fmt: skip
        if size.max_ratio != GROWTH_RATIO:
            raise Incorrect(f"input_size.max_ratio is {size.max_ratio}; it should be "
                            f"{GROWTH_RATIO}.")  # fmt: skip
        changed = [name for name in ("bad_records", "schema", "drift", "label_balance",
                                     "convergence", "quality", "shadow", "parity", "history")
                   if getattr(gate, name) != getattr(defaults, name)]  # fmt: skip
        if size.min_ratio != defaults.input_size.min_ratio or changed:
            what = ", ".join(changed + (["input_size.min_ratio"] if size.min_ratio
                                         != defaults.input_size.min_ratio else []))  # fmt: skip
            raise Incorrect(f"You also changed {what}: override only what you mean to change.")
        return "Only max_ratio moved; a shrinking file still fails below 0.4x."


q1 = DuplicatedBlockedBy()
q2 = SizeCheck()
q3 = GrowthConfig()
