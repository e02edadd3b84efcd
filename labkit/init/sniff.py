"""Look at a CSV file in plain Python and say what it seems to be, with the evidence for each guess.

Nothing here starts Spark: the file is read with the standard ``csv`` module
(the whole file up to :data:`MAX_ROWS` rows), so ``labkit init`` answers in
about a second. Every guess carries one sentence of evidence, which the
config writer prints next to it: a person must be able to check each one.
The types guessed are the ones Spark's parser accepts for every value seen
(a column with a single ``" 12"`` among numbers is read with
``ignore_leading_whitespace`` or stays a string, never a rejected row).
"""

from __future__ import annotations

import collections
import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from labkit.errors import DataError, EmptyDataFile

MAX_ROWS = 200_000
NULL_TOKENS = ("NA", "N/A", "null", "NULL", "None", "?", "nan", "NaN", "-")
DELIMITERS = (",", ";", "\t", "|")
COMMENT_CHARS = ("#", "|", "%")
#: A string column with more distinct values than this is not a category.
MAX_CATEGORIES = 100
LABEL_NAMES = re.compile(r"(label|target|class|outcome|y|survived|churn\w*|default|income|is_\w+)$")
_INT = re.compile(r"[+-]?\d+")
_DOUBLE = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_DATE_FORMATS = (
    (re.compile(r"\d{4}-\d{1,2}-\d{1,2}"), None),
    (re.compile(r"\d{4}/\d{1,2}/\d{1,2}"), "yyyy/MM/dd"),
    (re.compile(r"\d{1,2}\.\d{1,2}\.\d{4}"), "dd.MM.yyyy"),
)
#: Spark's pattern for a timestamp with a space and seconds (R's and SQL's way of writing one).
SPACED_TIMESTAMP_FORMAT = "yyyy-MM-dd HH:mm:ss"
_SPACED_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")


@dataclass
class Guess:
    """One guessed setting and why."""

    value: object
    evidence: str


@dataclass
class ColumnFacts:
    """What one column holds, in the rows looked at."""

    name: str
    kind: Guess
    distinct: int
    nulls: int
    examples: list[str]
    #: The most common values and their counts.
    top: list[tuple[str, int]]
    #: The distinct values present (for the evidence of dates).
    seen: frozenset[str] = frozenset()
    role: Guess = field(default_factory=lambda: Guess("", ""))


@dataclass
class FileFacts:
    """Everything ``labkit init`` found out about a file."""

    path: Path
    rows: int
    complete: bool
    layout: dict[str, Guess]
    columns: list[ColumnFacts]
    notes: list[str]


def sniff(path: str | Path) -> FileFacts:
    """Inspect ``path``: layout, then each column's type, nulls, cardinality and likely role.

    Examples
    --------
    >>> facts = sniff("data/adult.data")
    >>> facts.layout["ignore_leading_whitespace"].value, facts.columns[0].kind.value
    (True, 'int')
    """
    path = Path(path)
    raw = path.read_bytes()
    notes: list[str] = []
    layout: dict[str, Guess] = {}
    text = _decode(raw, layout, notes)
    lines = text.splitlines(keepends=True)
    comment = _comment_char(lines, layout)
    body = "".join(
        line for line in lines if line.strip() and not (comment and line.startswith(comment))
    )
    if not body:
        raise EmptyDataFile(f"{path} holds no data lines: nothing to inspect.")
    sep = _delimiter(body, layout)
    _quoting(body, layout)
    rows = list(csv.reader(io.StringIO(body), delimiter=sep, quotechar='"',
                           doublequote=True))[: MAX_ROWS + 1]  # fmt: skip
    header = _header(rows, layout)
    data = rows[1:] if header else rows
    width = collections.Counter(len(r) for r in data).most_common(1)[0][0]
    data = [r for r in data if len(r) == width]
    names = _names(header, width, layout)
    _spaces(data, layout)
    null_value = _null_token(data, layout)
    strip = layout["ignore_leading_whitespace"].value or layout["ignore_trailing_whitespace"].value
    columns = [
        _column(name, [r[i] for r in data], null_value, bool(strip), layout)
        for i, name in enumerate(names)
    ]
    complete = len(rows) <= MAX_ROWS
    _roles(columns, len(data), notes)
    return FileFacts(path, len(data), complete, layout, columns, notes)


def _decode(raw: bytes, layout: dict[str, Guess], notes: list[str]) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        notes.append("The file starts with a UTF-8 byte-order mark; Spark drops it at the start.")
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
        layout["encoding"] = Guess("UTF-8", "every byte decodes as UTF-8")
    except UnicodeDecodeError as error:
        text = raw.decode("iso-8859-1")
        layout["encoding"] = Guess(
            "ISO-8859-1", f"byte {error.start} is not valid UTF-8 ({raw[error.start]:#x})"
        )
    return text


def _comment_char(lines: list[str], layout: dict[str, Guess]) -> str | None:
    starts = [line[0] for line in lines[:5] if line.strip()]
    for char in COMMENT_CHARS:
        if starts and starts[0] == char:
            count = sum(line.startswith(char) for line in lines)
            layout["comment"] = Guess(
                char, f"{count} line(s) start with {char!r}, data lines do not"
            )
            return char
    return None


def _delimiter(body: str, layout: dict[str, Guess]) -> str:
    sample = body.splitlines()[:200]
    best, best_share, best_width = ",", -1.0, 0
    for sep in DELIMITERS:
        widths = collections.Counter(
            len(next(csv.reader([line], delimiter=sep))) for line in sample
        )
        width, count = widths.most_common(1)[0]
        share = count / len(sample) if width > 1 else 0.0
        if share > best_share or (share == best_share and width > best_width):
            best, best_share, best_width = sep, share, width
    if best_width <= 1:
        raise DataError(
            "Could not find a separator: no line of the first 200 splits on "
            f"{', '.join(map(repr, DELIMITERS))}. Is this a CSV file?"
        )
    layout["sep"] = Guess(best, f"{best_share:.0%} of the first {len(sample)} lines split into "
                                f"{best_width} fields on {best!r}")  # fmt: skip
    return best


def _quoting(body: str, layout: dict[str, Guess]) -> None:
    quoted = sum('"' in line for line in body.splitlines())
    if quoted:
        layout["quote"] = Guess('"', f'{quoted} line(s) quote a value with "')
    if '""' in body:
        layout["escape"] = Guess('"', 'quotes inside values are doubled ("") as in RFC 4180')
    reader = csv.reader(io.StringIO(body))
    multi = any(reader.line_num != n for n, _ in enumerate(reader, start=1))
    if multi:
        layout["multi_line"] = Guess(True, "a quoted value holds a line break")


def _header(rows: list[list[str]], layout: dict[str, Guess]) -> list[str] | None:
    first, rest = rows[0], rows[1:51]
    numeric_below = [i for i in range(len(first)) if rest and _numeric(rest, i)]
    names_look = all(v.strip() and not _DOUBLE.fullmatch(v.strip()) for v in first)
    distinct = len({v.strip() for v in first}) == len(first)
    is_header = names_look and distinct and (bool(numeric_below) or len(rows) > 1)
    if is_header and numeric_below:
        column = first[numeric_below[0]]
        why = f"the first line has no numbers, while column {column!r} below is numeric"
    elif is_header:
        why = "the first line's values are all distinct, non-numeric names"
    else:
        why = "the first line holds values (a number, an empty or a repeated field), not names"
    layout["header"] = Guess(is_header, why)
    return [v.strip() for v in first] if is_header else None


def _numeric(rows: list[list[str]], i: int) -> bool:
    return all(_DOUBLE.fullmatch(r[i].strip()) for r in rows if i < len(r) and r[i].strip())


def _names(header: list[str] | None, width: int, layout: dict[str, Guess]) -> list[str]:
    if header and len(header) == width:
        return header
    return [f"c{i}" for i in range(width)]


def _spaces(data: list[list[str]], layout: dict[str, Guess]) -> None:
    values = [v for r in data[:2000] for v in r if v]
    lead = sum(v[0] == " " for v in values)
    trail = sum(v[-1] == " " for v in values)
    layout["ignore_leading_whitespace"] = Guess(
        lead > 0, f"{lead:,} of {len(values):,} values start with a space"
    )
    layout["ignore_trailing_whitespace"] = Guess(
        trail > 0, f"{trail:,} of {len(values):,} values end with a space"
    )


def _null_token(data: list[list[str]], layout: dict[str, Guess]) -> str | None:
    counts = collections.Counter(v.strip() for r in data for v in r if v.strip() in NULL_TOKENS)
    empty = sum(1 for r in data for v in r if not v.strip())
    if counts:
        token, count = counts.most_common(1)[0]
        layout["null_value"] = Guess(
            token, f"{token!r} appears {count:,} times; empty values: {empty:,}"
        )
        return token
    layout["null_value"] = Guess(None, f"no usual missing-value marker; empty values: {empty:,} "
                                       "(Spark reads those as null)")  # fmt: skip
    return None


def _column(name: str, values: list[str], null: str | None, strip: bool, layout) -> ColumnFacts:
    cleaned = [v.strip() if strip else v for v in values]
    present = [v for v in cleaned if v != "" and v != null]
    kind = _kind(present, layout)
    examples = list(dict.fromkeys(present))[:3]
    top = collections.Counter(present).most_common(5)
    distinct = set(present)
    seen = frozenset(distinct) if kind.value in ("date", "timestamp") else frozenset()
    return ColumnFacts(name, kind, len(distinct), len(values) - len(present), examples, top, seen)


def _kind(values: list[str], layout: dict[str, Guess]) -> Guess:
    n = len(values)
    if not values:
        return Guess("string", "every value is missing")
    if all(_INT.fullmatch(v) for v in values):
        big = any(abs(int(v)) >= 2**31 for v in values)
        return Guess("bigint" if big else "int", f"all {n:,} values are whole numbers")
    if all(_DOUBLE.fullmatch(v) for v in values):
        return Guess("double", f"all {n:,} values are numbers")
    for pattern, fmt in _DATE_FORMATS:
        if all(pattern.fullmatch(v) for v in values):
            existing = layout.get("date_format")
            if fmt and existing is None:
                layout["date_format"] = Guess(
                    fmt, f"dates are written as {fmt}, e.g. {values[0]!r}"
                )
            if fmt is None or existing is None or existing.value == fmt:
                return Guess("date", f"all {n:,} values are dates, e.g. {values[0]!r}")
    if all(_TIMESTAMP.fullmatch(v) for v in values):
        if all(_SPACED_TIMESTAMP.fullmatch(v) for v in values) and "timestamp_format" not in layout:
            layout["timestamp_format"] = Guess(
                SPACED_TIMESTAMP_FORMAT,
                f"timestamps are written as {SPACED_TIMESTAMP_FORMAT}, e.g. {values[0]!r}",
            )
        span = f"from {min(values)} to {max(values)}"
        return Guess("timestamp", f"all {n:,} values are timestamps, {span}")
    return Guess("string", "text")


def _roles(columns: list[ColumnFacts], rows: int, notes: list[str]) -> None:
    label = _label(columns, rows)
    for c in columns:
        kind = c.kind.value
        if c is label:
            continue
        if kind in ("date", "timestamp"):
            c.role = Guess("ignore", _date_evidence(c))
        elif c.distinct == rows and kind in ("int", "bigint", "string"):
            c.role = Guess("ignore", f"an id: {c.distinct:,} distinct values in {rows:,} rows")
        elif kind == "string" and c.distinct > MAX_CATEGORIES:
            c.role = Guess("ignore", f"free text or an id: {c.distinct:,} distinct values")
        elif kind == "string":
            c.role = Guess("categorical", f"{c.distinct} distinct values")
        elif c.nulls:
            why = (
                f"{c.nulls:,} missing values: Spark's VectorAssembler refuses a null number; "
                "fill them first (e.g. pyspark.ml.feature.Imputer) if you want this column"
            )
            c.role = Guess("ignore", why)
        elif c.distinct <= 1:
            c.role = Guess("ignore", "a constant: it cannot tell rows apart")
        else:
            c.role = Guess("numeric", f"{kind}, {c.distinct:,} distinct values")
    if label is None:
        notes.append("No column has exactly two values: set [spec] label and classes yourself.")


def _date_evidence(column: ColumnFacts) -> str:
    """Why a date or timestamp column is left out, with the days it spans."""
    days = sorted({value[:10] for value in column.seen})
    return (
        f"a {column.kind.value} over {len(days)} day(s), {days[0]} to {days[-1]}: the model "
        "never sees next week's dates, so as it is it teaches nothing; derive features from "
        "it (hour, weekday) if time matters, and split weeks by it, not at random"
    )


def _label(columns: list[ColumnFacts], rows: int) -> ColumnFacts | None:
    binary = [c for c in columns if c.distinct == 2]
    if not binary:
        return None
    named = [c for c in binary if LABEL_NAMES.search(c.name.lower())]
    label = named[0] if named else binary[-1]
    why = "its name says so" if named else "the last column with exactly two values"
    others = [c.name for c in binary if c is not label] or "none"
    missing = (
        f"; {label.nulls:,} rows have none: retrain leaves them out and counts them"
        if label.nulls
        else ""
    )
    label.role = Guess("label", f"two values; {why}; other two-valued columns: {others}{missing}")
    return label
