"""Exercises of chapter 07: rolling out."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from labkit.exercises._core import Exercise, Incorrect, check_type
from labkit.serving import Scored, assign_arm

#: The chapter's simulated week: one key per Adult test row, and the router's shares.
WEEK_KEYS: tuple[str, ...] = tuple(f"person-{i}" for i in range(16_281))
CONTROL_SHARE = 0.1
CHALLENGER_SHARE = 0.2
RAISED_SHARE = 0.5

#: Exercise 2's log: requests per hour from midnight; hour 3 is missing (an outage), hour 5 is slow.
QUIET_LOG_COUNTS: tuple[int, ...] = (10, 10, 10, 0, 10, 4, 10)
QUIET_SHARE = 0.5
QUIET_START = "2026-11-02T00:00:00+00:00"


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


def quiet_log_times() -> Any:
    """Exercise 2's timestamps: a pandas Series, spread evenly inside each hour.

    Examples
    --------
    >>> len(quiet_log_times())
    54
    """
    import pandas as pd

    start = pd.Timestamp(QUIET_START)
    times = [
        start + pd.Timedelta(hours=hour) + pd.Timedelta(minutes=60 * i / count)
        for hour, count in enumerate(QUIET_LOG_COUNTS)
        for i in range(count)
    ]
    return pd.Series(times)


def _hours(indices: list[int]) -> list[Any]:
    import pandas as pd

    return [pd.Timestamp(QUIET_START) + pd.Timedelta(hours=h) for h in indices]


class QuietHours(Exercise):
    prompt = (
        "Write `quiet_hours_of(times, share)`: the hours (timestamps, in order) with fewer than "
        "`share` x the median number of requests per hour, counting hours with no requests."
    )
    hints = (
        "Put a 1 on every timestamp (`pd.Series(1, index=pd.DatetimeIndex(times))`) and "
        "`.resample('1h').sum()`: resample lists every hour, empty ones as 0.",
        "Keep the hours whose count is below `share * counts.median()` and return "
        "`list(counts[...].index)`.",
    )
    answer_code = (
        "def quiet_hours_of(times, share):\n"
        "    counts = pd.Series(1, index=pd.DatetimeIndex(times)).resample('1h').sum()\n"
        "    return list(counts[counts < share * counts.median()].index)"
    )

    def _check(self, answer: Any) -> str:
        if not callable(answer):
            raise Incorrect("`quiet_hours_of` should be a function (def quiet_hours_of(...):).")
        try:
            got = answer(quiet_log_times(), QUIET_SHARE)
        except Exception as error:  # the learner's code may raise anything
            raise Incorrect(f"Your function raised {type(error).__name__}: {error}.") from None
        if got is None:
            raise Incorrect("Your function returned None: `return` the list of hours.")
        try:
            hours = [_as_timestamp(h) for h in got]
        except (TypeError, ValueError):
            raise Incorrect(
                f"Return a list of timestamps (the hours), not {type(got).__name__} of "
                f"{type(next(iter(got), None)).__name__}."
            ) from None
        expected = _hours([3, 5])
        if hours == _hours([5]):
            raise Incorrect(
                "You found the slow hour (05:00) but not the outage at 03:00: an hour with no "
                "requests has no lines in the log, so a group-by never sees it. Count every hour "
                "from the first to the last, empty ones as 0 (resample does that)."
            )
        if hours == _hours([3]):
            raise Incorrect(
                "You found the outage (03:00) but not the slow hour (05:00, 4 requests): compare "
                "with the median hour, not the mean, which the outage itself pulls down."
            )
        if hours != expected:
            shown = [h.strftime("%H:%M") for h in hours]
            raise Incorrect(
                f"You returned {shown}; the quiet hours are 03:00 (none) and 05:00 (4)."
            )
        return (
            "both the outage and the slow hour. Requests per hour is the alert that catches "
            "most outages first, as long as empty hours count as zero."
        )


def _as_timestamp(value: Any) -> Any:
    import pandas as pd

    stamp = pd.Timestamp(value)
    return stamp if stamp.tzinfo else stamp.tz_localize("UTC")


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
q2 = QuietHours()
q3 = ConversionRate()
