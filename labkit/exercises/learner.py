"""Make the learners' copies of the chapters: solutions removed, outputs cleared.

The solved chapters in ``notebooks/`` are the one source. In a code cell, the
lines from ``# BEGIN SOLUTION`` to ``# END SOLUTION`` are the answer; the
learner's copy in ``notebooks/exercises/`` keeps everything else, so the cell
still reads ``answer = ...  # your answer`` followed by the check.

Run ``python -m labkit.exercises.learner`` after changing a chapter;
``python -m labkit.exercises.learner --check`` exits 1 when a copy has drifted.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

BEGIN, END = "# BEGIN SOLUTION", "# END SOLUTION"
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def strip_solutions(source: str) -> str:
    """Return cell source without the lines between (and including) the solution markers.

    Examples
    --------
    >>> print(strip_solutions("x = ...\\n# BEGIN SOLUTION\\nx = 1\\n# END SOLUTION\\ncheck(x)"))
    x = ...
    check(x)
    """
    kept, inside = [], False
    for line in source.splitlines(keepends=True):
        marker = line.strip()
        if marker == BEGIN:
            if inside:
                raise ValueError(f"nested {BEGIN!r} in cell:\n{source}")
            inside = True
        elif marker == END:
            if not inside:
                raise ValueError(f"{END!r} without {BEGIN!r} in cell:\n{source}")
            inside = False
        elif not inside:
            kept.append(line)
    if inside:
        raise ValueError(f"{BEGIN!r} without {END!r} in cell:\n{source}")
    return "".join(kept).rstrip("\n")


def learner_copy(notebook: dict[str, Any]) -> dict[str, Any]:
    """Return the learner's version of a solved notebook (as nbformat JSON)."""
    cells = []
    for cell in notebook["cells"]:
        cell = json.loads(json.dumps(cell))  # a deep copy of plain JSON
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "code":
            cell["source"] = strip_solutions(source)
            cell["outputs"] = []
            cell["execution_count"] = None
        cell.get("metadata", {}).pop("execution", None)
        cells.append(cell)
    return {**notebook, "cells": cells}


def render(notebook: dict[str, Any]) -> str:
    """Serialise a notebook the way Jupyter writes it (indent 1, trailing newline)."""
    return json.dumps(notebook, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def chapters(folder: Path = NOTEBOOKS) -> list[Path]:
    """The solved chapter notebooks, in order."""
    return sorted(folder.glob("[0-9][0-9]_*.ipynb"))


def sync(folder: Path = NOTEBOOKS, *, check: bool = False) -> list[Path]:
    """Write (or, with ``check``, compare) every learner copy; return the ones that differed."""
    out_dir = folder / "exercises"
    out_dir.mkdir(exist_ok=True)
    differing = []
    for chapter in chapters(folder):
        text = render(learner_copy(json.loads(chapter.read_text(encoding="utf-8"))))
        target = out_dir / chapter.name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            differing.append(target)
            if not check:
                target.write_text(text, encoding="utf-8")
    return differing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report drifted copies")
    args = parser.parse_args(argv)
    differing = sync(check=args.check)
    for path in differing:
        verb = "out of date" if args.check else "written"
        print(f"{path.relative_to(NOTEBOOKS.parent)}: {verb}")
    if args.check and differing:
        print("Run `python -m labkit.exercises.learner` and commit the result.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
