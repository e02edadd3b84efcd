"""Action bands: every probability gets exactly one action, or construction fails."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labkit.errors import InvalidBands
from labkit.serving import DEFAULT_ACTIONS, ActionBands, Band

FIVE = ActionBands.from_cuts(DEFAULT_ACTIONS, [0.2, 0.5, 0.7, 0.9])


def test_each_band_holds_its_low_edge_and_not_its_high_edge():
    assert FIVE.action_for(0.0) == "allow"
    assert FIVE.action_for(0.19999) == "allow"
    assert FIVE.action_for(0.2) == "challenge"
    assert FIVE.action_for(0.5) == "second factor"
    assert FIVE.action_for(0.7) == "human review"
    assert FIVE.action_for(0.9) == "block"
    assert FIVE.action_for(1.0) == "block"


def test_bands_given_as_mapping_in_any_order_are_sorted():
    bands = ActionBands({"block": (0.8, 1.0), "allow": (0.0, 0.3), "review": (0.3, 0.8)})
    assert [b.action for b in bands.bands] == ["allow", "review", "block"]
    assert bands.to_dict() == {"allow": [0.0, 0.3], "review": [0.3, 0.8], "block": [0.8, 1.0]}
    assert repr(bands) == (
        "ActionBands({'allow': [0, 0.3), 'review': [0.3, 0.8), 'block': [0.8, 1]})"
    )


@given(
    cuts=st.lists(st.floats(0.001, 0.999), min_size=1, max_size=6, unique=True),
    probability=st.floats(0.0, 1.0),
)
def test_valid_bands_give_exactly_the_band_that_contains_the_probability(cuts, probability):
    cuts = sorted(cuts)
    actions = [f"a{i}" for i in range(len(cuts) + 1)]
    bands = ActionBands.from_cuts(actions, cuts)
    containing = [
        b.action
        for b in bands.bands
        if b.low <= probability < b.high or (probability == 1.0 and b.high == 1.0)
    ]
    assert containing == [bands.action_for(probability)]


def test_gap_is_rejected_naming_both_bands_and_the_uncovered_range():
    with pytest.raises(
        InvalidBands,
        match=r"gap between band 'allow' \(ends at 0.4\) and band "
        r"'block' \(starts at 0.45\).*\[0.4, 0.45\)",
    ):
        ActionBands([Band("allow", 0.0, 0.4), Band("block", 0.45, 1.0)])


def test_overlap_is_rejected_naming_the_doubly_covered_range():
    with pytest.raises(
        InvalidBands,
        match=r"'allow' \(up to 0.6\) overlaps band 'block' "
        r"\(from 0.5\).*\[0.5, 0.6\) would have two actions",
    ):
        ActionBands({"allow": (0.0, 0.6), "block": (0.5, 1.0)})


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        ({"allow": (0.1, 1.0)}, r"lowest band 'allow' starts at 0.1.*Start it at 0"),
        ({"allow": (0.0, 0.9)}, r"highest band 'allow' ends at 0.9"),
        ({"allow": (0.0, 0.5), "block": (0.5, 1.5)}, r"'block': high=1.5 is outside \[0, 1\]"),
        ({"allow": (0.5, 0.0), "block": (0.5, 1.0)}, r"'allow' runs from 0.5 to 0.0"),
        ({"allow": (0.0, float("nan"))}, r"'allow': high must be a number, got nan"),
        ({"": (0.0, 1.0)}, r"needs an action name"),
        ([Band("a", 0.0, 0.5), Band("a", 0.5, 1.0)], r"repeated: \['a'\]"),
        ([], r"no bands given"),
    ],
)
def test_invalid_bands_are_rejected_with_the_reason(bands, message):
    with pytest.raises(InvalidBands, match=message):
        ActionBands(bands)


def test_from_cuts_needs_one_cut_fewer_than_actions():
    with pytest.raises(InvalidBands, match=r"3 actions need 2 cut points between them, got 1"):
        ActionBands.from_cuts(["a", "b", "c"], [0.5])


def test_from_cuts_rejects_cuts_out_of_order_as_an_overlap():
    with pytest.raises(InvalidBands, match="runs from 0.7 to 0.3"):
        ActionBands.from_cuts(["a", "b", "c"], [0.7, 0.3])


@pytest.mark.parametrize("bad", [-0.01, 1.01, float("nan"), "0.5", None, True])
def test_action_for_rejects_what_is_not_a_probability(bad):
    with pytest.raises(InvalidBands, match="probability must be"):
        FIVE.action_for(bad)


def test_invalid_bands_is_a_value_error():
    assert issubclass(InvalidBands, ValueError)


def test_actions_for_keeps_order():
    assert FIVE.actions_for([0.95, 0.1, 0.6]) == ["block", "allow", "second factor"]
