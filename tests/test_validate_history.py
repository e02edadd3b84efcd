"""Run history: append-only JSON lines, successful runs as the baseline, crash-tolerant reading."""

from __future__ import annotations

import pytest

from labkit.errors import RegistryCorrupt
from labkit.registry.history import RunHistory, RunRecord


def _record(run_id: str, outcome: str, day: int, rows: int = 100) -> RunRecord:
    # 2026-11-16 is a Monday.
    return RunRecord(
        run_id, f"2026-11-{day:02d}T06:00:00+00:00", "a.csv", outcome, input={"rows_read": rows}
    )


@pytest.fixture
def history(tmp_path):
    history = RunHistory(tmp_path / "history.jsonl")
    for run_id, outcome, day in [
        ("r1", "promoted", 2),
        ("r2", "held", 9),
        ("r3", "promoted", 16),
        ("r4", "blocked", 17),
        ("r5", "promoted", 23),
    ]:
        history.append(_record(run_id, outcome, day))
    return history


def test_records_come_back_in_order_with_their_fields(history):
    records = history.records()
    assert [r.run_id for r in records] == ["r1", "r2", "r3", "r4", "r5"]
    assert records[0] == _record("r1", "promoted", 2)


def test_baseline_is_successful_runs_newest_first_within_the_window(history):
    assert [r.run_id for r in history.baseline()] == ["r5", "r3", "r1"]
    assert [r.run_id for r in history.baseline(window=2)] == ["r5", "r3"]


def test_same_weekday_baseline_keeps_only_that_weekday(history):
    assert [r.weekday for r in history.records()] == [
        "Monday",
        "Monday",
        "Monday",
        "Tuesday",
        "Monday",
    ]
    assert [r.run_id for r in history.baseline(weekday="Monday")] == ["r5", "r3", "r1"]
    assert history.baseline(weekday="Tuesday") == []  # r4 was blocked: not a baseline run


def test_a_partial_last_line_from_a_killed_writer_is_ignored_then_cut(history):
    with open(history.path, "a") as f:
        f.write('{"run_id": "r6", "started_at": "2026-11-')  # the writer died here
    assert [r.run_id for r in history.records()][-1] == "r5"
    history.append(_record("r7", "promoted", 30))
    assert [r.run_id for r in history.records()] == ["r1", "r2", "r3", "r4", "r5", "r7"]


def test_a_damaged_line_in_the_middle_names_its_number(history):
    lines = history.path.read_text().splitlines()
    lines[1] = "not json"
    history.path.write_text("\n".join(lines) + "\n")
    with pytest.raises(RegistryCorrupt, match=r"history.jsonl, line 2: not a run record"):
        history.records()


def test_a_missing_file_is_an_empty_history(tmp_path):
    assert RunHistory(tmp_path / "none.jsonl").baseline() == []


def test_bad_outcome_and_window_are_refused(history):
    with pytest.raises(ValueError, match="outcome must be one of"):
        _record("x", "ok", 1)
    with pytest.raises(ValueError, match="window must be at least 1"):
        history.baseline(window=0)
