"""The one JSON encoding of labkit: strict RFC 8259 text in and out.

JSON has no ``NaN`` or ``Infinity`` (Python's :mod:`json` accepts and writes
them only as an extension) and a double cannot hold ``1e999`` or an integer of
thousands of digits. Every JSON text labkit writes (responses, scoring logs,
``labkit score`` output, exported documents, gate reports) goes through
:func:`dumps`, which refuses non-finite numbers; every JSON text it reads from
a client or a file goes through :func:`loads`, which refuses those numbers,
too-deep nesting and broken syntax with a :class:`~labkit.errors.InvalidJson`
naming the field (``rows[3].age``) or the line and column.

A float that can legitimately be infinite *inside a model* (a tree split, a
bucket edge) travels in an exported document as the string ``"Inf"``,
``"-Inf"`` or ``"NaN"`` (see ``labkit.export``); a prediction, probability or
logged value that is not finite is an error, never an answer.

Examples
--------
>>> loads('{"row": {"age": 39}}')
{'row': {'age': 39}}
>>> loads('{"rows": [{"age": 1e999}]}')
Traceback (most recent call last):
...
labkit.errors.InvalidJson: rows[0].age: 1e999 is beyond the range of a double ...
>>> dumps({"probability": [float("nan"), 0.5]})
Traceback (most recent call last):
...
labkit.errors.InvalidJson: probability[0]: nan is not a finite number; JSON has no NaN ...
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Any

from labkit.errors import InvalidJson

#: Integers with more digits than this cannot be a double (max about 1.8e308): refused.
MAX_INT_DIGITS = 309


class _Refused:
    """Stands in for a number the parser met but labkit refuses, until its path is known."""

    def __init__(self, text: str, problem: str) -> None:
        self.text = text
        self.problem = problem


def loads(text: str | bytes) -> Any:
    """Parse strict JSON: no NaN/Infinity, numbers within a double's range, bounded nesting.

    Parameters
    ----------
    text : str or bytes
        The JSON text (bytes are decoded as UTF-8).

    Returns
    -------
    value : Any
        Plain Python data (dict, list, str, int, float, bool, None).

    Raises
    ------
    InvalidJson
        With ``field`` naming the path of a refused number (``row.age``), or
        ``None`` and the line and column for broken syntax, invalid UTF-8 or
        nesting too deep for the parser.

    Examples
    --------
    >>> loads('[1, 2.5, "x", null]')
    [1, 2.5, 'x', None]
    >>> loads('{"age": NaN}')
    Traceback (most recent call last):
    ...
    labkit.errors.InvalidJson: age: NaN is not valid JSON (RFC 8259 has no NaN or Infinity); ...
    """
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidJson(f"not UTF-8 ({exc.reason} at byte {exc.start}).") from exc
    refused: list[_Refused] = []
    try:
        value = json.loads(
            text,
            parse_int=_int_parser(refused),
            parse_float=_float_parser(refused),
            parse_constant=_constant_parser(refused),
        )
    except json.JSONDecodeError as exc:
        raise InvalidJson(
            f"not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})."
        ) from exc
    except RecursionError as exc:
        raise InvalidJson(
            "nested too deeply: brackets inside brackets go deeper than the parser allows "
            "(about 1,000 levels). Send flat rows."
        ) from exc
    if refused:
        path = find_path(value, lambda item: item is refused[0])
        raise InvalidJson(f"{path or 'value'}: {refused[0].problem}", field=path or None)
    return value


def dumps(value: Any, *, default: Callable[[Any], Any] | None = None, **options: Any) -> str:
    """Write strict JSON; a NaN or infinite float is an :class:`InvalidJson` naming its path.

    ``default`` and ``options`` are those of :func:`json.dumps` (``allow_nan`` is
    always False).

    Examples
    --------
    >>> dumps({"probability": [0.25, 0.75]}, separators=(",", ":"))
    '{"probability":[0.25,0.75]}'
    """
    try:
        return json.dumps(value, allow_nan=False, default=default, **options)
    except ValueError as exc:
        found = _first(value, _is_non_finite)
        if found is None:
            raise
        path, bad = found
        raise InvalidJson(
            f"{path or 'value'}: {bad!r} is not a finite number; JSON has no NaN or Infinity "
            "and labkit never writes them.",
            field=path or None,
        ) from exc


def find_path(value: Any, wanted: Callable[[Any], bool]) -> str | None:
    """The path (``rows[3].age``) of the first item ``wanted`` accepts, or None; no recursion.

    The root itself is the empty path ``""``.

    Examples
    --------
    >>> find_path({"rows": [{"age": 1}, {"age": None}]}, lambda item: item is None)
    'rows[1].age'
    """
    found = _first(value, wanted)
    return None if found is None else found[0]


def _first(value: Any, wanted: Callable[[Any], bool]) -> tuple[str, Any] | None:
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, item = stack.pop()
        if wanted(item):
            return path, item
        if isinstance(item, dict):
            children = [(f"{path}.{k}" if path else str(k), v) for k, v in item.items()]
        elif isinstance(item, list | tuple):
            children = [(f"{path}[{i}]", v) for i, v in enumerate(item)]
        else:
            continue
        stack.extend(reversed(children))  # depth first, in document order
    return None


def first_non_finite(value: Any) -> tuple[str, float] | None:
    """(path, value) of the first NaN or infinite float in ``value``, or None.

    Examples
    --------
    >>> first_non_finite({"probability": [0.5, float("nan")]})
    ('probability[1]', nan)
    >>> first_non_finite({"probability": [0.5, 0.5]}) is None
    True
    """
    return _first(value, _is_non_finite)


def non_finite_problem(output: Any, row: Mapping[str, Any], model: str | None) -> str | None:
    """Why a model's ``output`` for ``row`` is not an answer (it holds NaN or an infinity), or None.

    A prediction that overflowed is an error, never an answer: the server
    answers 422 with this text and ``labkit score`` writes it as the line's error.

    Examples
    --------
    >>> print(non_finite_problem({"raw": [-math.inf, 1.0]}, {"age": 1e308}, "1.0.0"))
    the model cannot score this row: its raw[0] is -inf ... its largest input is age=1e+308. ...
    """
    found = first_non_finite(output)
    if found is None:
        return None
    path, value = found
    numbers = [(abs(v), k, v) for k, v in row.items()
               if isinstance(v, int | float) and not isinstance(v, bool)]  # fmt: skip
    largest = f"; its largest input is {max(numbers)[1]}={max(numbers)[2]!r}" if numbers else ""
    return (
        f"the model cannot score this row: its {path or 'output'} is {value!r} (a number "
        f"overflowed inside model {model}){largest}. Send values in the range the "
        "model was trained on."
    )


def _is_non_finite(item: Any) -> bool:
    return isinstance(item, float) and not math.isfinite(item)


def _int_parser(refused: list[_Refused]) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        if len(text) - text.startswith("-") <= MAX_INT_DIGITS:
            number = int(text)
            try:
                float(number)
            except OverflowError:
                pass
            else:
                return number
        shown = text if len(text) <= 24 else f"an integer of {len(text):,} digits"
        return _note(refused, text, f"{shown} is beyond the range of a double (about 1.8e308).")

    return parse


def _float_parser(refused: list[_Refused]) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        number = float(text)
        if math.isfinite(number):
            return number
        shown = text if len(text) <= 24 else text[:21] + "..."
        return _note(
            refused,
            text,
            f"{shown} is beyond the range of a double (about 1.8e308); "
            "send a finite number, or null if unknown.",
        )

    return parse


def _constant_parser(refused: list[_Refused]) -> Callable[[str], Any]:
    def parse(name: str) -> Any:
        return _note(
            refused,
            name,
            f"{name} is not valid JSON (RFC 8259 has no NaN or Infinity); "
            "send null for a missing number.",
        )

    return parse


def _note(refused: list[_Refused], text: str, problem: str) -> _Refused:
    marker = _Refused(text, problem)
    refused.append(marker)
    return marker
