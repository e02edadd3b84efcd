"""The schema check's first half: the file's shape against the column spec.

The probe itself (:func:`labkit.reader.probe_layout`, re-exported here) reads
the first lines without Spark; this module judges what it found.
"""

from __future__ import annotations

from collections.abc import Sequence

from labkit.reader.layout import Layout, probe_layout
from labkit.validate.report import FAIL, PASS, CheckResult

__all__ = ["Layout", "check_layout", "probe_layout"]


def check_layout(layout: Layout, columns: Sequence[str]) -> CheckResult:
    """The ``schema`` check's first half: right number of fields, right header names.

    Examples
    --------
    >>> layout = Layout(field_count=14, header=None, lines_probed=50, lines_as_expected=0)
    >>> check_layout(layout, [f"c{i}" for i in range(15)]).verdict
    'fail'
    """
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
