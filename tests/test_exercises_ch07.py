"""Chapter 07's checkers accept right answers and teach on typical wrong ones."""

from __future__ import annotations

import pandas as pd

from labkit.exercises import ch07 as ex
from labkit.serving import assign_arm


def verdict(exercise, answer):
    return exercise.evaluate(answer)


def test_keys_moved_accepts_the_counted_share_and_explains_the_usual_mistakes():
    counted = sum(
        assign_arm(k, challenger_share=0.2, control_share=0.1)
        != assign_arm(k, challenger_share=0.5, control_share=0.1)
        for k in ex.WEEK_KEYS
    ) / len(ex.WEEK_KEYS)
    assert 0.28 < counted < 0.32 and counted != 0.3  # a real count, not the hash-range width
    assert verdict(ex.q1, counted).correct
    wrong = verdict(ex.q1, 0.5)
    assert not wrong.correct and "already had the challenger" in wrong.message
    assert "percentage or a count" in verdict(ex.q1, 4_900).message
    assert "a random-looking split is never exact" in verdict(ex.q1, 0.3).message
    assert verdict(ex.q1, ...).status == "not attempted"


def test_keys_moved_solution_code_gives_the_right_answer():
    scope = {"assign_arm": assign_arm, "week_keys": ex.WEEK_KEYS}
    exec(ex.q1.answer_code, scope)
    assert verdict(ex.q1, scope["moved"]).correct


def _quiet(counts_of):
    def quiet_hours_of(times, share):
        counts = counts_of(pd.Series(1, index=pd.DatetimeIndex(times)))
        return list(counts[counts < share * counts.median()].index)

    return quiet_hours_of


def test_quiet_hours_accepts_zero_filled_median_and_explains_the_usual_mistakes():
    scope = {"pd": pd}
    exec(ex.q2.answer_code, scope)
    assert verdict(ex.q2, scope["quiet_hours_of"]).correct
    assert verdict(ex.q2, ...).status == "not attempted"
    grouped = _quiet(lambda ones: ones.groupby(ones.index.floor("h")).sum())
    assert "a group-by never sees it" in verdict(ex.q2, grouped).message

    def against_the_mean(times, share):
        counts = pd.Series(1, index=pd.DatetimeIndex(times)).resample("1h").sum()
        return list(counts[counts < share * counts.mean()].index)

    assert "not the mean" in verdict(ex.q2, against_the_mean).message
    assert "list of timestamps" in verdict(ex.q2, lambda times, share: ["x"]).message
    assert "returned None" in verdict(ex.q2, lambda times, share: None).message
    assert "should be a function" in verdict(ex.q2, [3, 5]).message


def test_conversion_rate_checker():
    def right(records, outcomes, arm):
        seen = [outcomes[r.key] for r in records if r.arm == arm and r.key in outcomes]
        return sum(seen) / len(seen) if seen else None

    def over_every_request(records, outcomes, arm):
        mine = [r for r in records if r.arm == arm]
        return sum(outcomes.get(r.key, 0) for r in mine) / len(mine)

    def crashes_on_unknown(records, outcomes, arm):
        mine = [outcomes[r.key] for r in records if r.arm == arm]
        return sum(mine) / len(mine)

    assert verdict(ex.q3, right).correct
    assert "including key 'c'" in verdict(ex.q3, over_every_request).message
    assert "raised KeyError 'c'" in verdict(ex.q3, crashes_on_unknown).message
    assert "should be a function" in verdict(ex.q3, 0.5).message
    scope: dict = {}
    exec(ex.q3.answer_code, scope)
    assert verdict(ex.q3, scope["conversion_rate"]).correct
