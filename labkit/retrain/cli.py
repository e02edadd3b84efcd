"""``labkit retrain``: one run of the job from the command line, for cron.

Exit codes: 0 promoted, 3 held or blocked by the gate, 2 bad usage (a missing
file, a config error), as every ``labkit`` command.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from labkit.errors import ConfigError, DataFileNotFound
from labkit.retrain.config import RetrainConfig
from labkit.retrain.job import EXIT_PROMOTED, retrain


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``labkit retrain``."""
    parser.add_argument(
        "--data", type=Path, help="the new training file (default: the config's [data] path)"
    )
    parser.add_argument("--registry", required=True, type=Path, help="the model registry folder")
    parser.add_argument(
        "--config", type=Path, help="TOML or JSON file: data layout, columns, model, thresholds"
    )
    parser.add_argument("--report", type=Path, help="also write the gate report (JSON) here")


def run(args: argparse.Namespace) -> int:
    """Run ``labkit retrain``; return 0 (promoted), 3 (held or blocked)."""
    from labkit.session import get_spark

    config = RetrainConfig.from_file(args.config) if args.config else RetrainConfig()
    data = args.data or config.data.path
    if data is None:
        raise ConfigError("No data file: pass --data, or set path in the config's [data] table.")
    if not Path(data).is_file():  # before starting a JVM
        raise DataFileNotFound(f"No data file at {data}: check the --data path.")
    result = retrain(get_spark("labkit-retrain"), data, args.registry, config)
    if args.report:
        args.report.write_text(result.report.to_json() + "\n", encoding="utf-8")
    print(result.report)
    timings = ", ".join(f"{k} {v:.1f} s" for k, v in result.record.timings.items())
    print(
        f"run {result.record.run_id}: {result.outcome}"
        f"{f' as {result.version}' if result.version else ''} ({timings})"
    )
    if result.exit_code != EXIT_PROMOTED:
        failed = json.dumps(result.report.failed_checks)
        print(
            f"labkit retrain: the gate held the candidate back; failed checks: {failed}. "
            "The champion is unchanged.",
            file=sys.stderr,
        )
    return result.exit_code
