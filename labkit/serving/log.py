"""The scoring log: one JSON line per scored row, exactly as it was scored.

When a prediction is questioned weeks later ("why was this customer
blocked?"), the answer must not depend on re-creating the features: the log
keeps the input exactly as the model received it, the model version, the
output, the latency and, when a shadow model ran, the shadow's output.

Layout of a log file (JSON Lines, UTF-8, appended to, never rewritten)::

    {"ts": "2026-11-21T07:00:00.000+00:00", "request_id": "9f0c...", "key": "u17",
     "arm": "champion", "version": "3", "input": {...}, "output": {...},
     "latency_ms": 0.021, "batch_size": 1, "shadow_version": "4",
     "shadow_output": {...}, "shadow_latency_ms": 0.019, "shadow_error": null}

:class:`ScoringLog` writes records (thread-safe); :func:`read_scoring_log`
reads them back and names the file, line and field of anything it cannot use.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import MISSING, asdict, dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from labkit import _json
from labkit.errors import BadScoringLog, InvalidJson

#: The arms a request can be routed to.
ARMS: tuple[str, ...] = ("champion", "challenger", "control")


@dataclass(frozen=True)
class Scored:
    """One scored row: what went in, which model answered, what came out.

    ``output`` is ``None`` for the control arm (no model answered). Latencies
    are milliseconds per row; a row scored in a batch of ``batch_size`` rows
    gets an equal share of the batch call's time.

    Examples
    --------
    >>> record = Scored(ts="2026-11-21T07:00:00.000+00:00", request_id="r1", key="u1",
    ...                 arm="champion", version="1", input={"age": 39},
    ...                 output={"probability": 0.2}, latency_ms=0.05)
    >>> Scored.from_json(record.to_json()) == record
    True
    """

    ts: str
    request_id: str
    key: str
    arm: str
    version: str | None
    input: dict[str, Any]
    output: Any
    latency_ms: float
    batch_size: int = 1
    shadow_version: str | None = None
    shadow_output: Any = None
    shadow_latency_ms: float | None = None
    shadow_error: str | None = None

    @property
    def time(self) -> datetime:
        """``ts`` as a timezone-aware datetime."""
        return datetime.fromisoformat(self.ts)

    def to_json(self) -> str:
        """The record as one line of JSON (no newline)."""
        return _json.dumps(asdict(self), separators=(",", ":"), default=_plain)

    @classmethod
    def from_json(cls, line: str, *, where: str = "record") -> Scored:
        """Rebuild a record from :meth:`to_json`'s line; ``where`` prefixes error messages.

        Raises
        ------
        BadScoringLog
            When the line is not JSON, or a field is missing, unknown or of the wrong type.
        """
        try:
            raw = _json.loads(line)
        except InvalidJson as exc:
            if exc.field:
                raise BadScoringLog(f"{where}: {exc}") from exc
            raise BadScoringLog(
                f"{where}: {exc} Each line of a scoring log must be one complete JSON object; "
                "was the file cut off while writing?"
            ) from exc
        if not isinstance(raw, dict):
            raise BadScoringLog(f"{where}: expected a JSON object, got {type(raw).__name__}.")
        _check_fields(raw, where)
        return cls(**raw)


class ScoringLog:
    """Append :class:`Scored` records to a JSON Lines file, one line each, safely from threads.

    Parameters
    ----------
    path : str or Path
        The log file; created (with its folder) if missing, appended to if not.
        When a crash left its last line unfinished, the first record starts on
        a fresh line (the fragment stays, and the reader skips it by name).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "scoring.jsonl"
    >>> record = Scored(ts="2026-11-21T07:00:00.000+00:00", request_id="r1", key="u1",
    ...                 arm="control", version=None, input={"age": 39}, output=None,
    ...                 latency_ms=0.0)
    >>> with ScoringLog(path) as log:
    ...     log.write(record)
    >>> read_scoring_log(path) == [record]
    True
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Line buffering: each record reaches the file when written, so a crash
        # loses at most the line being written.
        self._file = open(self.path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115
        self._lock = threading.Lock()
        if _ends_mid_line(self.path):
            self._file.write("\n")

    def write(self, record: Scored) -> None:
        """Append one record as one line."""
        line = record.to_json() + "\n"
        with self._lock:
            self._file.write(line)

    def write_all(self, records: Iterable[Scored]) -> None:
        """Append several records, keeping them together in the file."""
        text = "".join(record.to_json() + "\n" for record in records)
        with self._lock:
            self._file.write(text)

    def close(self) -> None:
        """Flush and close the file; later writes raise ``ValueError``."""
        with self._lock:
            self._file.close()

    def __enter__(self) -> ScoringLog:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class ScoringRecords(list):
    """The records :func:`read_scoring_log` read, with what it had to skip.

    A list of :class:`Scored`; ``skipped`` counts damaged lines and ``problems``
    names each one (file, line, what is wrong).
    """

    def __init__(self, records: Iterable[Scored] = (), problems: Iterable[str] = ()) -> None:
        super().__init__(records)
        self.problems: list[str] = list(problems)

    @property
    def skipped(self) -> int:
        """How many lines were skipped as damaged."""
        return len(self.problems)


def iter_scoring_log(
    path: str | Path, *, strict: bool = False, problems: list[str] | None = None
) -> Iterator[Scored]:
    """Yield the records of a scoring log one at a time (for logs too big for memory).

    A damaged line (cut off by a crash, invalid UTF-8, not a record) is skipped
    and described in ``problems`` (when given), or stops the reading when
    ``strict``.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    BadScoringLog
        When ``strict``, at the first damaged line, naming the file, line and field.
    """
    with open(path, "rb") as lines:
        for number, raw in enumerate(lines, start=1):
            where = f"{path}, line {number}"
            try:
                line = _decoded(raw, where)
                if line.strip():
                    yield Scored.from_json(line, where=where)
            except BadScoringLog as problem:
                if strict:
                    raise
                if problems is not None:
                    problems.append(str(problem))


def read_scoring_log(path: str | Path, *, strict: bool = False) -> ScoringRecords:
    """Read every record of a scoring log, in the order written, reading past damaged lines.

    Returns
    -------
    records : ScoringRecords
        A list of :class:`Scored`, with ``skipped`` and ``problems`` for the
        damaged lines; a :class:`UserWarning` says how many there were.

    Raises
    ------
    BadScoringLog
        When ``strict``, at the first damaged line.

    Examples
    --------
    See :class:`ScoringLog`.
    """
    problems: list[str] = []
    records = ScoringRecords(iter_scoring_log(path, strict=strict, problems=problems), problems)
    if problems:
        warnings.warn(
            f"skipped {len(problems)} damaged line(s) of {path}; the first: {problems[0]} "
            "(all in the result's .problems)",
            UserWarning,
            stacklevel=2,
        )
    return records


def _decoded(raw: bytes, where: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadScoringLog(
            f"{where}: not UTF-8 ({exc.reason} at byte {exc.start}); labkit writes UTF-8 only, "
            "so the line was damaged on disk."
        ) from exc


def _ends_mid_line(path: Path) -> bool:
    """True when the file's last byte is not a newline (a crash cut the last record)."""
    with open(path, "rb") as file:
        if file.seek(0, 2) == 0:
            return False
        file.seek(-1, 2)
        return file.read(1) != b"\n"


# Each field's accepted JSON types; output and shadow_output may be anything.
_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "ts": (str,),
    "request_id": (str,),
    "key": (str,),
    "arm": (str,),
    "version": (str, type(None)),
    "input": (dict,),
    "latency_ms": (int, float),
    "batch_size": (int,),
    "shadow_version": (str, type(None)),
    "shadow_latency_ms": (int, float, type(None)),
    "shadow_error": (str, type(None)),
}
_REQUIRED = {f.name for f in fields(Scored) if f.default is MISSING}
_KNOWN = {f.name for f in fields(Scored)}


def _check_fields(raw: dict[str, Any], where: str) -> None:
    missing = sorted(_REQUIRED - raw.keys())
    if missing:
        raise BadScoringLog(f"{where}: missing field(s) {missing}; every record needs them.")
    unknown = sorted(raw.keys() - _KNOWN)
    if unknown:
        raise BadScoringLog(
            f"{where}: unknown field(s) {unknown}; expected only {sorted(_KNOWN)}. "
            "Was this line written by labkit's ScoringLog?"
        )
    for name, types in _FIELD_TYPES.items():
        value = raw.get(name)
        if name in raw and (isinstance(value, bool) or not isinstance(value, types)):
            expected = " or ".join("null" if t is type(None) else t.__name__ for t in types)
            raise BadScoringLog(
                f"{where}: field {name!r} should be {expected}, got {type(value).__name__} "
                f"{value!r:.60}."
            )
    if raw["arm"] not in ARMS:
        raise BadScoringLog(f"{where}: field 'arm' is {raw['arm']!r}; expected one of {ARMS}.")
    try:
        datetime.fromisoformat(raw["ts"])
    except ValueError as exc:
        raise BadScoringLog(f"{where}: field 'ts' is {raw['ts']!r}, not an ISO 8601 time.") from exc


def plain_output(value: Any) -> Any:
    """A scorer's output as plain JSON data: what the log writes and the server sends.

    ``labkit.export`` predictions become their ``to_dict()``; numpy values become
    Python numbers and lists; plain data passes through unchanged.

    Examples
    --------
    >>> plain_output({"probability": [0.9, 0.1]})
    {'probability': [0.9, 0.1]}
    """
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


def _plain(value: Any) -> Any:
    """JSON fallback for values a scorer left in an output (numpy scalars, arrays, predictions)."""
    plain = plain_output(value)
    if plain is value:
        raise TypeError(f"cannot write {type(value).__name__} {value!r:.60} to a scoring log")
    return plain
