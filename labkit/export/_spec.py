"""Reading stage specs at the door: every field checked, every error naming its place.

A *spec* is the plain-data description of one stage (a dict of strings,
numbers and lists) that both the saved-Spark-folder reader and the JSON
document produce. Stages are built only through these helpers, so a document
edited by hand, truncated or hostile fails with :class:`InvalidDocument`
naming the field (``stages[3].labels[0][2]``) instead of failing later with a
wrong answer.

Non-finite numbers travel as the strings ``"Inf"``, ``"-Inf"`` and ``"NaN"``
(Spark writes Bucketizer splits the same way), so documents stay strict JSON.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from labkit.errors import InvalidDocument

#: Upper bounds that keep a hostile document from exhausting memory or time.
MAX_LIST = 50_000_000
MAX_STRING = 100_000
#: Categories of one feature (one-hot ``categorySizes``, a tree split's ``numCategories``):
#: Spark's trees need ``maxBins`` at least this large, far beyond any real use.
MAX_CATEGORIES = 100_000
#: Width of a features vector (HashingTF's largest common setting is 2**20).
MAX_FEATURES = 2**20
#: Integer literals longer than this are not parsed as integers (Python refuses 4,300+ digits).
MAX_INT_DIGITS = 40

_NON_FINITE = {"Inf": math.inf, "Infinity": math.inf, "-Inf": -math.inf,
               "-Infinity": -math.inf, "NaN": math.nan}  # fmt: skip


def invalid(where: str, expected: str, found: Any) -> InvalidDocument:
    """Build the error for field ``where``: what was expected and what was found."""
    shown = repr(found)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return InvalidDocument(
        f"{where}: expected {expected}, found {shown} ({type(found).__name__}). "
        "Re-export the model with labkit.export.export(); do not edit the document by hand.",
        field=where,
    )


def field(spec: Mapping[str, Any], key: str, where: str) -> Any:
    """Return ``spec[key]`` or raise naming the missing field."""
    if not isinstance(spec, Mapping):
        raise invalid(where, "an object", spec)
    if key not in spec:
        raise InvalidDocument(
            f"{where}.{key} is missing (the object has {sorted(spec)[:12]}). Re-export the model.",
            field=f"{where}.{key}",
        )
    return spec[key]


def get_str(spec: Mapping[str, Any], key: str, where: str, *, allow_empty: bool = True) -> str:
    """A string field, at most :data:`MAX_STRING` characters."""
    value = field(spec, key, where)
    check_str(value, f"{where}.{key}", allow_empty=allow_empty)
    return value


def check_str(value: Any, where: str, *, allow_empty: bool = True) -> str:
    """Raise unless ``value`` is a string of sensible length."""
    if not isinstance(value, str) or len(value) > MAX_STRING or (not allow_empty and not value):
        raise invalid(where, "a non-empty string" if not allow_empty else "a string", value)
    return value


def get_choice(spec: Mapping[str, Any], key: str, where: str, choices: tuple[str, ...]) -> str:
    """A string field that must be one of ``choices``."""
    value = field(spec, key, where)
    if value not in choices:
        raise invalid(f"{where}.{key}", f"one of {list(choices)}", value)
    return value


def get_bool(spec: Mapping[str, Any], key: str, where: str) -> bool:
    """A true/false field."""
    value = field(spec, key, where)
    if not isinstance(value, bool):
        raise invalid(f"{where}.{key}", "true or false", value)
    return value


def get_int(
    spec: Mapping[str, Any], key: str, where: str, *, minimum: int = 0, maximum: int = MAX_LIST
) -> int:
    """An integer field in ``[minimum, maximum]``."""
    return check_int(field(spec, key, where), f"{where}.{key}", minimum=minimum, maximum=maximum)


def check_int(value: Any, where: str, *, minimum: int = 0, maximum: int = MAX_LIST) -> int:
    """Raise unless ``value`` is an integer in ``[minimum, maximum]``."""
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise invalid(where, f"an integer between {minimum} and {maximum}", value)
    return value


def check_float(value: Any, where: str, *, finite: bool = False) -> float:
    """Raise unless ``value`` is a number (or ``"Inf"``/``"-Inf"``/``"NaN"``); return a float."""
    if isinstance(value, str) and value in _NON_FINITE:
        value = _NON_FINITE[value]
    elif isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid(where, "a finite number" if finite else "a number", value)
    try:
        value = float(value)
    except OverflowError:  # an integer beyond a double's range
        value = math.inf
    if finite and not math.isfinite(value):
        raise invalid(where, "a finite number", value)
    return value


class LongNumber(str):
    """An integer literal too long to parse (see :func:`parse_int`); no field accepts it."""

    def __repr__(self) -> str:
        return f"<a number of {len(self.lstrip('-'))} digits>"


def parse_int(text: str) -> int | LongNumber:
    """``json.loads``' ``parse_int``: long literals stay text, so validation names their field.

    Examples
    --------
    >>> parse_int("42"), parse_int("9" * 5000)
    (42, <a number of 5000 digits>)
    """
    return int(text) if len(text) <= MAX_INT_DIGITS else LongNumber(text)


def get_float(spec: Mapping[str, Any], key: str, where: str, *, finite: bool = False) -> float:
    """A number field."""
    return check_float(field(spec, key, where), f"{where}.{key}", finite=finite)


def check_list(value: Any, where: str, *, length: int | None = None) -> list[Any]:
    """Raise unless ``value`` is a list (of ``length`` items when given)."""
    if not isinstance(value, list) or len(value) > MAX_LIST:
        raise invalid(where, "a list", value)
    if length is not None and len(value) != length:
        raise InvalidDocument(
            f"{where}: expected {length} items, found {len(value)}. Re-export the model.",
            field=where,
        )
    return value


def get_list(spec: Mapping[str, Any], key: str, where: str, *, length: int | None = None) -> list:
    """A list field (items unchecked)."""
    return check_list(field(spec, key, where), f"{where}.{key}", length=length)


def get_str_list(
    spec: Mapping[str, Any], key: str, where: str, *, length: int | None = None
) -> list[str]:
    """A list-of-strings field."""
    items = get_list(spec, key, where, length=length)
    return [check_str(v, f"{where}.{key}[{i}]") for i, v in enumerate(items)]


def get_columns(spec: Mapping[str, Any], where: str) -> tuple[list[str], list[str]]:
    """A multi-column stage's ``inputCols`` and ``outputCols`` (as many of each)."""
    inputs = get_str_list(spec, "inputCols", where)
    return inputs, get_str_list(spec, "outputCols", where, length=len(inputs))


def get_float_list(
    spec: Mapping[str, Any], key: str, where: str, *, length: int | None = None,
    finite: bool = False,
) -> list[float]:  # fmt: skip
    """A list-of-numbers field."""
    return check_float_list(field(spec, key, where), f"{where}.{key}", length=length, finite=finite)


def check_float_list(
    value: Any, where: str, *, length: int | None = None, finite: bool = False
) -> list[float]:
    """Raise unless ``value`` is a list of numbers; return them as floats."""
    items = check_list(value, where, length=length)
    if all(type(v) is float or type(v) is int and -(2**63) < v < 2**63 for v in items):
        out = [float(v) for v in items]  # the common, fast case
        if finite and not all(math.isfinite(v) for v in out):
            bad = next(i for i, v in enumerate(out) if not math.isfinite(v))
            raise invalid(f"{where}[{bad}]", "a finite number", out[bad])
        return out
    return [check_float(v, f"{where}[{i}]", finite=finite) for i, v in enumerate(items)]


def get_int_list(
    spec: Mapping[str, Any], key: str, where: str, *, length: int | None = None,
    minimum: int = 0, maximum: int = MAX_LIST,
) -> list[int]:  # fmt: skip
    """A list-of-integers field."""
    items = get_list(spec, key, where, length=length)
    return [check_int(v, f"{where}.{key}[{i}]", minimum=minimum, maximum=maximum)
            for i, v in enumerate(items)]  # fmt: skip


def get_optional_thresholds(
    spec: Mapping[str, Any], where: str, classes: int
) -> list[float] | None:
    """The ``thresholds`` field: null, or one non-negative number per class."""
    value = field(spec, "thresholds", where)
    if value is None:
        return None
    out = check_float_list(value, f"{where}.thresholds", length=classes, finite=True)
    if any(t < 0 for t in out) or sum(t == 0 for t in out) > 1:
        raise invalid(f"{where}.thresholds", "numbers >= 0 with at most one 0", value)
    return out


def encode_float(value: float) -> float | str:
    """A float as strict JSON allows: non-finite values become ``"Inf"``, ``"-Inf"``, ``"NaN"``."""
    if math.isfinite(value):
        return value
    if math.isnan(value):
        return "NaN"
    return "Inf" if value > 0 else "-Inf"


def encode_floats(values: list[float]) -> list[float | str]:
    """:func:`encode_float` over a list."""
    return [encode_float(v) for v in values]
