"""Every learner copy in ``notebooks/exercises/`` runs top to bottom with a real kernel.

The copies carry no outputs, so this is an execution check, not nbval: each
copy is executed with nbclient (``labkit.run_notebooks.execute``, as ``make run``
does) in its own kernel (and so its own Spark), in a temporary folder, as a
learner's Run All would run it before answering anything. No cell may raise
(except one tagged ``raises-exception``), and every exercise cell must say it
was not attempted ("Not attempted yet: ..."): an unanswered check is no error.

Under ``--dist loadfile`` each copy is its own unit of work (``SPREAD_OUT`` in
``tests/conftest.py``), so the copies spread over the workers.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from labkit.exercises.learner import BEGIN, NOTEBOOKS
from labkit.run_notebooks import execute

COPIES = sorted((NOTEBOOKS / "exercises").glob("[0-9][0-9]_*.ipynb"))
NOT_ATTEMPTED = "not attempted"  # what an unanswered check prints, in any case
#: Seconds one cell may take on a loaded 2-core machine.
CELL_TIMEOUT_S = 600

pytestmark = pytest.mark.spark


def exercise_cells(chapter: nbformat.NotebookNode) -> list[int]:
    """Indices of the solved chapter's cells that hold an answer (the exercise cells)."""
    return [
        i
        for i, cell in enumerate(chapter.cells)
        if cell.cell_type == "code" and BEGIN in cell.source
    ]


def printed(cell: nbformat.NotebookNode) -> str:
    """Everything a code cell printed or displayed as text."""
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            parts.append(output.text)
        elif "text/plain" in output.get("data", {}):
            parts.append(output.data["text/plain"])
    return "".join(parts)


@pytest.mark.parametrize("copy", [pytest.param(path, id=path.stem) for path in COPIES])
def test_learner_copy_runs_top_to_bottom(copy: Path, tmp_path: Path):
    notebook, error = execute(copy, tmp_path, CELL_TIMEOUT_S)
    assert error is None, f"{copy.name} stopped with an error:\n{error}"
    errors = [
        (i, f"{o.ename}: {o.evalue}")
        for i, cell in enumerate(notebook.cells)
        for o in cell.get("outputs", [])
        if o.output_type == "error" and "raises-exception" not in cell.metadata.get("tags", [])
    ]
    assert errors == [], f"{copy.name}: cells with errors"
    chapter = nbformat.read(NOTEBOOKS / copy.name, as_version=4)
    unanswered = exercise_cells(chapter)
    silent = [i for i in unanswered if NOT_ATTEMPTED not in printed(notebook.cells[i]).lower()]
    assert silent == [], (
        f"{copy.name}: these exercise cells did not print {NOT_ATTEMPTED!r}: "
        + "; ".join(f"cell {i}: {printed(notebook.cells[i])!r}" for i in silent)
    )
