"""The ``labkit`` command: one sub-command per module.

Each module named in :data:`COMMANDS` defines ``add_arguments(parser)`` and
``run(args) -> int``. Only the module of the sub-command being run is
imported, so ``labkit score`` and ``labkit serve`` never load Spark. Errors of
ours print their message (no traceback) and exit with their ``exit_code``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from labkit.errors import LabkitError

#: Sub-command name -> (module that implements it, one line of help).
COMMANDS: dict[str, tuple[str, str]] = {
    "doctor": ("labkit.doctor", "Check that this machine can run the codelab, with fixes."),
    "score": ("labkit.export.cli", "Score JSON lines with an exported model, without Spark."),
    "serve": ("labkit.serving.serve", "Serve the registry's champion over HTTP, without Spark."),
    "init": ("labkit.init", "Inspect a CSV file and write a commented retrain config to review."),
    "retrain": ("labkit.retrain", "Retrain on new data, run the gate, promote or hold."),
    "models": ("labkit.models_cli", "List, show, promote and roll back model versions."),
    "connect-server": (
        "labkit.connect_server",
        "Run a Spark Connect server for a room, so attendees need no Java.",
    ),
}


def build_parser(selected: str | None = None) -> argparse.ArgumentParser:
    """Return the ``labkit`` parser; only ``selected``'s module is imported for its options."""
    parser = argparse.ArgumentParser(
        prog="labkit", description="labkit: from a CSV file to a production model on Spark ML."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module_name, summary) in COMMANDS.items():
        sub = subparsers.add_parser(name, help=summary, description=summary)
        if name == selected:
            module = importlib.import_module(module_name)
            module.add_arguments(sub)
            sub.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``labkit`` with ``argv`` (default: the process's arguments); return the exit code."""
    argv = sys.argv[1:] if argv is None else argv
    selected = next((a for a in argv if not a.startswith("-")), None)
    args = build_parser(selected).parse_args(argv)
    try:
        return args._run(args)
    except LabkitError as error:
        print(f"labkit {args.command}: {error}", file=sys.stderr)
        return error.exit_code


if __name__ == "__main__":
    sys.exit(main())
