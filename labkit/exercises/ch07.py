"""Exercises of chapter 07: rolling out."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from labkit.exercises._core import Exercise, Incorrect, check_type
from labkit.serving import DEFAULT_ACTIONS, ActionBands, Scored, assign_arm

#: The chapter's simulated week: one key per Adult test row, and the router's shares.
WEEK_KEYS: tuple[str, ...] = tuple(f"person-{i}" for i in range(16_281))
CONTROL_SHARE = 0.1
CHALLENGER_SHARE = 0.2
RAISED_SHARE = 0.5

#: Cut points of exercise 2, between allow | challenge | second factor | human review | block.
BAND_CUTS = (0.1, 0.3, 0.6, 0.85)


def moved_share(before: float, after: float, keys: tuple[str, ...] = WEEK_KEYS) -> float:
    """Share of ``keys`` whose arm changes when the challenger's share goes from ``before`` to
    ``after`` (with the chapter's control share)."""
    changed = sum(
        assign_arm(key, challenger_share=before, control_share=CONTROL_SHARE)
        != assign_arm(key, challenger_share=after, control_share=CONTROL_SHARE)
        for key in keys
    )
    return changed / len(keys)


class KeysMoved(Exercise):
    prompt = (
        "Raise the challenger from 20% to 50% of keys (control stays at 10%). Set `moved` to the "
        "share of the week's 16,281 people whose arm changes."
    )
    hints = (
        "`assign_arm(key, challenger_share=..., control_share=0.1)` gives a key's arm; compare "
        "it at 0.2 and at 0.5 for every key in `week_keys`.",
        "Count the keys whose arm differs and divide by len(week_keys).",
    )
    answer_code = (
        "moved = sum(\n"
        "    assign_arm(k, challenger_share=0.2, control_share=0.1)\n"
        "    != assign_arm(k, challenger_share=0.5, control_share=0.1)\n"
        "    for k in week_keys\n"
        ") / len(week_keys)"
    )

    def _check(self, answer: Any) -> str:
        check_type(answer, (int, float), "moved")
        expected = moved_share(CHALLENGER_SHARE, RAISED_SHARE)
        if math.isclose(answer, RAISED_SHARE) or math.isclose(answer, RAISED_SHARE * 100):
            raise Incorrect(
                "50% is the challenger's new share, but a fifth of the people already had the "
                "challenger and keep it: hashing is stable. Count only the keys that changed."
            )
        if answer > 1:
            raise Incorrect(
                f"{answer} looks like a percentage or a count; give a share from 0 to 1."
            )
        if math.isclose(answer, RAISED_SHARE - CHALLENGER_SHARE) and not math.isclose(
            answer, expected, abs_tol=5e-4
        ):
            raise Incorrect(
                f"0.3 is the width of the hash range that moves, but the real keys gave "
                f"{expected:.4f}: a random-looking split is never exact. Count the keys."
            )
        if not math.isclose(answer, expected, abs_tol=5e-4):
            raise Incorrect(f"`moved` is {answer!r}; counting the keys gives {expected:.4f}.")
        return (
            f"{expected:.1%} of the people moved, all from the champion to the challenger: "
            "nobody who already saw the challenger is sent back."
        )


class FiveBands(Exercise):
    prompt = (
        "Build `my_bands`, an ActionBands: below 0.1 allow, 0.1 to 0.3 challenge, 0.3 to 0.6 "
        "second factor, 0.6 to 0.85 human review, 0.85 and above block."
    )
    hints = (
        "ActionBands.from_cuts(actions, cuts) takes the actions from low to high and the "
        "cut points between them.",
        "DEFAULT_ACTIONS already lists the five actions in order.",
    )
    answer_code = "my_bands = ActionBands.from_cuts(DEFAULT_ACTIONS, [0.1, 0.3, 0.6, 0.85])"

    def _check(self, answer: Any) -> str:
        if isinstance(answer, (dict, list, tuple)):
            raise Incorrect(
                "That is the raw description; wrap it in ActionBands(...) (or use "
                "ActionBands.from_cuts) so it is checked for gaps and overlaps."
            )
        check_type(answer, ActionBands, "my_bands")
        expected = ActionBands.from_cuts(DEFAULT_ACTIONS, BAND_CUTS)
        got = [(b.action, b.low, b.high) for b in answer.bands]
        want = [(b.action, b.low, b.high) for b in expected.bands]
        if [g[0] for g in got] == list(reversed(DEFAULT_ACTIONS)):
            raise Incorrect("The actions are upside down: 'allow' belongs to the lowest scores.")
        for mine, right in zip(got, want, strict=False):
            if mine != right:
                raise Incorrect(
                    f"Band {mine[0]!r} covers [{mine[1]}, {mine[2]}); it should be "
                    f"{right[0]!r} on [{right[1]}, {right[2]})."
                )
        if len(got) != len(want):
            raise Incorrect(f"`my_bands` has {len(got)} bands; it should have {len(want)}.")
        return "five bands, every probability covered exactly once."


def _conversion_cases() -> tuple[list[Scored], dict[str, int]]:
    """A small log: champion keys a, b, c (c has no outcome yet) and control keys d, e."""

    def record(key: str, arm: str) -> Scored:
        return Scored(ts="2026-11-21T07:00:00+00:00", request_id=key, key=key, arm=arm,
                      version=None if arm == "control" else "1.0.0", input={},
                      output=None if arm == "control" else 0.7, latency_ms=0.0)  # fmt: skip

    records = [record("a", "champion"), record("b", "champion"), record("c", "champion"),
               record("d", "control"), record("e", "control")]  # fmt: skip
    return records, {"a": 1, "b": 0, "d": 1, "e": 1}


class ConversionRate(Exercise):
    prompt = (
        "Write `conversion_rate(records, outcomes, arm)`: the mean outcome of the records routed "
        "to `arm`, counting only keys that have an outcome in `outcomes` (a dict key -> 0/1)."
    )
    hints = (
        "Keep the records whose `.arm` is `arm` and whose `.key` is in `outcomes`.",
        "Average `outcomes[r.key]` over them; return None when there are none.",
    )
    answer_code = (
        "def conversion_rate(records, outcomes, arm):\n"
        "    seen = [outcomes[r.key] for r in records if r.arm == arm and r.key in outcomes]\n"
        "    return sum(seen) / len(seen) if seen else None"
    )

    def _check(self, answer: Any) -> str:
        if not callable(answer):
            raise Incorrect("`conversion_rate` should be a function (def conversion_rate(...):).")
        records, outcomes = _conversion_cases()
        champion = _call(answer, records, outcomes, "champion")
        if champion is not None and math.isclose(champion, 1 / 3):
            raise Incorrect(
                "You divided by every champion request, including key 'c' whose outcome is not "
                "known yet: an unknown outcome is not a failure. Count only joined keys."
            )
        if champion != 0.5:
            raise Incorrect(f"For champion keys a=1, b=0 (c unknown) you returned {champion!r}; "
                            "it should be 0.5.")  # fmt: skip
        control = _call(answer, records, outcomes, "control")
        if control != 1.0:
            raise Incorrect(
                f"For control keys d=1, e=1 you returned {control!r}; it should be 1.0."
            )
        return "that is the business metric per arm, the number a roll-out should be judged by."


def _call(function: Callable[..., Any], *args: Any) -> Any:
    try:
        return function(*args)
    except KeyError as missing:
        raise Incorrect(
            f"Your function raised KeyError {missing}: some keys have no outcome yet (people "
            "who have not decided). Skip keys that are not in `outcomes`."
        ) from None


q1 = KeysMoved()
q2 = FiveBands()
q3 = ConversionRate()
