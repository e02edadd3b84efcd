"""``labkit init FILE``: look at a CSV file and write a commented retrain config to review.

The file is read in plain Python (:mod:`labkit.init.sniff`, no Spark): header,
separator, quoting, missing-value marker, spaces, each column's type,
cardinality and nulls, a likely label, and columns to leave out (ids, free
text, dates). :mod:`labkit.init.write` writes it as TOML where every guess has
its evidence in a comment. Nothing is guessed silently, and nothing is trained
until a person has read the file.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from labkit.errors import ConfigError
from labkit.init.sniff import FileFacts, sniff
from labkit.init.write import config_toml

__all__ = ["FileFacts", "add_arguments", "config_toml", "init_config", "run", "sniff"]


def init_config(path: str | Path, output: str | Path, *, overwrite: bool = False) -> Path:
    """Inspect ``path`` and write its config to ``output``; return ``output``.

    Raises
    ------
    ConfigError
        When ``output`` exists and ``overwrite`` is false (a reviewed config is
        never replaced by a new guess).
    """
    output = Path(output)
    if output.exists() and not overwrite:
        raise ConfigError(
            f"{output} already exists: it may hold your reviewed settings. Choose another "
            "--output, or pass --force to replace it."
        )
    facts = sniff(path)
    output.write_text(config_toml(facts, output), encoding="utf-8")
    return output


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``labkit init``."""
    parser.add_argument("file", type=Path, help="the CSV file to inspect")
    parser.add_argument(
        "--output", type=Path, help="where to write the config (default: FILE.toml)"
    )
    parser.add_argument("--force", action="store_true", help="replace an existing config")


def run(args: argparse.Namespace) -> int:
    """Run ``labkit init``; print where the config went and what to check."""
    from labkit.reader.files import check_exists

    check_exists(args.file)
    output = args.output or args.file.with_suffix(".toml")
    init_config(args.file, output, overwrite=args.force)
    print(f"wrote {output}: review every guess (each has its evidence), then run")
    print(f"  labkit retrain --config {output} --registry REGISTRY")
    return 0
