"""Sabotage generators: each damages a real file in exactly the advertised way."""

from __future__ import annotations

import collections

import pytest

from labkit.data import ADULT_COLUMNS, ADULT_FILES
from labkit.sabotage import SABOTAGE_CASES, make_sabotaged

TRAIN = ADULT_FILES["train"].path
TEST = ADULT_FILES["test"].path


def _data_lines(path) -> list[list[str]]:
    with open(path) as f:
        return [line.rstrip("\n").split(",") for line in f if line.strip() and line[0] != "|"]


@pytest.fixture(scope="module")
def original() -> list[list[str]]:
    return _data_lines(TRAIN)


def test_malformed_cuts_ninety_percent_of_lines_short(tmp_path, original):
    rows = _data_lines(make_sabotaged("malformed", TRAIN, tmp_path / "m.csv"))
    widths = collections.Counter(len(r) for r in rows)
    assert widths == {
        12: round(0.9 * len(original)),
        15: len(original) - round(0.9 * len(original)),
    }


def test_zero_column_zeroes_only_that_column(tmp_path, original):
    rows = _data_lines(make_sabotaged("zero_column", TRAIN, tmp_path / "z.csv"))
    at = ADULT_COLUMNS.index("hours-per-week")
    assert {r[at] for r in rows} == {" 0"}
    assert [r[:at] + r[at + 1 :] for r in rows] == [r[:at] + r[at + 1 :] for r in original]


def test_shuffled_labels_keep_the_balance_but_not_the_order(tmp_path, original):
    rows = _data_lines(make_sabotaged("shuffled_labels", TRAIN, tmp_path / "s.csv"))
    before, after = [r[-1] for r in original], [r[-1] for r in rows]
    assert collections.Counter(after) == collections.Counter(before)
    moved = sum(a != b for a, b in zip(before, after, strict=True))
    # Two classes at 24% / 76%: a random shuffle changes about 2 * 0.24 * 0.76 of the labels.
    share = before.count(" >50K") / len(before)
    assert moved / len(before) == pytest.approx(2 * share * (1 - share), abs=0.02)
    assert [r[:-1] for r in rows] == [r[:-1] for r in original]


def test_flipped_labels_swap_every_label_and_keep_the_test_files_dot(tmp_path):
    rows = _data_lines(make_sabotaged("flipped_labels", TEST, tmp_path / "f.csv"))
    before = collections.Counter(r[-1] for r in _data_lines(TEST))
    assert collections.Counter(r[-1] for r in rows) == {
        " >50K.": before[" <=50K."],
        " <=50K.": before[" >50K."],
    }
    assert (tmp_path / "f.csv").read_text().startswith("|1x3 Cross validator")


def test_dropped_column_removes_one_field_everywhere(tmp_path, original):
    rows = _data_lines(make_sabotaged("dropped_column", TRAIN, tmp_path / "d.csv"))
    at = ADULT_COLUMNS.index("education")
    assert rows == [r[:at] + r[at + 1 :] for r in original]


def test_renamed_column_writes_a_header_with_the_new_name(tmp_path, original):
    path = make_sabotaged("renamed_column", TRAIN, tmp_path / "r.csv")
    header, *rows = _data_lines(path)
    assert header == [c if c != "hours-per-week" else "hours_per_week" for c in ADULT_COLUMNS]
    assert rows == original


def test_duplicated_repeats_every_line(tmp_path, original):
    rows = _data_lines(make_sabotaged("duplicated", TRAIN, tmp_path / "twice.csv"))
    assert rows == original + original


def test_every_case_names_a_check_and_unknown_cases_are_refused(tmp_path):
    assert {c.blocked_by for c in SABOTAGE_CASES.values()} == {
        "bad_records",
        "feature_drift",
        "quality_fixed_test",
        "label_balance",
        "schema",
        "input_size",
    }
    with pytest.raises(KeyError, match="unknown sabotage case 'typo'; known: malformed"):
        make_sabotaged("typo", TRAIN, tmp_path / "x.csv")
    with pytest.raises(ValueError, match="unknown column 'hours'"):
        SABOTAGE_CASES["zero_column"].make(TRAIN, tmp_path / "x.csv", column="hours")
