"""Reading prediction requests at the door: every problem named by its field.

The model server accepts one row or a batch::

    {"key": "user-17", "row": {"age": 39, "workclass": "State-gov", ...}}
    {"keys": ["user-17", "user-18"], "rows": [{...}, {...}]}

``key``/``keys`` are optional (a request without a key gets a random one, so
it is routed at random rather than stably). Every row must have exactly the
model's input fields, numbers where the model expects numbers and strings
(or null, for a missing category) where it expects categories. Anything else
is a :class:`~labkit.errors.BadRequest` naming the field, e.g. ``rows[3].age``.
"""

from __future__ import annotations

import difflib
import json
import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from labkit import _json
from labkit.errors import BadRequest, InvalidJson

#: Largest batch one request may carry; bigger ones should be split (or scored offline).
MAX_BATCH = 10_000
#: The JSON type names an input schema uses.
NUMBER, STRING = "number", "string"


@dataclass(frozen=True)
class PredictRequest:
    """A checked request: rows to score, one key each, and whether it was a batch."""

    rows: list[dict[str, Any]]
    keys: list[str]
    batch: bool


def parse_predict_request(body: bytes, schema: Mapping[str, str]) -> PredictRequest:
    """Parse and check a ``POST /predict`` body against the model's input schema.

    Parameters
    ----------
    body : bytes
        The raw request body (UTF-8 JSON).
    schema : mapping of str to str
        Input field name -> ``"number"`` or ``"string"``.

    Returns
    -------
    request : PredictRequest

    Raises
    ------
    BadRequest
        With ``field`` naming the part at fault and ``http_status`` 400 for a
        body that is not JSON, 422 for JSON that is not a valid request.

    Examples
    --------
    >>> parse_predict_request(b'{"key": "u1", "row": {"age": 39}}', {"age": "number"})
    PredictRequest(rows=[{'age': 39}], keys=['u1'], batch=False)
    >>> parse_predict_request(b'{"row": {"age": "39"}}', {"age": "number"})
    Traceback (most recent call last):
    ...
    labkit.errors.BadRequest: row.age: expected a number, got string "39".
    """
    payload = _decode(body)
    if "row" in payload and "rows" in payload:
        raise _unprocessable("row", "send either 'row' (one row) or 'rows' (a batch), not both.")
    if "row" in payload:
        _check_keys_allowed(payload, {"row", "key"})
        row = check_row(payload["row"], schema, "row")
        return PredictRequest([row], [_key(payload.get("key"), "key")], batch=False)
    if "rows" in payload:
        _check_keys_allowed(payload, {"rows", "keys"})
        rows = _check_rows(payload["rows"], schema)
        return PredictRequest(rows, _keys(payload.get("keys"), len(rows)), batch=True)
    raise _unprocessable(
        "row",
        f"missing field 'row' (or 'rows' for a batch); the body has {sorted(payload)}. "
        'Send {"key": "user-1", "row": {...}}.',
    )


def check_row(row: Any, schema: Mapping[str, str], where: str) -> dict[str, Any]:
    """Return ``row`` if it has exactly the schema's fields with the right types.

    Raises
    ------
    BadRequest
        Naming ``where.field`` for a missing, unknown or wrongly typed field.
    """
    if not isinstance(row, dict):
        raise _unprocessable(where, f"expected an object of input fields, got {_shown(row)}.")
    for name in row:  # unknown names first: a typo then gets "did you mean", not "missing"
        if name not in schema:
            close = difflib.get_close_matches(name, list(schema), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise _unprocessable(f"{where}.{name}", f"unknown field {name!r}.{hint}")
    missing = [name for name in schema if name not in row]
    if missing:
        raise _unprocessable(
            f"{where}.{missing[0]}",
            f"missing field(s) {missing}; the model needs {list(schema)}.",
        )
    for name, value in row.items():
        _check_value(value, schema[name], f"{where}.{name}")
    return row


def _check_value(value: Any, kind: str, where: str) -> None:
    if kind == NUMBER:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _unprocessable(where, f"expected a number, got {_shown(value)}.")
        if not math.isfinite(value):
            raise _unprocessable(where, f"expected a finite number, got {value!r}.")
    elif value is not None and not isinstance(value, str):
        raise _unprocessable(where, f"expected a string (or null if unknown), got {_shown(value)}.")


def _decode(body: bytes) -> dict[str, Any]:
    objects = body.count(b"{")
    if objects > MAX_BATCH + 1:  # refused before parsing: each object costs memory to build
        raise BadRequest(
            f"body: {objects:,} JSON objects in one request; a batch holds at most "
            f"{MAX_BATCH:,} rows (one object each). Split it.",
            "body",
            http_status=413,
        )
    try:
        payload = _json.loads(body)
    except InvalidJson as exc:
        message = str(exc) if exc.field else f"body: {exc}"
        raise BadRequest(message, exc.field or "body") from exc
    if not isinstance(payload, dict):
        raise _unprocessable("body", f"expected a JSON object, got {_shown(payload)}.")
    return payload


def _check_keys_allowed(payload: dict[str, Any], allowed: set[str]) -> None:
    extra = sorted(payload.keys() - allowed)
    if extra:
        raise _unprocessable(extra[0], f"unknown field(s) {extra}; expected {sorted(allowed)}.")


def _check_rows(rows: Any, schema: Mapping[str, str]) -> list[dict[str, Any]]:
    if not isinstance(rows, list) or not rows:
        raise _unprocessable("rows", f"expected a non-empty list of rows, got {_shown(rows)}.")
    if len(rows) > MAX_BATCH:
        raise BadRequest(
            f"rows: {len(rows):,} rows in one request; the limit is {MAX_BATCH:,}. Split them.",
            "rows",
            http_status=413,
        )
    return [check_row(row, schema, f"rows[{i}]") for i, row in enumerate(rows)]


def _key(value: Any, where: str) -> str:
    if value is None:
        return uuid.uuid4().hex  # no key: routed at random, not stably
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise _unprocessable(where, f"expected a string or integer key, got {_shown(value)}.")
    return str(value)


def _keys(values: Any, count: int) -> list[str]:
    if values is None:
        return [_key(None, "keys") for _ in range(count)]
    if not isinstance(values, list) or len(values) != count:
        length = len(values) if isinstance(values, list) else _shown(values)
        raise _unprocessable(
            "keys", f"expected a list of {count} keys (one per row), got {length}."
        )
    return [_key(value, f"keys[{i}]") for i, value in enumerate(values)]


def _unprocessable(where: str, problem: str) -> BadRequest:
    return BadRequest(f"{where}: {problem}", where, http_status=422)


def _shown(value: Any) -> str:
    names = {dict: "object", list: "list", str: "string", bool: "boolean", type(None): "null"}
    kind = names.get(type(value), type(value).__name__)
    text = json.dumps(value) if kind != "object" else "{...}"
    text = text if len(text) <= 40 else text[:37] + "..."
    return f"{kind} {text}"
