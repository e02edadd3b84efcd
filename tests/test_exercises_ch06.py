"""Chapter 06's checkers accept right answers (computed by the real gate) and teach on slips."""

from __future__ import annotations

import statistics

import pytest

from labkit.data import ADULT_FILES, read_adult
from labkit.exercises import ch06 as ex
from labkit.registry.history import RunRecord
from labkit.retrain import RetrainConfig
from labkit.sabotage import make_sabotaged
from labkit.validate import checks_data
from labkit.validate.config import GateConfig
from labkit.validate.profile import profile_adult
from labkit.validate.report import GateReport

TRAIN = ADULT_FILES["train"].path
RULES = GateConfig()


_profile = profile_adult


@pytest.fixture(scope="module")
def reference(spark):
    df, stats = read_adult(spark, TRAIN)
    profile = _profile(df)
    record = RunRecord(
        "r1",
        "2026-11-16T06:00:00+00:00",
        str(TRAIN),
        "promoted",
        input=stats.to_dict(),
        profile=profile.to_dict(),
    )
    return profile, [record]


def _input_report(spark, path, reference) -> GateReport:
    profile_ref, baseline = reference
    df, stats = read_adult(spark, path, max_bad_fraction=1.0)
    profile = _profile(df, profile_ref)
    return GateReport(
        [
            checks_data.check_bad_records(stats, baseline, RULES.bad_records),
            checks_data.check_input_size(stats, baseline, RULES.input_size),
            checks_data.check_schema(profile, profile_ref, RULES.schema),
            checks_data.check_drift(profile, profile_ref, RULES.drift),
            checks_data.check_label_balance(profile, baseline, RULES.label_balance),
        ]
    )


def test_duplicated_blocked_by(spark, reference, tmp_path):
    report = _input_report(
        spark, make_sabotaged("duplicated", TRAIN, tmp_path / "d.csv"), reference
    )
    assert ex.q1.evaluate(report.failed_checks).correct
    assert "take its `.failed_checks`" in ex.q1.evaluate(report).message
    assert "did you retrain on the original" in ex.q1.evaluate([]).message
    assert "Did you make the 'malformed' case?" in ex.q1.evaluate(["bad_records"]).message
    assert ex.q1.evaluate(...).status == "not attempted"


def test_size_check_accepts_the_median_rule_and_explains_the_usual_mistakes():
    scope = {"statistics": statistics}
    exec(ex.q2.answer_code, scope)
    assert ex.q2.evaluate(scope["size_looks_normal"]).correct
    assert ex.q2.evaluate(...).status == "not attempted"

    def against(baseline, *, inverted=False, empty_ok=True):
        def size_looks_normal(rows, history):
            if not history and empty_ok:
                return True
            usual = baseline(history)
            ratio = usual / rows if inverted else rows / usual
            return 0.4 <= ratio <= 1.5

        return size_looks_normal

    assert "the median ignores it" in ex.q2.evaluate(against(statistics.fmean)).message
    assert "the last run only" in ex.q2.evaluate(against(lambda h: h[-1])).message
    assert "upside down" in ex.q2.evaluate(against(statistics.median, inverted=True)).message
    crash = against(statistics.median, empty_ok=False)
    assert "fails on an empty history" in ex.q2.evaluate(crash).message
    narrow = ex.q2.evaluate(lambda rows, history: not history or 0.7 <= rows / 31_000 <= 1.5)
    assert "your verdicts are wrong for [20000]" in narrow.message
    assert "should be a function" in ex.q2.evaluate(True).message


def test_growth_config_accepts_the_solution_and_names_extra_changes():
    scope = {"RetrainConfig": RetrainConfig}
    exec(ex.q3.answer_code, scope)
    assert ex.q3.evaluate(scope["config"]).correct
    assert (
        "not a percentage"
        in ex.q3.evaluate(
            RetrainConfig.from_dict({"gate": {"input_size": {"max_ratio": 250}}})
        ).message
    )
    both = RetrainConfig.from_dict(
        {"gate": {"input_size": {"max_ratio": 2.5}, "drift": {"max_numeric_js": 0.3}}}
    )
    assert "You also changed drift" in ex.q3.evaluate(both).message
    assert "should be a RetrainConfig" in ex.q3.evaluate({"max_ratio": 2.5}).message
    assert "it should be 2.5" in ex.q3.evaluate(RetrainConfig()).message


def test_duplicated_blocked_by_declares_its_mistakes():
    assert ex.q1.evaluate(["input_size"]).correct
    assert "should be a list" in ex.q1.evaluate("input_size").message
    assert "Which case did you make?" in ex.q1.evaluate(["schema"]).message
    assert "did you retrain on the original" in ex.q1.evaluate([]).message
