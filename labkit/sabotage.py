"""Broken copies of a real data file, for testing the retrain gate (and chapter 06).

Each function reads a file in the Adult layout (comma-separated, no header,
the label last) and writes a damaged copy, the way real pipelines break: an
export that garbles most lines, a column that arrives as zeros, labels
shuffled or flipped by a bad join, a column dropped or renamed upstream, the
same file appended twice. Nothing here is committed as data: the copies are
made from ``data/`` on demand, with a seed where chance is involved.

:data:`SABOTAGE_CASES` names each case and the gate check meant to stop it.

Examples
--------
>>> out = make_sabotaged("duplicated", "data/adult.data", tmp_path / "twice.csv")
>>> sum(1 for line in open(out) if line.strip())
65122
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from labkit.data import ADULT_COLUMNS

_SEP = ","
#: Default columns of the column cases.
ZEROED_COLUMN, DROPPED_COLUMN, RENAMED_COLUMN = "hours-per-week", "education", "hours-per-week"


def _split(path: str | Path) -> tuple[list[str], list[list[str]]]:
    """(comment lines, data lines as field lists); blank lines are dropped."""
    comments, rows = [], []
    with open(path, encoding="utf-8", newline="") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            if line.startswith("|"):
                comments.append(line)
            else:
                rows.append(line.split(_SEP))
    return comments, rows


def _write(path: str | Path, lines: list[str]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _rows_out(comments: list[str], rows: list[list[str]]) -> list[str]:
    return [*comments, *(_SEP.join(r) for r in rows)]


def _column_index(name: str, columns: tuple[str, ...]) -> int:
    if name not in columns:
        raise ValueError(f"unknown column {name!r}; the columns are {', '.join(columns)}")
    return columns.index(name)


def malformed(src: str | Path, dst: str | Path, *, fraction: float = 0.9, seed: int = 7) -> Path:
    """Garble ``fraction`` of the lines: each loses its last three fields (an export cut short)."""
    if not 0 <= fraction <= 1:
        raise ValueError(f"fraction must be between 0 and 1, got {fraction}")
    comments, rows = _split(src)
    rng = random.Random(seed)
    chosen = set(rng.sample(range(len(rows)), round(fraction * len(rows))))
    out = [row[:-3] if i in chosen else row for i, row in enumerate(rows)]
    return _write(dst, _rows_out(comments, out))


def zero_column(
    src: str | Path, dst: str | Path, *, column: str = ZEROED_COLUMN, columns=ADULT_COLUMNS
) -> Path:
    """Set a numeric column to 0 on every line (a join that lost its source)."""
    index = _column_index(column, columns)
    comments, rows = _split(src)
    out = [[*r[:index], " 0", *r[index + 1 :]] for r in rows]
    return _write(dst, _rows_out(comments, out))


def shuffle_labels(src: str | Path, dst: str | Path, *, seed: int = 7) -> Path:
    """Shuffle the last field across lines: same label balance, no link to the features."""
    comments, rows = _split(src)
    labels = [r[-1] for r in rows]
    random.Random(seed).shuffle(labels)
    out = [[*r[:-1], label] for r, label in zip(rows, labels, strict=True)]
    return _write(dst, _rows_out(comments, out))


def flip_labels(src: str | Path, dst: str | Path, *, classes=("<=50K", ">50K")) -> Path:
    """Swap the two label values on every line (a yes/no mix-up upstream); keeps a trailing dot."""
    first, second = classes
    comments, rows = _split(src)

    def flipped(label: str) -> str:
        core = label.strip().rstrip(".")
        if core not in classes:
            raise ValueError(f"label {label!r} is not one of {classes}")
        new = second if core == first else first
        return label.replace(core, new)

    out = [[*r[:-1], flipped(r[-1])] for r in rows]
    return _write(dst, _rows_out(comments, out))


def drop_column(
    src: str | Path, dst: str | Path, *, column: str = DROPPED_COLUMN, columns=ADULT_COLUMNS
) -> Path:
    """Remove one column from every line (the producer stopped exporting it)."""
    index = _column_index(column, columns)
    comments, rows = _split(src)
    out = [[*r[:index], *r[index + 1 :]] for r in rows]
    return _write(dst, _rows_out(comments, out))


def rename_column(
    src: str | Path,
    dst: str | Path,
    *,
    column: str = RENAMED_COLUMN,
    new_name: str = "hours_per_week",
    columns=ADULT_COLUMNS,
) -> Path:
    """Write the file with a header line in which one column has a new name."""
    index = _column_index(column, columns)
    header = [*columns[:index], new_name, *columns[index + 1 :]]
    comments, rows = _split(src)
    return _write(dst, [*comments, _SEP.join(header), *(_SEP.join(r) for r in rows)])


def duplicated(src: str | Path, dst: str | Path) -> Path:
    """The file's data lines twice over (an append that ran twice)."""
    comments, rows = _split(src)
    return _write(dst, _rows_out(comments, rows + rows))


@dataclass(frozen=True)
class SabotageCase:
    """One way to break the data, and the gate check that must stop it."""

    name: str
    make: Callable[..., Path]
    blocked_by: str
    story: str


#: Every case, by name: what it does and which check must fail.
SABOTAGE_CASES: dict[str, SabotageCase] = {
    case.name: case
    for case in (
        SabotageCase("malformed", malformed, "bad_records", "90% of the lines cut short"),
        SabotageCase("zero_column", zero_column, "feature_drift", "hours-per-week all zeros"),
        SabotageCase("shuffled_labels", shuffle_labels, "quality_fixed_test", "labels shuffled"),
        SabotageCase("flipped_labels", flip_labels, "label_balance", "labels swapped"),
        SabotageCase("dropped_column", drop_column, "schema", "education column dropped"),
        SabotageCase("renamed_column", rename_column, "schema", "header renames a column"),
        SabotageCase("duplicated", duplicated, "input_size", "the file appended twice"),
    )
}


def make_sabotaged(name: str, src: str | Path, dst: str | Path) -> Path:
    """Write the sabotage case ``name`` of ``src`` to ``dst``; return ``dst``.

    Raises
    ------
    KeyError
        For an unknown case, listing the known ones.
    """
    if name not in SABOTAGE_CASES:
        raise KeyError(f"unknown sabotage case {name!r}; known: {', '.join(SABOTAGE_CASES)}")
    return SABOTAGE_CASES[name].make(src, dst)
