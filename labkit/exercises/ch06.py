"""Exercises of chapter 06: validating retrains."""

from __future__ import annotations

from typing import Any

from labkit.exercises._core import Exercise, Incorrect, check_type
from labkit.sabotage import SABOTAGE_CASES, ZEROED_COLUMN
from labkit.validate.config import GateConfig
from labkit.validate.report import GateReport

#: Exercise 3's target: let the input grow to this multiple of the usual size.
GROWTH_RATIO = 2.5


class DuplicatedBlockedBy(Exercise):
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

    def _check(self, answer: Any) -> str:
        expected = [SABOTAGE_CASES["duplicated"].blocked_by]
        if isinstance(answer, GateReport):
            raise Incorrect("That is the whole report: take its `.failed_checks` list.")
        check_type(answer, list, "failed")
        if not answer:
            raise Incorrect(
                "No check failed, so the run was promoted: did you retrain on the original "
                "file instead of the duplicated copy?"
            )
        if "bad_records" in answer:
            raise Incorrect(
                "bad_records failed, so lines were rejected: a duplicated file parses fine. "
                "Did you make the 'malformed' case?"
            )
        if answer != expected:
            raise Incorrect(f"`failed` is {answer}, but the duplicated file should be stopped by "
                            f"{expected} alone. Which case did you make?")  # fmt: skip
        return (
            "input_size: twice the usual rows. The data itself looks normal, only its volume "
            "gives it away, which is why the size check looks both ways."
        )


class DriftedColumn(Exercise):
    prompt = (
        "In the report of the zero-column run, which numeric column drifted most? Set "
        "`drifted_column` to its name, read from the report (not typed from memory)."
    )
    hints = (
        "`report['feature_drift'].figures` holds the largest distances and their columns.",
        "The key is 'max_numeric_column'.",
    )
    answer_code = "drifted_column = zeroed.report['feature_drift'].figures['max_numeric_column']"

    def _check(self, answer: Any) -> str:
        check_type(answer, str, "drifted_column")
        if answer in ("max_numeric_js", "max_categorical_linf"):
            raise Incorrect(
                f"{answer!r} is the distance; the column is under 'max_numeric_column'."
            )
        if answer.strip() != ZEROED_COLUMN:
            raise Incorrect(
                f"{answer!r} is not the column we zeroed. Look at the 'feature_drift' row "
                "of the sabotaged run's report, not the legitimate one's."
            )
        return (
            f"{ZEROED_COLUMN}: all its mass moved into the lowest bin, a Jensen-Shannon distance "
            "near its maximum. Training alone would not have told you."
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
q2 = DriftedColumn()
q3 = GrowthConfig()
