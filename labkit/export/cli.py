"""Score JSON lines with an exported model: one JSON object in, one prediction out, per line.

``labkit score --model PATH`` reads rows from stdin (or ``--input``) and writes
one JSON line per row to stdout (or ``--output``): ``prediction``,
``probability``, ``raw_prediction``, ``label`` and ``skipped``. PATH is a saved
Spark model folder or an exported document; Spark is never started. A line
that is not a JSON object, or a row Spark would fail on, stops the run with
exit code 2 and names the line, unless ``--keep-going`` writes an ``error``
record for it and carries on.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import IO, Any

from labkit.errors import LabkitError, ScoringError
from labkit.export.scorer import load_scorer


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``score`` sub-command's options."""
    parser.add_argument("--model", required=True, help="saved Spark model folder or .json document")
    parser.add_argument("--input", default="-", help="JSON lines file to read (default: stdin)")
    parser.add_argument("--output", default="-", help="file to write (default: stdout)")
    parser.add_argument(
        "--keep-going", action="store_true", help="write an error record for a bad line, go on"
    )


def _plain(value: Any) -> Any:
    """Non-finite floats as the strings "NaN", "Inf", "-Inf" (strict JSON has no literal)."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Inf" if value > 0 else "-Inf")
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def score_lines(scorer: Any, lines: IO[str], out: IO[str], *, keep_going: bool = False) -> int:
    """Score every non-blank line of ``lines``; return the number of bad lines.

    Raises
    ------
    ScoringError
        For the first bad line (naming it) unless ``keep_going``.
    """
    bad = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ScoringError(f"expected a JSON object, got {type(row).__name__}")
            record = {k: _plain(v) for k, v in scorer.predict(row).to_dict().items()}
        except (json.JSONDecodeError, LabkitError) as error:
            message = f"line {number}: {error}"
            if not keep_going:
                raise ScoringError(message) from error
            bad += 1
            record = {"error": message, "line": number}
        out.write(json.dumps(record, allow_nan=False, ensure_ascii=False) + "\n")
    return bad


def run(args: argparse.Namespace) -> int:
    """Load the model, score the lines; 0 when every line was scored, else 2."""
    scorer = load_scorer(args.model)
    source = sys.stdin if args.input == "-" else open(args.input, encoding="utf-8")  # noqa: SIM115
    target = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8")  # noqa: SIM115
    try:
        bad = score_lines(scorer, source, target, keep_going=args.keep_going)
    finally:
        for stream in (source, target):
            if stream not in (sys.stdin, sys.stdout):
                stream.close()
    if bad:
        print(f"labkit score: {bad} line(s) could not be scored (see the error records).",
              file=sys.stderr)  # fmt: skip
        return 2
    return 0
