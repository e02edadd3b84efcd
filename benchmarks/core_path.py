"""Estimate how long each chapter takes a learner, core path and optional parts apart.

An estimate from the learner copies (``notebooks/exercises/``), not a stopwatch
on real learners: prose read at 200 words a minute, code read at 15 lines a
minute, the cells' own run time as measured when the solved chapter was last
executed (``metadata.execution`` of each cell in ``notebooks/``, matched by cell
id), and 5 minutes per exercise, attempted once with one retry.

A part is optional from a markdown heading that starts with ``Optional:`` down
to the next heading of the same or a higher level that does not; a code cell
belongs to the part its first line falls in. Exercises (cells calling
``ex.qN.check``) count where they stand.

Run from the repository root::

    python benchmarks/core_path.py            # a markdown table
    python benchmarks/core_path.py --json     # the same figures as JSON
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WORDS_PER_MINUTE = 200
CODE_LINES_PER_MINUTE = 15
MINUTES_PER_EXERCISE = 5
HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
OPTIONAL = re.compile(r"^optional\s*:", re.IGNORECASE)
EXERCISE = re.compile(r"\bex\.q\d+\.check\(")


@dataclass
class Part:
    """What a learner meets in one part of a chapter (core or optional)."""

    words: int = 0
    code_lines: int = 0
    run_seconds: float = 0.0
    exercises: int = 0
    headings: list[str] = field(default_factory=list)

    @property
    def minutes(self) -> float:
        """The estimated minutes: reading, running and the exercises."""
        return (
            self.words / WORDS_PER_MINUTE
            + self.code_lines / CODE_LINES_PER_MINUTE
            + self.run_seconds / 60
            + self.exercises * MINUTES_PER_EXERCISE
        )


@dataclass
class Chapter:
    """A chapter's core and optional parts."""

    name: str
    core: Part
    optional: Part


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def run_seconds(cell: dict[str, Any]) -> float:
    """Seconds a code cell took when it was last executed (0 when not recorded).

    Examples
    --------
    >>> run_seconds({"metadata": {"execution": {
    ...     "iopub.execute_input": "2026-12-02T15:07:15.5Z",
    ...     "shell.execute_reply": "2026-12-02T15:07:18.0Z"}}})
    2.5
    >>> run_seconds({"metadata": {}})
    0.0
    """
    timing = cell.get("metadata", {}).get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not start or not end:
        return 0.0
    parse = lambda stamp: datetime.fromisoformat(stamp.replace("Z", "+00:00"))  # noqa: E731
    return max(0.0, (parse(end) - parse(start)).total_seconds())


class _Sections:
    """Tracks whether the text read so far is inside an optional section."""

    def __init__(self) -> None:
        self.optional_level: int | None = None

    def heading(self, level: int, title: str) -> None:
        if OPTIONAL.match(title):
            if self.optional_level is None or level <= self.optional_level:
                self.optional_level = level
        elif self.optional_level is not None and level <= self.optional_level:
            self.optional_level = None

    @property
    def optional(self) -> bool:
        return self.optional_level is not None


def measure(
    learner: dict[str, Any], solved: dict[str, Any] | None = None, name: str = ""
) -> Chapter:
    """Split a learner copy into core and optional parts and measure each.

    Parameters
    ----------
    learner : dict
        The learner copy, as read from its ``.ipynb`` JSON.
    solved : dict, optional
        The solved chapter, whose cells hold the measured run times.
    name : str
        The chapter's name, for the table.

    Examples
    --------
    >>> notebook = {"cells": [
    ...     {"cell_type": "markdown", "source": "# Title\\nfour words of prose"},
    ...     {"cell_type": "code", "source": "x = 1\\n\\ny = 2"},
    ...     {"cell_type": "markdown", "source": "## Optional: more\\nten words"},
    ...     {"cell_type": "code", "source": "z = 3"},
    ...     {"cell_type": "markdown", "source": "### inside it\\n## Exercises"},
    ...     {"cell_type": "code", "source": "a = ...\\nex.q1.check(a)"},
    ... ]}
    >>> chapter = measure(notebook)
    >>> chapter.core.words, chapter.core.code_lines, chapter.core.exercises
    (6, 4, 1)
    >>> chapter.optional.words, chapter.optional.code_lines, chapter.optional.headings
    (6, 1, ['Optional: more'])
    """
    times = {
        cell.get("id"): run_seconds(cell)
        for cell in (solved or {}).get("cells", [])
        if cell.get("cell_type") == "code"
    }
    core, optional, sections = Part(), Part(), _Sections()
    for cell in learner.get("cells", []):
        text = _source(cell)
        if cell.get("cell_type") == "markdown":
            for line in text.splitlines():
                found = HEADING.match(line)
                if found:
                    line = found.group(2).strip()
                    sections.heading(len(found.group(1)), line)
                    if sections.optional and OPTIONAL.match(line):
                        optional.headings.append(line)
                (optional if sections.optional else core).words += len(line.split())
        elif cell.get("cell_type") == "code":
            part = optional if sections.optional else core
            part.code_lines += sum(1 for line in text.splitlines() if line.strip())
            part.run_seconds += times.get(cell.get("id"), 0.0)
            part.exercises += len(EXERCISE.findall(text))
    return Chapter(name, core, optional)


def chapters(root: Path = ROOT) -> list[Chapter]:
    """Measure every chapter that has a learner copy, in order.

    Raises
    ------
    FileNotFoundError
        When ``notebooks/exercises/`` holds no learner copy (run
        ``python -m labkit.exercises.learner`` first).
    """
    copies = sorted((root / "notebooks" / "exercises").glob("[0-9][0-9]_*.ipynb"))
    if not copies:
        raise FileNotFoundError(
            f"No learner copies in {root / 'notebooks' / 'exercises'}: "
            "run `python -m labkit.exercises.learner` first."
        )
    found = []
    for copy in copies:
        solved_path = root / "notebooks" / copy.name
        solved = json.loads(solved_path.read_text()) if solved_path.exists() else None
        found.append(measure(json.loads(copy.read_text()), solved, copy.stem))
    return found


def table(found: list[Chapter]) -> str:
    """The markdown table: minutes per chapter, core and optional, and the totals.

    Examples
    --------
    >>> print(table([Chapter("00_x", Part(words=2000), Part(exercises=1))]))
    | chapter | core path | optional | of which run time | exercises |
    | --- | ---: | ---: | ---: | ---: |
    | 00_x | 10 min | 5 min | 0.0 min | 0 + 1 |
    | **total** | **10 min (0 h 10)** | **5 min** | 0.0 min | 0 + 1 |
    """
    lines = [
        "| chapter | core path | optional | of which run time | exercises |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for chapter in found:
        core, optional = chapter.core, chapter.optional
        run_minutes = (core.run_seconds + optional.run_seconds) / 60
        lines.append(
            f"| {chapter.name} | {core.minutes:.0f} min | "
            f"{optional.minutes:.0f} min | {run_minutes:.1f} min | "
            f"{core.exercises} + {optional.exercises} |"
        )
    core_total = sum(c.core.minutes for c in found)
    optional_total = sum(c.optional.minutes for c in found)
    run_total = sum(c.core.run_seconds + c.optional.run_seconds for c in found) / 60
    hours, minutes = divmod(round(core_total), 60)
    lines.append(
        f"| **total** | **{core_total:.0f} min ({hours} h {minutes:02d})** | "
        f"**{optional_total:.0f} min** | {run_total:.1f} min | "
        f"{sum(c.core.exercises for c in found)} + {sum(c.optional.exercises for c in found)} |"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the table (or JSON) for the chapters under ``--root``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="the repository root")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    found = chapters(args.root)
    if args.json:
        print(json.dumps([asdict(c) for c in found], indent=2))
    else:
        print(table(found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
