"""Score JSON lines with an exported model: one JSON object in, one prediction out, per line.

``labkit score --model PATH`` reads rows from stdin (or ``--input``) and writes
one JSON line per row to stdout (or ``--output``): ``prediction``,
``probability``, ``raw_prediction``, ``label`` and ``skipped``. PATH is a saved
Spark model folder or an exported document; Spark is never started.

Input lines are strict JSON (:mod:`labkit._json`): ``NaN``, ``Infinity``,
``1e999``, integers beyond a double and deep nesting are refused, as the model
server refuses them. A bad line (not UTF-8, not a JSON object, a field the
pipeline computes itself, a row Spark would fail on, a prediction that
overflowed) stops the run with exit code 2 and names the line, unless
``--keep-going`` writes an ``error`` record for it and carries on; every good
line is written either way. A reader that stops early (``| head``) ends the
run quietly with exit code 141, as a process killed by SIGPIPE would.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from labkit import _json
from labkit.errors import DataFileNotFound, LabkitError, ScoringError
from labkit.export.scorer import load_scorer

#: Exit code when the reader of stdout went away (128 + SIGPIPE, as the shell reports it).
EXIT_CLOSED_PIPE = 141
#: What one bad line may raise besides our own errors (a row the pipeline cannot take).
_ROW_ERRORS = (LabkitError, ValueError, TypeError, KeyError, ArithmeticError, RecursionError)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``score`` sub-command's options."""
    parser.add_argument("--model", required=True, help="saved Spark model folder or .json document")
    parser.add_argument("--input", default="-", help="JSON lines file to read (default: stdin)")
    parser.add_argument("--output", default="-", help="file to write (default: stdout)")
    parser.add_argument(
        "--keep-going", action="store_true", help="write an error record for a bad line, go on"
    )


def score_lines(
    scorer: Any, lines: Iterable[str | bytes], out: IO[str], *, keep_going: bool = False
) -> int:
    """Score every non-blank line of ``lines``; return the number of bad lines.

    Raises
    ------
    ScoringError
        For the first bad line (naming it) unless ``keep_going``.
    """
    computed = _computed_columns(scorer)
    bad = 0
    for number, line in enumerate(lines, start=1):
        try:
            text = _decoded(line)
            if not text.strip():
                continue
            record = _score_line(scorer, text, computed)
        except _ROW_ERRORS as error:
            message = f"line {number}: {_reason(error)}"
            if not keep_going:
                raise ScoringError(message) from error
            bad += 1
            record = {"error": message, "line": number}
        out.write(_json.dumps(record, ensure_ascii=False) + "\n")
    return bad


def _score_line(scorer: Any, text: str, computed: frozenset[str]) -> dict[str, Any]:
    row = _json.loads(text)
    if not isinstance(row, dict):
        raise ScoringError(f"expected a JSON object, got {type(row).__name__}")
    injected = sorted(computed & row.keys())
    if injected:
        raise ScoringError(
            f"field {injected[0]!r} is a column the model computes itself; remove it from the "
            "row (Spark would refuse it too: the column already exists)."
        )
    record = scorer.predict(row).to_dict()
    problem = _json.non_finite_problem(record, row, "this model")
    if problem is not None:
        raise ScoringError(problem)
    return record


def _computed_columns(scorer: Any) -> frozenset[str]:
    """Columns the pipeline's stages write (a row must not bring them)."""
    inputs = set(scorer.input_columns)
    return frozenset(
        column for stage in scorer.stages for column in stage.outputs if column not in inputs
    )


def _decoded(line: str | bytes) -> str:
    if isinstance(line, str):
        return line
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScoringError(f"not UTF-8 ({exc.reason} at byte {exc.start}).") from exc


def _reason(error: BaseException) -> str:
    if isinstance(error, LabkitError):
        return str(error)
    if isinstance(error, RecursionError):
        return "nested too deeply to score."
    return f"{type(error).__name__}: {error}"


def run(args: argparse.Namespace) -> int:
    """Load the model, score the lines; 0 when every line was scored, else 2."""
    scorer = load_scorer(args.model)
    with _input(args.input) as source, _output(args.output) as target:
        try:
            bad = score_lines(scorer, source, target, keep_going=args.keep_going)
            target.flush()
        except BrokenPipeError:
            _silence_stdout()
            return EXIT_CLOSED_PIPE
    if bad:
        print(f"labkit score: {bad} line(s) could not be scored (see the error records).",
              file=sys.stderr)  # fmt: skip
        return 2
    return 0


@contextlib.contextmanager
def _input(name: str) -> Iterator[Iterable[bytes | str]]:
    if name == "-":
        yield getattr(sys.stdin, "buffer", sys.stdin)
        return
    try:
        source = open(name, "rb")  # noqa: SIM115 - lines are decoded one by one
    except OSError as exc:
        raise DataFileNotFound(
            f"cannot read --input {name}: {exc.strerror}. Check the path (or leave --input out "
            "to read stdin)."
        ) from exc
    with source:
        yield source


@contextlib.contextmanager
def _output(name: str) -> Iterator[IO[str]]:
    if name == "-":
        yield sys.stdout
        return
    try:
        target = open(name, "w", encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        folder = Path(name).parent
        raise ScoringError(
            f"cannot write --output {name}: {exc.strerror}. Pick a file in a folder you can "
            f"write to ({folder} is not one), or leave --output out to write stdout."
        ) from exc
    with target:
        yield target


def _silence_stdout() -> None:
    """Point stdout at the null device so the interpreter's final flush cannot fail again."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
