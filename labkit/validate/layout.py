"""The file's shape, read without Spark: field count and header, before anything parses it.

A column dropped upstream makes every line one field short, and Spark's
reader would reject every row as "malformed"; a renamed column only shows in a
header line. Looking at the first lines in plain Python names both problems
for what they are, in milliseconds, and the schema check reports them.
"""

from __future__ import annotations

import collections
import csv
from dataclasses import dataclass
from pathlib import Path

from labkit.validate.report import FAIL, PASS, CheckResult

_PROBE_LINES = 50


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

    @property
    def has_header(self) -> bool:
        """True when the first line names columns instead of holding values."""
        return self.header is not None


def probe_layout(
    path: str | Path, columns: tuple[str, ...] | list[str], *, sep: str = ",", comment: str = "|"
) -> Layout:
    """Read the first lines of ``path``: the usual field count, and a header if there is one.

    The first line counts as a header when at least half of its fields are
    column names we know. The layout is judged wrong only when *no* probed line
    has the expected width; a mix of widths is damaged lines, which the reader
    counts as bad records.

    Examples
    --------
    >>> probe_layout("data/adult.data", ADULT_COLUMNS).field_count  # doctest: +SKIP
    15
    """
    rows = []
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        for line in f:
            if not line.strip() or (comment and line.startswith(comment)):
                continue
            rows.append([field.strip() for field in next(csv.reader([line], delimiter=sep))])
            if len(rows) >= _PROBE_LINES:
                break
    if not rows:
        return Layout(field_count=0, header=None, lines_probed=0, lines_as_expected=0)
    known = sum(token in set(columns) for token in rows[0])
    header = tuple(rows[0]) if known * 2 >= len(rows[0]) else None
    body = rows[1:] if header else rows
    widths = collections.Counter(len(r) for r in body) or collections.Counter([len(rows[0])])
    return Layout(widths.most_common(1)[0][0], header, len(rows), widths[len(columns)])


def check_layout(layout: Layout, columns: tuple[str, ...] | list[str]) -> CheckResult:
    """The ``schema`` check's first half: right number of fields, right header names."""
    expected = list(columns)
    threshold = f"{len(expected)} fields per line; header (if any) = the column spec's names"
    figures = {"fields": layout.field_count, "expected_fields": len(expected),
               "lines_as_expected": layout.lines_as_expected,
               "header": list(layout.header) if layout.header else None}  # fmt: skip
    if layout.header is not None:
        missing = [c for c in expected if c not in layout.header]
        added = [c for c in layout.header if c not in expected]
        if missing or added:
            figures.update(missing_columns=missing, new_columns=added)
            renamed = " (renamed upstream?)" if len(missing) == len(added) else ""
            reason = (
                f"The header lacks {', '.join(missing) or 'nothing'} and adds "
                f"{', '.join(added) or 'nothing'}{renamed}: map the names back or update the "
                "column spec."
            )
            return CheckResult("schema", FAIL, reason, figures, threshold)
    # Some lines of the right width mean damaged lines, not a changed layout: the
    # bad-record check counts those.
    if layout.lines_as_expected == 0:
        change = "dropped" if layout.field_count < len(expected) else "added"
        reason = (
            f"Lines have {layout.field_count} fields but the spec has {len(expected)} columns: "
            f"a column was {change} upstream. Fix the export or update the column spec."
        )
        return CheckResult("schema", FAIL, reason, figures, threshold)
    reason = (
        f"{layout.lines_as_expected} of the first {layout.lines_probed} lines have "
        f"{len(expected)} fields, as the column spec says."
    )
    return CheckResult("schema", PASS, reason, figures, threshold)
