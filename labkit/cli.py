"""The ``labkit`` command: one sub-command per module.

Each module named in :data:`COMMANDS` defines ``add_arguments(parser)`` and
``run(args) -> int``; the first line of its docstring is the help text.
Errors of ours print their message (no traceback) and exit with their
``exit_code``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from labkit.errors import LabkitError

#: Sub-command name -> module that implements it.
COMMANDS: dict[str, str] = {
    "doctor": "labkit.doctor",
    "score": "labkit.export.cli",
    "serve": "labkit.serving.serve",
    "retrain": "labkit.retrain",
    "models": "labkit.registry",
}


def build_parser() -> argparse.ArgumentParser:
    """Return the ``labkit`` argument parser with every sub-command."""
    parser = argparse.ArgumentParser(prog="labkit", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(module_name)
        summary = (module.__doc__ or name).strip().splitlines()[0]
        sub = subparsers.add_parser(name, help=summary, description=summary)
        module.add_arguments(sub)
        sub.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``labkit`` with ``argv`` (default: the process's arguments); return the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return args._run(args)
    except LabkitError as error:
        print(f"labkit {args.command}: {error}", file=sys.stderr)
        return error.exit_code


if __name__ == "__main__":
    sys.exit(main())
