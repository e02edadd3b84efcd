"""Self-checking exercises: a declaration per exercise, a verdict that teaches.

An exercise is a small class: what to do (``prompt``), hints from gentle to
explicit, a solution (``answer_code``), and ``_check(answer)`` that returns a short note when the
answer is right or raises :class:`Incorrect` with a message that guesses the
mistake. Learners call ``check``, ``hint`` and ``solution`` on an instance;
tests call ``evaluate``, which returns the :class:`Outcome` instead of printing it.

Examples
--------
>>> class Double(Exercise):
...     prompt = "Set `answer` to twice 21."
...     hints = ("Multiply by 2.",)
...     answer_code = "answer = 21 * 2"
...     def _check(self, answer):
...         if answer == 21:
...             raise Incorrect("That is 21 itself: multiply it by 2.")
...         check_equal(answer, 42, "answer")
...         return "the answer to everything."
>>> q = Double()
>>> q.check(...)
Not attempted yet: replace `...` with your answer, then run the cell again.
>>> q.check(21)
Not yet: That is 21 itself: multiply it by 2.
>>> q.check(42)
Correct: the answer to everything.
>>> q.evaluate(42).correct
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar


class Incorrect(Exception):
    """Raised by a checker: the answer is wrong, and the message says why."""


@dataclass(frozen=True)
class Outcome:
    """The verdict on one attempt."""

    status: str  # "correct", "incorrect" or "not attempted"
    message: str

    @property
    def correct(self) -> bool:
        """True when the answer was accepted."""
        return self.status == "correct"

    def __str__(self) -> str:
        prefix = {"correct": "Correct", "incorrect": "Not yet", "not attempted": ""}[self.status]
        return f"{prefix}: {self.message}" if prefix else self.message


class Exercise:
    """Base class of every exercise; subclasses declare, this class runs."""

    prompt: ClassVar[str] = ""
    hints: ClassVar[tuple[str, ...]] = ()
    answer_code: ClassVar[str] = ""

    def __init__(self) -> None:
        self._hints_shown = 0

    def _check(self, answer: Any) -> str:
        """Return a short note for a right answer; raise :class:`Incorrect` otherwise."""
        raise NotImplementedError

    def evaluate(self, answer: Any = ...) -> Outcome:
        """Return the verdict on ``answer`` without printing it."""
        if answer is ...:
            return Outcome(
                "not attempted",
                "Not attempted yet: replace `...` with your answer, then run the cell again.",
            )
        try:
            return Outcome("correct", self._check(answer))
        except Incorrect as wrong:
            return Outcome("incorrect", str(wrong))

    def check(self, answer: Any = ...) -> None:
        """Check ``answer`` and print the verdict."""
        print(self.evaluate(answer))

    def hint(self) -> None:
        """Print the next hint (each call is a little more explicit)."""
        if not self.hints:
            print("No hint for this one: re-read the cells just above it.")
            return
        index = min(self._hints_shown, len(self.hints) - 1)
        self._hints_shown += 1
        print(f"Hint {index + 1} of {len(self.hints)}: {self.hints[index]}")

    def solution(self) -> None:
        """Print one solution (try the hints first)."""
        print(self.answer_code)

    def __repr__(self) -> str:
        return f"{type(self).__name__}: {self.prompt}"


def check_type(answer: Any, expected: type | tuple[type, ...], name: str) -> None:
    """Raise :class:`Incorrect` unless ``answer`` is an instance of ``expected``."""
    if not isinstance(answer, expected):
        names = (
            " or ".join(t.__name__ for t in expected)
            if isinstance(expected, tuple)
            else expected.__name__
        )
        raise Incorrect(f"`{name}` should be a {names}, but it is a {type(answer).__name__}.")


def check_equal(answer: Any, expected: Any, name: str, *, rel_tol: float = 1e-9) -> None:
    """Raise :class:`Incorrect` naming both values unless ``answer`` equals ``expected``.

    Numbers are compared with a relative tolerance, so 0.1 + 0.2 counts as 0.3.
    """
    numbers = (int, float)
    if (
        isinstance(expected, numbers)
        and isinstance(answer, numbers)
        and not isinstance(answer, bool)
    ):
        if math.isclose(answer, expected, rel_tol=rel_tol):
            return
    elif answer == expected:
        return
    raise Incorrect(f"`{name}` is {answer!r}, but it should be {expected!r}.")
