"""Run every chapter headless, in order, and report which failed.

``make run`` calls this. Executed copies go to ``artifacts/notebooks/`` so
your own notebooks (and their committed outputs) are never overwritten.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from labkit.exercises.learner import NOTEBOOKS, chapters

OUT_DIR = NOTEBOOKS.parent / "artifacts" / "notebooks"


def execute(path: Path, cwd: Path, timeout: int) -> tuple[Any, str | None]:
    """Run a notebook top to bottom in a fresh kernel.

    Parameters
    ----------
    path : Path
        The notebook (read, never written).
    cwd : Path
        The kernel's working folder.
    timeout : int
        Seconds one cell may take.

    Returns
    -------
    tuple
        The executed notebook (as far as it got), and None or the error's text.
        A cell tagged ``raises-exception`` may raise: that is no error.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = nbformat.read(path, as_version=4)
    kernel = notebook.metadata.get("kernelspec", {}).get("name", "python3")
    client = NotebookClient(notebook, timeout=timeout, kernel_name=kernel,
                            resources={"metadata": {"path": str(cwd)}})  # fmt: skip
    try:
        client.execute()
    except CellExecutionError as failure:
        return notebook, str(failure).strip()
    return notebook, None


def run_one(path: Path, out_dir: Path, timeout: int) -> str | None:
    """Execute one notebook in its own folder; return None, or the error's last line."""
    import nbformat

    notebook, error = execute(path, path.parent, timeout)
    out_dir.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, out_dir / path.name)
    return None if error is None else error.splitlines()[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="chapters to run (default: all), e.g. 00 01")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = parser.parse_args(argv)
    selected = [p for p in chapters() if not args.names or p.name[:2] in args.names]
    failed = []
    for path in selected:
        start = time.perf_counter()
        error = run_one(path, OUT_DIR, args.timeout)
        status = "ok" if error is None else f"FAILED: {error}"
        print(f"{path.name:<40} {time.perf_counter() - start:6.1f} s  {status}", flush=True)
        if error is not None:
            failed.append(path.name)
    print(f"{len(selected) - len(failed)} of {len(selected)} notebooks ran; executed copies in "
          f"{OUT_DIR.relative_to(NOTEBOOKS.parent)}/")  # fmt: skip
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
