"""``labkit retrain``: one run of the job from the command line, for cron.

Exit codes: 0 promoted, 3 held or blocked by the gate, 2 bad usage (a missing
file, a config error), as every ``labkit`` command.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from labkit.errors import ConfigError, DataFileNotFound
from labkit.retrain.config import RetrainConfig
from labkit.retrain.job import EXIT_PROMOTED, retrain
from labkit.tracking.settings import DEFAULT_URI, TrackingConfig


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
    parser.add_argument(
        "--mlflow",
        metavar="URI",
        nargs="?",
        const=DEFAULT_URI,
        help=f"also log the run to this MLflow tracking store and model registry "
        f"(alone: {DEFAULT_URI}; needs labkit[mlflow]); overrides the config's [mlflow] uri",
    )


def run(args: argparse.Namespace) -> int:
    """Run ``labkit retrain``; return 0 (promoted), 3 (held or blocked)."""
    from labkit.session import get_spark

    config = RetrainConfig.from_file(args.config) if args.config else RetrainConfig()
    if args.mlflow:
        config = replace(config, mlflow=(config.mlflow or TrackingConfig()).with_uri(args.mlflow))
    if config.mlflow is not None:  # before starting a JVM
        from labkit.tracking.settings import require_mlflow

        require_mlflow()
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
    if result.tracked is not None:
        tracked, model = result.tracked, config.mlflow.registered_model
        number = tracked.model_version
        version = f", model {model!r} version {number}" if number else ""
        alias = f" (alias {tracked.alias})" if tracked.alias else ""
        print(f"MLflow {config.mlflow.uri}: run {tracked.run_id}{version}{alias}")
    if result.exit_code != EXIT_PROMOTED:
        failed = json.dumps(result.report.failed_checks)
        print(
            f"labkit retrain: the gate held the candidate back; failed checks: {failed}. "
            "The champion is unchanged.",
            file=sys.stderr,
        )
    return result.exit_code
