"""Input checks on real data: adult.test passes against adult.data, sabotaged copies fail."""

from __future__ import annotations

import pytest

from labkit.data import (
    ADULT_CATEGORICAL,
    ADULT_COLUMNS,
    ADULT_FILES,
    ADULT_NUMERIC,
    ReadStats,
)
from labkit.registry.history import RunRecord
from labkit.validate import checks_data
from labkit.validate.config import GateConfig
from labkit.validate.layout import Layout, check_layout, probe_layout
from labkit.validate.profile import DataProfile, profile_adult

RULES = GateConfig()


_profile = profile_adult


@pytest.fixture(scope="module")
def reference(adult_train):
    return _profile(adult_train)


def _baseline(profile: DataProfile, rows_read: list[int], bad: int = 0) -> list[RunRecord]:
    return [
        RunRecord(
            f"r{i}",
            "2026-11-16T06:00:00+00:00",
            "a.csv",
            "promoted",
            input=ReadStats("a.csv", n, n - bad, {"x": bad} if bad else {}).to_dict(),
            profile=profile.to_dict(),
        )
        for i, n in enumerate(rows_read)
    ]


def test_next_weeks_data_passes_every_input_check(adult_test, reference):
    profile = _profile(adult_test, reference)
    stats = ReadStats("adult.test", profile.rows, profile.rows)
    baseline = _baseline(reference, [reference.rows])
    results = [
        checks_data.check_bad_records(stats, baseline, RULES.bad_records),
        checks_data.check_input_size(stats, baseline, RULES.input_size),
        checks_data.check_schema(profile, reference, RULES.schema),
        checks_data.check_drift(profile, reference, RULES.drift),
        checks_data.check_label_balance(profile, baseline, RULES.label_balance),
    ]
    assert [r.verdict for r in results] == ["pass"] * 5, [r.reason for r in results]
    assert results[1].figures["ratio"] == round(profile.rows / reference.rows, 4)
    # The test file lacks the train file's single Holand-Netherlands row: rare, ignored.
    assert results[2].figures["rare_changes_ignored"] == 1


def test_drift_distances_are_recorded_for_every_column(adult_test, reference):
    distances = checks_data.drift_distances(_profile(adult_test, reference), reference)
    assert sorted(distances["categorical_linf"]) == sorted(ADULT_CATEGORICAL)
    assert sorted(distances["numeric_js"]) == sorted(ADULT_NUMERIC)
    assert max(distances["numeric_js"].values()) < 0.05  # same source, two samples


def test_a_zeroed_column_fails_drift_and_names_it(adult_train, reference):
    from pyspark.sql import functions as F

    zeroed = adult_train.withColumn("hours-per-week", F.lit(0))
    result = checks_data.check_drift(_profile(zeroed, reference), reference, RULES.drift)
    assert result.verdict == "fail"
    assert result.figures["max_numeric_column"] == "hours-per-week"
    assert "hours-per-week (JS" in result.reason


def test_flipped_labels_fail_label_balance(adult_train, reference):
    from pyspark.sql import functions as F

    flipped = adult_train.withColumn(
        "income", F.when(F.col("income") == ">50K", "<=50K").otherwise(">50K")
    )
    profile = _profile(flipped, reference)
    result = checks_data.check_label_balance(
        profile, _baseline(reference, [1]), RULES.label_balance
    )
    share = reference.labels[">50K"] / reference.rows
    assert result.verdict == "fail"
    assert result.figures["max_change"] == round(abs((1 - share) - share), 4)


def test_a_new_frequent_category_fails_schema(adult_test, reference):
    from pyspark.sql import functions as F

    renamed = adult_test.withColumn(
        "sex", F.when(F.col("sex") == "Female", "F").otherwise(F.col("sex"))
    )
    result = checks_data.check_schema(_profile(renamed, reference), reference, RULES.schema)
    assert result.verdict == "fail"
    assert result.figures["new_categories"] == ["sex=F"]
    assert result.figures["vanished_categories"] == ["sex=Female"]


def test_a_retyped_column_fails_schema(adult_test, reference):
    from pyspark.sql import functions as F

    retyped = adult_test.withColumn("age", F.col("age").cast("double"))
    result = checks_data.check_schema(_profile(retyped, reference), reference, RULES.schema)
    assert result.verdict == "fail" and result.figures["retyped"] == ["age: int -> double"]


def test_input_size_fails_both_ways_and_passes_between():
    baseline = [
        RunRecord(f"r{i}", "2026-11-16T06:00:00+00:00", "a", "promoted", input={"rows_read": n})
        for i, n in enumerate([900, 1000, 1100])
    ]
    verdicts = {
        rows: checks_data.check_input_size(ReadStats("a", rows, rows), baseline, RULES.input_size)
        for rows in (399, 400, 1500, 1501)
    }
    assert {k: v.verdict for k, v in verdicts.items()} == {
        399: "fail",
        400: "pass",
        1500: "pass",
        1501: "fail",
    }
    assert verdicts[1501].figures["baseline_median"] == 1000
    assert "duplicated append" in verdicts[1501].reason and "partial upload" in verdicts[399].reason


def test_bad_records_absolute_and_relative_limits():
    rule = RULES.bad_records
    usual = [
        RunRecord(
            "r",
            "2026-11-16T06:00:00+00:00",
            "a",
            "promoted",
            input=ReadStats("a", 1000, 990, {"x": 10}).to_dict(),
        )
    ]
    over_max = ReadStats("b", 1000, 940, {"wrong field count (12 instead of 15)": 60})
    rise = ReadStats("b", 1000, 965, {"x": 35})
    steady = ReadStats("b", 1000, 985, {"x": 15})
    assert checks_data.check_bad_records(over_max, usual, rule).verdict == "fail"
    assert "wrong field count" in checks_data.check_bad_records(over_max, usual, rule).reason
    assert checks_data.check_bad_records(rise, usual, rule).verdict == "fail"  # 3.5% vs usual 1%
    assert checks_data.check_bad_records(steady, usual, rule).verdict == "pass"


def test_first_run_comparisons_pass_and_say_why(reference):
    stats = ReadStats("a", reference.rows, reference.rows)
    for result in (
        checks_data.check_input_size(stats, [], RULES.input_size),
        checks_data.check_schema(reference, None, RULES.schema),
        checks_data.check_drift(reference, None, RULES.drift),
        checks_data.check_label_balance(reference, [], RULES.label_balance),
    ):
        assert result.verdict == "pass" and "starts the baseline" in result.reason


def test_layout_of_the_real_files_passes(tmp_path):
    # adult.test's first line is junk (`|1x3 Cross validator`): its data starts on line 2.
    for split, first_line in (("train", 1), ("test", 2)):
        layout = probe_layout(ADULT_FILES[split].path, ADULT_COLUMNS)
        assert layout == Layout(15, None, 50, 50, first_data_line=(first_line, 15))
        assert check_layout(layout, ADULT_COLUMNS).verdict == "pass"


def test_layout_names_a_dropped_and_a_renamed_column(tmp_path):
    lines = ADULT_FILES["train"].path.read_text().splitlines()[:60]
    dropped = tmp_path / "dropped.csv"
    dropped.write_text(
        "\n".join(",".join(line.split(",")[:-2] + line.split(",")[-1:]) for line in lines) + "\n"
    )
    result = check_layout(probe_layout(dropped, ADULT_COLUMNS), ADULT_COLUMNS)
    assert result.verdict == "fail" and result.figures["fields"] == 14
    assert "a column was dropped upstream" in result.reason
    header = ",".join(c if c != "sex" else "gender" for c in ADULT_COLUMNS)
    renamed = tmp_path / "renamed.csv"
    renamed.write_text(header + "\n" + "\n".join(lines) + "\n")
    result = check_layout(probe_layout(renamed, ADULT_COLUMNS), ADULT_COLUMNS)
    assert result.verdict == "fail"
    assert (result.figures["missing_columns"], result.figures["new_columns"]) == (
        ["sex"],
        ["gender"],
    )
    assert "renamed upstream?" in result.reason


def test_damaged_lines_are_left_to_the_bad_record_count(tmp_path):
    from labkit.sabotage import make_sabotaged

    path = make_sabotaged("malformed", ADULT_FILES["train"].path, tmp_path / "m.csv")
    layout = probe_layout(path, ADULT_COLUMNS)
    widths = [len(line.split(",")) for line in path.read_text().splitlines()[:50]]
    assert (layout.field_count, layout.lines_as_expected) == (12, widths.count(15))
    assert 0 < layout.lines_as_expected < 50
    assert check_layout(layout, ADULT_COLUMNS).verdict == "pass"
