"""One retrain as one MLflow run: what it read, every gate figure, the report, the model.

:func:`log_retrain` is the hook ``labkit retrain --mlflow URI`` calls once the
gate has decided (promoted, held or blocked). It logs, in one run of the
configured experiment:

- parameters: the model kind and its Spark parameters, the split, the data
  file's path, sha256 and size, the git commit (also MLflow's
  ``mlflow.source.git.commit`` tag);
- metrics: every number of every gate check as ``gate/<check>/<figure>``
  (nested figures as ``gate/<check>/<figure>/<key>``), ``gate/<check>/blocks``
  (1 when it stopped the promotion), ``gate/passed``, the candidate's
  evaluation (``fixed_test/areaUnderROC`` ...) and the stage timings;
- tags: ``labkit.outcome``, ``labkit.version``, ``labkit.failed_checks`` and
  ``gate.<check>`` (its verdict);
- artifacts: ``gate/report.json`` (byte for byte what labkit keeps in the
  registry's ``reports/``), ``gate/report.html`` and ``labkit/run_record.json``;
- for a promoted or held run, the model (:mod:`labkit.tracking.flavor`),
  registered as a version of the registered model and tagged with its labkit
  version; a promoted one that is still labkit's champion gets the alias
  ``champion`` (a run logged later, after another promotion, does not).

Examples
--------
>>> result = retrain(spark, "data/adult.data", "registry/", config)  # doctest: +SKIP
>>> tracked = log_retrain(spark, result, "registry/", config, TrackingConfig())  # doctest: +SKIP
>>> tracked.outcome, tracked.model_version, tracked.alias  # doctest: +SKIP
('promoted', '1', 'champion')
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labkit import _json
from labkit.tracking import aliases, flavor
from labkit.tracking.settings import TrackingConfig, TrackingError, write_link

__all__ = ["TrackedRun", "gate_metrics", "log_retrain", "report_html"]

_MAX_PARAM = 6000  # MLflow's limit on a parameter value


@dataclass(frozen=True)
class TrackedRun:
    """Where a retrain went in MLflow.

    Attributes
    ----------
    run_id : str
        The MLflow run.
    experiment_id : str
    outcome : str
        labkit's outcome: ``"promoted"``, ``"held"`` or ``"blocked"``.
    model_version : str or None
        The MLflow model version registered (None when blocked).
    alias : str or None
        ``"champion"`` for a promoted version, else None.
    """

    run_id: str
    experiment_id: str
    outcome: str
    model_version: str | None
    alias: str | None


def gate_metrics(report: Any) -> dict[str, float]:
    """Every number in a gate report as flat MLflow metric names.

    Examples
    --------
    >>> from labkit.validate.report import CheckResult, GateReport
    >>> gate_metrics(GateReport([CheckResult("input_size", "pass", "ok",
    ...     {"rows": 100, "ratio": 1.02, "by": {"a": 1}, "note": "x"})]))
    {'gate/input_size/rows': 100.0, 'gate/input_size/ratio': 1.02, \
'gate/input_size/by/a': 1.0, 'gate/input_size/blocks': 0.0, 'gate/passed': 1.0}
    """
    metrics: dict[str, float] = {}
    for result in report.results:
        _flatten(metrics, f"gate/{result.name}", result.figures)
        metrics[f"gate/{result.name}/blocks"] = float(result.blocks)
    metrics["gate/passed"] = float(report.passed)
    return metrics


def _flatten(out: dict[str, float], prefix: str, value: Any) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(out, f"{prefix}/{_metric_name(str(key))}", inner)
    elif isinstance(value, int | float) and math.isfinite(value):  # bools too: 1.0 / 0.0
        out[prefix] = float(value)


def _metric_name(key: str) -> str:
    """A key MLflow accepts (letters, digits, ``_-. /``): other characters become ``_``."""
    return "".join(c if c.isalnum() or c in "_-. " else "_" for c in key)


def report_html(report: Any, title: str) -> str:
    """A standalone HTML page of the gate report (the table a notebook shows)."""
    return (
        '<!doctype html><html><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        "<style>td,th{border:1px solid #ccc;padding:4px;vertical-align:top}"
        "table{border-collapse:collapse;font-family:sans-serif;font-size:13px}</style>"
        f"</head><body><h1>{html.escape(title)}</h1>{report._repr_html_()}</body></html>\n"
    )


def log_retrain(
    spark: Any,
    result: Any,
    registry: Any,
    config: Any,
    tracking: TrackingConfig,
) -> TrackedRun:
    """Log one finished retrain to MLflow; register and alias its model as the gate decided.

    Parameters
    ----------
    spark : SparkSession
        A local session (MLflow's spark flavour cannot log over Spark Connect).
    result : labkit.retrain.RetrainResult
    registry : labkit.registry.Registry, str or Path
    config : labkit.retrain.RetrainConfig
    tracking : TrackingConfig

    Returns
    -------
    TrackedRun

    Raises
    ------
    TrackingError
        Over Spark Connect, or when the store cannot be written; the labkit
        registry is already as the gate left it.
    """
    from labkit.registry import Registry

    flavor.check_not_connect(spark)
    registry = registry if isinstance(registry, Registry) else Registry(registry)
    record, report = result.record, result.report
    try:
        with aliases.using(tracking) as mlflow:
            experiment_id = _experiment(mlflow, tracking)
            with mlflow.start_run(experiment_id=experiment_id, run_name=record.run_id) as run:
                _log_run(mlflow, record, report, config)
                number = None
                if record.version is not None:
                    number = _log_model(mlflow, spark, registry, record.version, config, tracking)
                run_id = run.info.run_id
        write_link(registry.root, tracking)
        alias = None  # the alias follows labkit's champion: this version, unless logged late
        promoted = number is not None and result.outcome == "promoted"
        if promoted and registry.champion_version() == record.version:
            aliases.sync_champion(registry, tracking)
            alias = aliases.CHAMPION
    except TrackingError:
        raise
    except Exception as exc:  # the store is down, a path is not writable, ...
        raise TrackingError(
            f"Run {record.run_id} finished ({record.outcome}"
            f"{f' as {record.version}' if record.version else ''}; the labkit registry is "
            f"updated) but logging it to MLflow at {tracking.uri} failed: "
            f"{type(exc).__name__}: {exc}. Fix the store, then log the run again with "
            "labkit.tracking.log_retrain."
        ) from exc
    return TrackedRun(run_id, experiment_id, record.outcome, number, alias)


def _experiment(mlflow: Any, tracking: TrackingConfig) -> str:
    existing = mlflow.get_experiment_by_name(tracking.experiment)
    if existing is not None:
        return existing.experiment_id
    location = tracking.artifact_location
    if location is not None and "://" not in location:
        location = Path(location).as_uri()
    return mlflow.create_experiment(tracking.experiment, artifact_location=location)


def _log_run(mlflow: Any, record: Any, report: Any, config: Any) -> None:
    from labkit.reader.files import sha256_of
    from labkit.registry import git_commit

    data = Path(record.data_path)
    sha256 = record.input.get("sha256") or sha256_of(data)
    size = record.input.get("size_bytes") or data.stat().st_size
    commit = git_commit()
    params = {
        "model": config.model,
        "fresh_fraction": config.fresh_fraction,
        "seed": config.seed,
        "label": config.spec.label,
        "categorical": ",".join(config.spec.categorical),
        "numeric": ",".join(config.spec.numeric),
        "data_path": str(data),
        "data_sha256": sha256,
        "data_size_bytes": size,
        "git_commit": commit or "unknown",
        **{f"params.{k}": v for k, v in sorted(config.params.items())},
    }
    mlflow.log_params({k: str(v)[:_MAX_PARAM] for k, v in params.items()})
    tags = {
        "labkit.run_id": record.run_id,
        "labkit.outcome": record.outcome,
        "labkit.version": record.version or "",
        "labkit.failed_checks": ",".join(report.failed_checks),
        **{f"gate.{r.name}": r.verdict for r in report.results},
    }
    if commit:
        tags["mlflow.source.git.commit"] = commit
    mlflow.set_tags(tags)
    metrics = gate_metrics(report)
    for split, values in record.metrics.items():
        _flatten(metrics, split, values)
    for stage, seconds in record.timings.items():
        metrics[f"seconds/{stage}"] = float(seconds)
    mlflow.log_metrics(metrics)
    mlflow.log_text(report.to_json() + "\n", "gate/report.json")
    mlflow.log_text(report_html(report, f"labkit gate report, run {record.run_id}"),
                    "gate/report.html")  # fmt: skip
    mlflow.log_text(_json.dumps(record.to_dict(), indent=2) + "\n", "labkit/run_record.json")


def _log_model(mlflow: Any, spark: Any, registry: Any, version: str, config: Any, tracking):
    """Log the registry version's model with both flavours and register it; return its number."""
    from mlflow.models import Model
    from pyspark.ml import PipelineModel

    saved = registry.get(version)
    info = Model.log(
        artifact_path=None,
        name="model",
        flavor=flavor,
        registered_model_name=tracking.registered_model,
        spark_model=PipelineModel.load(str(saved.model_path)),
        scorer_path=saved.scorer_path,
        scorer_sha256=saved.metadata["scorer_sha256"],
        labkit_version=version,
        spark=spark,
        column_types=dict(config.data.columns),
    )
    number = str(info.registered_model_version)
    client = aliases.client_for(tracking)
    client.set_model_version_tag(tracking.registered_model, number, aliases.VERSION_TAG, version)
    gate = saved.metadata.get("gate") or {}
    client.set_model_version_tag(
        tracking.registered_model, number, "labkit.gate", str(gate.get("verdict"))
    )
    return number
