"""Self-checking exercises: a declaration per exercise, a verdict that teaches.

An exercise is a small class: what to do (``prompt``), hints from gentle to
explicit, a solution (``answer_code``), and ``_check(answer)`` that returns a short note when the
answer is right or raises :class:`Incorrect` with a message that guesses the
mistake. Learners call ``check``, ``hint`` and ``solution`` on an instance;
tests call ``evaluate``, which returns the :class:`Outcome` instead of printing it.

Most exercises need no ``_check`` of their own: :class:`EqualityCheck` compares
a value with the one a solution computes, :class:`FunctionCheck` runs the
learner's function on a few cases, :class:`DeclaredMistakes` judges an object
(a fitted model, an evaluator) by tests of it. All three declare their typical
mistakes as data, ``(wrong answer or test, message that teaches)``, so the
tests can try every one.

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
from collections.abc import Callable, Iterable, Mapping, Sequence
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


def close(answer: Any, expected: Any, *, rel_tol: float = 1e-6, abs_tol: float = 1e-9) -> bool:
    """True when ``answer`` equals ``expected``, numbers (also nested) within tolerance.

    Examples
    --------
    >>> close(0.1 + 0.2, 0.3), close([1, 2.0000000001], (1, 2)), close({"a": 1}, {"a": 2})
    (True, True, False)
    >>> close(True, 1)
    False
    """
    if isinstance(expected, bool) or isinstance(answer, bool):
        return type(answer) is type(expected) and answer == expected
    if _is_number(expected) and _is_number(answer):
        return math.isclose(float(answer), float(expected), rel_tol=rel_tol, abs_tol=abs_tol)
    if isinstance(expected, Mapping) and isinstance(answer, Mapping):
        return answer.keys() == expected.keys() and all(
            close(answer[k], expected[k], rel_tol=rel_tol, abs_tol=abs_tol) for k in expected
        )
    if _is_sequence(expected) and _is_sequence(answer):
        return len(answer) == len(expected) and all(
            close(a, e, rel_tol=rel_tol, abs_tol=abs_tol)
            for a, e in zip(answer, expected, strict=True)
        )
    try:
        return bool(answer == expected)
    except (TypeError, ValueError):  # e.g. numpy arrays compare element-wise
        return False


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return not isinstance(value, (str, bytes))


def _is_sequence(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


class EqualityCheck(Exercise):
    """An exercise whose answer is one value, compared with the value :meth:`solve` computes.

    Declare ``name`` (the learner's variable), optionally ``expected_type``,
    ``mistakes`` (pairs of a typical wrong value, or a function of the exercise
    returning one, and the message that explains it), ``right_note`` (may use
    ``{expected}``) and ``otherwise`` (said when the answer is wrong in a way
    nobody foresaw; the expected value is never given away).

    Examples
    --------
    >>> class Share(EqualityCheck):
    ...     prompt = "Set `share` to the fraction of 3 in 12."
    ...     answer_code = "share = 3 / 12"
    ...     name, expected_type = "share", (int, float)
    ...     mistakes = ((25, "That is a percentage: give a fraction between 0 and 1."),
    ...                 (lambda self: 12 / 3, "Upside down: divide the part by the whole."))
    ...     right_note = "{expected:.0%}."
    ...     def solve(self):
    ...         return 3 / 12
    >>> q = Share()
    >>> q.check(0.25)
    Correct: 25%.
    >>> q.check(4.0)
    Not yet: Upside down: divide the part by the whole.
    >>> q.check("0.25")
    Not yet: `share` should be a int or float, but it is a str.
    >>> q.check(0.3)
    Not yet: `share` is 0.3, which is not it yet. Re-read the cells above the exercise.
    """

    name: ClassVar[str] = "answer"
    expected_type: ClassVar[type | tuple[type, ...] | None] = None
    mistakes: ClassVar[tuple[tuple[Any, str], ...]] = ()
    right_note: ClassVar[str] = "{expected!r}."
    otherwise: ClassVar[str] = "Re-read the cells above the exercise."
    rel_tol: ClassVar[float] = 1e-6
    abs_tol: ClassVar[float] = 1e-9

    def solve(self) -> Any:
        """Compute the right answer (the reference solution, run for real), as prepared."""
        raise NotImplementedError

    def expected(self) -> Any:
        """The right answer, computed once."""
        if not hasattr(self, "_expected"):
            self._expected = self.solve()
        return self._expected

    def typical_mistakes(self) -> list[tuple[Any, str]]:
        """The declared wrong answers, as values."""
        return [(wrong(self) if callable(wrong) else wrong, why) for wrong, why in self.mistakes]

    def prepare(self, answer: Any) -> Any:
        """Turn an answer (or a declared mistake) into what is compared; identity by default."""
        return answer

    def explain(self, answer: Any, expected: Any) -> str | None:
        """A message for a wrong prepared answer no declared mistake matched, or None."""
        return None

    def _same(self, answer: Any, value: Any) -> bool:
        return close(answer, value, rel_tol=self.rel_tol, abs_tol=self.abs_tol)

    def _check(self, answer: Any) -> str:
        if self.expected_type is not None:
            check_type(answer, self.expected_type, self.name)
        given, expected = self.prepare(answer), self.expected()
        if self._same(given, expected):
            return self.right_note.format(expected=expected)
        for wrong, why in self.typical_mistakes():
            if self._same(given, self.prepare(wrong)):
                raise Incorrect(why)
        why = self.explain(given, expected)
        if why:
            raise Incorrect(why)
        raise Incorrect(f"`{self.name}` is {answer!r}, which is not it yet. {self.otherwise}")


class FunctionCheck(Exercise):
    """An exercise where the learner writes a function, run on :meth:`cases` and compared.

    A right function returns what :meth:`reference` returns on every case.

    ``mistakes`` pairs a typical wrong function with the message that explains
    it: when the learner's function gives the same results as that one on every
    case, the learner sees that message. Otherwise the first failing case is
    shown with what was expected.

    Examples
    --------
    >>> class Ratio(FunctionCheck):
    ...     prompt = "Write `bad_ratio(bad, total)`: the fraction of bad rows (0 when total is 0)."
    ...     answer_code = "def bad_ratio(bad, total):\\n    return bad / total if total else 0.0"
    ...     name = "bad_ratio"
    ...     mistakes = ((lambda bad, total: bad / (total - bad) if total else 0.0,
    ...                  "That divides by the good rows; divide by all rows."),)
    ...     def cases(self):
    ...         return [(1, 10), (0, 0), (5, 5)]
    ...     def reference(self, bad, total):
    ...         return bad / total if total else 0.0
    >>> q = Ratio()
    >>> q.check(lambda bad, total: bad / total if total else 0.0)
    Correct: `bad_ratio` gives the right answer on all 3 cases.
    >>> q.check(lambda bad, total: bad / total)
    Not yet: bad_ratio(0, 0) raised ZeroDivisionError: division by zero
    >>> q.check(lambda bad, total: 0.1)
    Not yet: bad_ratio(0, 0) returned 0.1; it should return 0.0.
    >>> q.check(lambda bad, total: None)  # doctest: +ELLIPSIS
    Not yet: `bad_ratio` returned None: replace the `...` in its body with your code and ...
    >>> q.check(42)
    Not yet: `bad_ratio` should be a function (def bad_ratio(...): ...), but it is a int.
    """

    name: ClassVar[str] = "answer"
    mistakes: ClassVar[tuple[tuple[Callable[..., Any], str], ...]] = ()
    right_note: ClassVar[str] = "`{name}` gives the right answer on all {cases} cases."
    rel_tol: ClassVar[float] = 1e-6
    abs_tol: ClassVar[float] = 1e-9

    def cases(self) -> Iterable[tuple[Any, ...]]:
        """The argument tuples the function is called with."""
        raise NotImplementedError

    def reference(self, *args: Any) -> Any:
        """What a right function returns for ``args``."""
        raise NotImplementedError

    def _same(self, answer: Any, value: Any) -> bool:
        return close(answer, value, rel_tol=self.rel_tol, abs_tol=self.abs_tol)

    def _call(self, function: Callable[..., Any], args: tuple[Any, ...]) -> tuple[bool, Any]:
        try:
            return True, function(*args)
        except Exception as error:  # the learner's code may raise anything
            return False, error

    def _behaves_like(
        self, answer: Callable[..., Any], wrong: Callable[..., Any], cases: list[tuple[Any, ...]]
    ) -> bool:
        for args in cases:
            (ok_a, a), (ok_w, w) = self._call(answer, args), self._call(wrong, args)
            same = self._same(a, w) if ok_a else type(a) is type(w)
            if ok_a != ok_w or not same:
                return False
        return True

    def _check(self, answer: Any) -> str:
        if not callable(answer):
            raise Incorrect(
                f"`{self.name}` should be a function (def {self.name}(...): ...), "
                f"but it is a {type(answer).__name__}."
            )
        cases = list(self.cases())
        for wrong, why in self.mistakes:
            if self._behaves_like(answer, wrong, cases):
                raise Incorrect(why)
        for args in cases:
            shown = f"{self.name}({', '.join(map(repr, args))})"
            ok, got = self._call(answer, args)
            if not ok:
                raise Incorrect(f"{shown} raised {type(got).__name__}: {got}")
            want = self.reference(*args)
            if got is None and want is not None:
                raise Incorrect(
                    f"`{self.name}` returned None: replace the `...` in its body with your code "
                    "and `return` the result."
                )
            if not self._same(got, want):
                raise Incorrect(f"{shown} returned {got!r}; it should return {want!r}.")
        return self.right_note.format(name=self.name, cases=len(cases))


class DeclaredMistakes(Exercise):
    """An exercise whose answer is an object, judged by declared mistakes.

    ``mistakes`` pairs a test of the answer (True when the answer makes that
    mistake) with the message that explains it; they are tried in order, so
    list the most basic first. When none matches, :meth:`verdict` has the last
    word (it may still raise :class:`Incorrect`) and returns the note for a
    right answer.

    Examples
    --------
    >>> class Even(DeclaredMistakes):
    ...     mistakes = ((lambda n: n % 2 == 1, "Odd: add one."),)
    ...     def verdict(self, answer):
    ...         return f"{answer} is even."
    >>> Even().check(3)
    Not yet: Odd: add one.
    >>> Even().check(4)
    Correct: 4 is even.
    """

    mistakes: ClassVar[tuple[tuple[Callable[[Any], bool], str], ...]] = ()

    def verdict(self, answer: Any) -> str:
        """The note for an answer no declared mistake matched (or raise :class:`Incorrect`)."""
        raise NotImplementedError

    def _check(self, answer: Any) -> str:
        for makes_it, why in self.mistakes:
            if makes_it(answer):
                raise Incorrect(why)
        return self.verdict(answer)
