"""labkit._json: the one strict JSON encoding (no NaN/Infinity, numbers a double can hold)."""

from __future__ import annotations

import math

import pytest

from labkit import _json
from labkit.errors import InvalidJson


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ('{"a": [1, {"b": 1e999}]}', "a[1].b", "1e999 is beyond the range of a double"),
        ('{"a": -1e400}', "a", "-1e400 is beyond the range"),
        ('{"a": ' + str(2**1024) + "}", "a", "an integer of 309 digits"),
        ('{"a": ' + "1" * 5000 + "}", "a", "an integer of 5,000 digits"),
        ('{"x": -Infinity}', "x", "-Infinity is not valid JSON"),
        ("NaN", None, "value: NaN is not valid JSON"),
        ("[" * 100_000, None, "nested too deeply"),
        ("{bad", None, "not valid JSON (Expecting property name"),
        (b'{"a": "\xff"}', None, "not UTF-8"),
    ],
)
def test_loads_refuses_what_json_cannot_hold_naming_the_field(text, field, message):
    with pytest.raises(InvalidJson, match=message.replace("(", r"\(")) as caught:
        _json.loads(text)
    assert caught.value.field == field


def test_loads_keeps_every_number_a_double_can_hold():
    largest = 2**1023 * (2 - 2**-52)  # the largest double, as an exact integer
    assert _json.loads(f"[{int(largest)}, 1.7976931348623157e308, -5, 0.5]") == [
        int(largest),
        1.7976931348623157e308,
        -5,
        0.5,
    ]


def test_dumps_names_the_non_finite_value_and_writes_nothing_else():
    with pytest.raises(InvalidJson, match=r"output\.probability\[1\]: inf is not a finite"):
        _json.dumps({"output": {"probability": [0.5, math.inf]}})
    assert _json.dumps({"p": 0.5}) == '{"p": 0.5}'


def test_one_row_cannot_be_scored_when_its_answer_overflowed():
    problem = _json.non_finite_problem({"p": [math.nan]}, {"age": 1e308, "x": -3}, "v1")
    assert problem.startswith("the model cannot score this row: its p[0] is nan")
    assert "age=1e+308" in problem
    assert _json.non_finite_problem({"p": [0.5]}, {"age": 1}, "v1") is None
