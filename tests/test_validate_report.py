"""The gate report: verdicts, JSON round trip, the table a person reads."""

from __future__ import annotations

import json
import textwrap

import pytest

from labkit.validate.report import CheckResult, GateReport, format_figures


def _report() -> GateReport:
    return GateReport(
        [
            CheckResult(
                "input_size",
                "fail",
                "Twice the usual rows.",
                {"rows": 65122, "ratio": 2.000061},
                "0.4 <= ratio <= 1.5",
            ),
            CheckResult("convergence", "warn", "Hit maxIter.", {"iterations": 100}, blocking=False),
            CheckResult("schema", "pass", "Same columns.", {"columns": 15}),
        ]
    )


def test_a_failed_blocking_check_fails_the_gate_and_a_warning_does_not():
    report = _report()
    assert report.failed_checks == ["input_size"]
    assert (report.passed, report.verdict) == (False, "fail")
    without_size = GateReport(report.results[1:])
    assert (without_size.passed, without_size.verdict) == (True, "pass")


def test_a_non_blocking_failure_is_shown_but_does_not_block():
    report = GateReport([CheckResult("shadow_run", "fail", "x", blocking=False)])
    assert report.passed and report.failed_checks == []


def test_json_round_trip_keeps_every_field_and_the_overall_verdict():
    report = _report()
    raw = json.loads(report.to_json())
    assert raw["verdict"] == "fail" and raw["failed_checks"] == ["input_size"]
    assert raw["checks"][0]["figures"] == {"rows": 65122, "ratio": 2.000061}
    assert GateReport.from_json(report.to_json()) == report


def test_text_table_lists_each_check_with_figures_threshold_and_reason():
    expected = textwrap.dedent(
        """\
        gate: FAIL
        [FAIL] input_size: Twice the usual rows.
               compared: rows=65122, ratio=2
               threshold: 0.4 <= ratio <= 1.5
        [warn] convergence: Hit maxIter.
               compared: iterations=100
        [pass] schema: Same columns.
               compared: columns=15"""
    )
    assert str(_report()) == expected


def test_frame_has_one_row_per_check_in_order():
    frame = _report().to_frame()
    assert list(frame["check"]) == ["input_size", "convergence", "schema"]
    assert list(frame["verdict"]) == ["FAIL", "warn", "pass"]
    assert frame.loc[0, "figures"] == "rows=65122, ratio=2"


def test_html_escapes_text():
    report = GateReport([CheckResult("schema", "fail", "new <column>")])
    assert "new &lt;column&gt;" in report._repr_html_()


def test_lookup_by_name_and_unknown_names():
    assert _report()["schema"].verdict == "pass"
    with pytest.raises(KeyError, match="no check named 'drift'"):
        _report()["drift"]


def test_unknown_verdict_is_refused():
    with pytest.raises(ValueError, match="verdict must be one of"):
        CheckResult("schema", "ok", "x")


def test_format_figures_renders_nested_values_as_json():
    assert format_figures({"shares": {"b": 0.5, "a": 0.25}, "n": None}) == (
        'shares={"a": 0.25, "b": 0.5}, n=None'
    )


def test_whole_floats_print_as_integers_and_empty_figures_are_left_out():
    report = GateReport(
        [
            CheckResult("input_size", "pass", "Fine.", {"baseline_median": 24421.0}),
            CheckResult("shadow_run", "skip", "Not run.", blocking=False),
        ]
    )
    assert str(report).splitlines() == [
        "gate: PASS",
        "[pass] input_size: Fine.",
        "       compared: baseline_median=24421",
        "[skip] shadow_run: Not run.",
    ]
