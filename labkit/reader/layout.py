"""The file's shape, read without Spark: field count and header, before anything parses it.

A column dropped upstream makes every line one field short, and Spark's reader
would reject every row as malformed; a renamed column only shows in a header
line. Looking at the first lines in plain Python names both problems for what
they are, in milliseconds. :func:`read_csv <labkit.reader.read_csv>` uses this
probe to fail early, and the retrain gate's schema check reports from it.
"""

from __future__ import annotations

import collections
import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from labkit.errors import EmptyDataFile, WrongColumnCount

#: How many leading data lines are looked at to decide the file's layout.
PROBE_LINES = 50


@dataclass(frozen=True)
class Layout:
    """What the first lines of a file look like.

    Examples
    --------
    >>> Layout(field_count=15, header=None, lines_probed=50, lines_as_expected=50).has_header
    False
    """

    field_count: int
    header: tuple[str, ...] | None
    lines_probed: int
    #: Probed lines with as many fields as the column spec has columns.
    lines_as_expected: int
    #: (line number, field count) of the first data line, for error messages.
    first_data_line: tuple[int, int] | None = None

    @property
    def has_header(self) -> bool:
        """True when the first line names columns instead of holding values."""
        return self.header is not None


def _data_lines(f, comment: str | None, numbers: list[int]) -> Iterator[str]:
    for number, line in enumerate(f, start=1):
        if not line.strip() or (comment and line.startswith(comment)):
            continue
        numbers.append(number)
        yield line


def probe_layout(
    path: str | Path,
    columns: Sequence[str],
    *,
    sep: str = ",",
    comment: str | None = "|",
    header: bool | None = None,
    quote: str = '"',
    encoding: str = "utf-8",
) -> Layout:
    """Read the first lines of ``path``: the usual field count, and a header if there is one.

    With ``header=None`` the first line counts as a header when at least half
    of its fields are names in ``columns``; ``True`` or ``False`` say so. The
    layout is wrong only when *no* probed line has the expected width; a mix of
    widths is damaged lines, which the reader counts as bad records.

    Examples
    --------
    >>> layout = probe_layout("data/adult.data", [f"c{i}" for i in range(15)])
    >>> layout.field_count, layout.lines_as_expected, layout.has_header
    (15, 50, False)
    """
    rows: list[tuple[int, list[str]]] = []
    numbers: list[int] = []
    with open(path, encoding=encoding, errors="replace", newline="") as f:
        reader = csv.reader(_data_lines(f, comment, numbers), delimiter=sep, quotechar=quote)
        for fields in reader:
            rows.append((numbers[-1], [token.strip() for token in fields]))
            if len(rows) >= PROBE_LINES:
                break
    if not rows:
        return Layout(field_count=0, header=None, lines_probed=0, lines_as_expected=0)
    first = rows[0][1]
    if header is None:
        header = sum(token in set(columns) for token in first) * 2 >= len(first)
    body = rows[1:] if header else rows
    widths = collections.Counter(len(r) for _, r in body) or collections.Counter([len(first)])
    first_data = (body[0][0], len(body[0][1])) if body else None
    return Layout(
        field_count=widths.most_common(1)[0][0],
        header=tuple(first) if header else None,
        lines_probed=len(rows),
        lines_as_expected=widths[len(columns)] if body else 0,
        first_data_line=first_data,
    )


def require_layout(path: Path, layout: Layout, columns: Sequence[str], sep: str) -> None:
    """Raise when the file holds no data lines, or when none has as many fields as ``columns``.

    Raises
    ------
    EmptyDataFile, WrongColumnCount
    """
    if layout.first_data_line is None:
        raise EmptyDataFile(
            f"{path} holds no data rows ({path.stat().st_size} bytes). "
            "Check that the file was fully written or downloaded."
        )
    if layout.lines_as_expected == 0:
        number, width = layout.first_data_line
        raise WrongColumnCount(
            f"{path}, line {number}: found {width} fields separated by {sep!r}, but the schema "
            f"has {len(columns)} columns ({', '.join(columns)}). "
            f"Check the separator (sep=...) and that the schema matches this file."
        )
