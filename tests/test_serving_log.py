"""The scoring log after a crash: torn lines, invalid UTF-8, and reading past them."""

from __future__ import annotations

import json

import pytest

from labkit.errors import BadScoringLog, InvalidJson
from labkit.serving import Scored, ScoringLog, read_scoring_log
from labkit.serving.log import iter_scoring_log


def record(n: int, **changes) -> Scored:
    fields = {"ts": "2026-11-21T07:00:00.000+00:00", "request_id": f"r{n}", "key": f"k{n}",
              "arm": "champion", "version": "1", "input": {"age": n}, "output": {"p": 0.5},
              "latency_ms": 0.1, **changes}  # fmt: skip
    return Scored(**fields)


def test_after_a_torn_last_line_the_next_log_starts_on_a_fresh_line(tmp_path):
    path = tmp_path / "scoring.jsonl"
    with ScoringLog(path) as log:
        log.write(record(1))
    with open(path, "a", encoding="utf-8") as file:
        file.write(record(2).to_json()[:30])  # the crash: half a line, no newline
    with ScoringLog(path) as log:
        log.write(record(3))
        log.write(record(4))
    with pytest.warns(UserWarning, match=r"skipped 1 damaged line"):
        records = read_scoring_log(path)
    assert [r.request_id for r in records] == ["r1", "r3", "r4"]
    assert records.skipped == 1
    assert len(records.problems) == 1 and f"{path}, line 2: not valid JSON" in records.problems[0]


def test_invalid_utf8_is_skipped_and_named_records_on_both_sides_kept(tmp_path):
    path = tmp_path / "scoring.jsonl"
    lines = [record(1).to_json().encode(), b'{"ts": "\xff\xfe broken', record(2).to_json().encode(),
             record(3).to_json().encode()[:-5], record(4).to_json().encode()]  # fmt: skip
    path.write_bytes(b"\n".join(lines) + b"\n")
    with pytest.warns(UserWarning, match=r"skipped 2 damaged line"):
        records = read_scoring_log(path)
    assert [r.request_id for r in records] == ["r1", "r2", "r4"]
    assert records.skipped == 2
    assert "line 2: not UTF-8" in records.problems[0]
    assert "line 4: not valid JSON" in records.problems[1]


def test_strict_reading_stops_at_the_first_damaged_line(tmp_path):
    path = tmp_path / "scoring.jsonl"
    path.write_bytes(record(1).to_json().encode() + b"\n\xff\n")
    with pytest.raises(BadScoringLog, match=r"line 2: not UTF-8"):
        read_scoring_log(path, strict=True)
    with pytest.raises(BadScoringLog, match=r"line 2: not UTF-8"):
        list(iter_scoring_log(path, strict=True))


def test_non_finite_numbers_are_damage_in_a_log_and_never_written(tmp_path):
    path = tmp_path / "scoring.jsonl"
    good = json.loads(record(1).to_json())
    path.write_text(
        json.dumps(good) + "\n" + json.dumps({**good, "latency_ms": float("nan")}) + "\n"
    )
    with pytest.warns(UserWarning):
        records = read_scoring_log(path)
    assert len(records) == 1 and "line 2: latency_ms: NaN is not valid JSON" in records.problems[0]
    with ScoringLog(tmp_path / "new.jsonl") as log, pytest.raises(InvalidJson, match="output.p"):
        log.write(record(2, output={"p": float("inf")}))
    assert (tmp_path / "new.jsonl").read_text() == ""


def test_a_clean_log_reads_without_warning(tmp_path, recwarn):
    path = tmp_path / "scoring.jsonl"
    with ScoringLog(path) as log:
        log.write_all([record(1), record(2)])
    records = read_scoring_log(path)
    assert records == [record(1), record(2)] and records.skipped == 0 and records.problems == []
    assert not recwarn.list
