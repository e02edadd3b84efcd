"""One retrain, stage by stage: read, check, train, evaluate, export, gate, promote or hold.

1. looks at the file's layout and reads it with the config's options and
   columns, counting bad records by reason;
2. profiles the data and runs the *input* checks (bad records, size, schema,
   drift, label balance) against the run history; if one fails, it stops
   before training (nothing is saved; exit 3);
3. trains the configured pipeline on most of the rows, keeping a slice back
   as *fresh* labelled data;
4. evaluates candidate and champion on the fixed test set (frozen from the
   first run's fresh slice) and on the fresh slice, exports the candidate,
   checks the export against Spark and scores the fresh rows with both
   exported models (the shadow run);
5. saves the candidate as a new registry version with its gate report, and
   promotes it when no blocking check failed (exit 0), else keeps the
   champion and holds the candidate (exit 3).

Rows whose label is missing are left out of training and evaluation and
counted in the report (check ``unlabelled``: a warning; a failure when half
the rows or more have none, which means the label column or the
missing-value marker is wrong).

Every run appends a record to the history and writes its report as JSON;
with ``config.mlflow`` set, it is also logged to MLflow once the gate has
decided (:func:`labkit.tracking.log_retrain`).
Everything that changes the registry happens in its atomic steps under its
lock, so a crash at any point leaves the champion as it was. Nothing here
knows which data set it reads: that is the config's job.
"""

from __future__ import annotations

import re
import tempfile
import time
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from labkit import pipeline as labpipe
from labkit.errors import ConfigError, DataFileNotFound
from labkit.reader import probe_layout, read_csv
from labkit.registry import Registry, git_commit, now_utc
from labkit.registry.history import BLOCKED, HELD, PROMOTED, RunRecord
from labkit.retrain.config import RetrainConfig
from labkit.validate import checks_data, checks_model
from labkit.validate.layout import check_layout
from labkit.validate.profile import DataProfile, profile_frame
from labkit.validate.report import SKIP, CheckResult, GateReport
from labkit.validate.scoring import evaluate, prediction_distribution, shadow_scores

EXIT_PROMOTED, EXIT_HELD = 0, 3
FIXED_TEST_DIR = "fixed_test"
_MODEL_CHECKS = (
    "convergence",
    "quality_fixed_test",
    "quality_fresh",
    "shadow_run",
    "export_parity",
)


@dataclass
class RetrainResult:
    """What one retrain did: outcome, exit code, version, report, timings and history record."""

    record: RunRecord
    report: GateReport
    exit_code: int
    #: Where the run went in MLflow (a labkit.tracking.TrackedRun), when config.mlflow is set.
    tracked: Any = None

    @property
    def outcome(self) -> str:
        """``"promoted"``, ``"held"`` or ``"blocked"``."""
        return self.record.outcome

    @property
    def version(self) -> str | None:
        """The registry version the candidate was saved as (None when blocked)."""
        return self.record.version


def retrain(
    spark: Any,
    data_path: str | Path | None,
    registry: Registry | str | Path,
    config: RetrainConfig | None = None,
) -> RetrainResult:
    """Run one retrain: read, check, train, evaluate, gate, then promote or hold.

    Parameters
    ----------
    spark : SparkSession
    data_path : str, Path or None
        The new training file, written as ``config.data`` describes; None
        takes ``config.data.path``.
    registry : Registry, str or Path
        The registry (created on the first run).
    config : RetrainConfig, optional
        Data layout and columns, model, split and thresholds; the Adult
        defaults everywhere when omitted.

    Returns
    -------
    result : RetrainResult
        ``result.exit_code`` is 0 when promoted, 3 when blocked or held.

    Examples
    --------
    >>> result = retrain(spark, "data/adult.data", tmp_path / "registry")  # doctest: +SKIP
    >>> result.outcome, result.version  # doctest: +SKIP
    ('promoted', '1.0.0')
    """
    config = config or RetrainConfig()
    data_path = data_path if data_path is not None else config.data.path
    if data_path is None:
        raise ConfigError("No data file: pass --data, or set path in the config's [data] table.")
    if not Path(data_path).is_file():
        raise DataFileNotFound(f"No data file at {data_path}: check the --data path.")
    registry = registry if isinstance(registry, Registry) else Registry(registry)
    if config.mlflow is not None:  # refuse Spark Connect before training, not after
        from labkit.tracking.flavor import check_not_connect

        check_not_connect(spark)
    result = _Run(spark, Path(data_path), registry, config).execute()
    if config.mlflow is not None:  # the hook: the gate has decided, the registry is updated
        from labkit.tracking.runs import log_retrain

        result.tracked = log_retrain(spark, result, registry, config, config.mlflow)
    return result


class _Run:
    """The state of one retrain, stage by stage; each stage is timed."""

    def __init__(self, spark: Any, path: Path, registry: Registry, config: RetrainConfig):
        self.spark, self.path, self.registry, self.config = spark, path, registry, config
        self.spec = config.spec
        self.report = GateReport()
        self.timings: dict[str, float] = {}
        self.cached: list[Any] = []
        self.record = RunRecord(
            run_id=f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:6]}",
            started_at=now_utc(),
            data_path=str(path),
            outcome=BLOCKED,
        )

    def execute(self) -> RetrainResult:
        try:
            return self._stages()
        finally:  # a notebook runs many retrains in one session: free their caches
            for frame in self.cached:
                frame.unpersist()

    def _stages(self) -> RetrainResult:
        with self.registry.lock():  # creates the registry on a first run
            baseline = self._baseline()
        if not self._check_input(baseline):
            return self._finish(None)
        with self._timed("fit"):
            model, fresh = self._fit()
        with tempfile.TemporaryDirectory(prefix="labkit-retrain-") as work, self.registry.lock():
            self._judge_candidate(model, fresh, baseline, Path(work))
            version = self._save(Path(work))
            if self.report.passed:
                self.registry.promote(version, reason=f"gate passed (run {self.record.run_id})")
            return self._finish(version)

    def _cache(self, frame: Any) -> Any:
        self.cached.append(frame.cache())
        return frame

    # -- stages ------------------------------------------------------------------------------

    def _baseline(self) -> list[RunRecord]:
        rule = self.config.gate.history
        weekday = time.strftime("%A", time.gmtime()) if rule.same_weekday else None
        return self.registry.history.baseline(window=rule.window, weekday=weekday)

    def _check_input(self, baseline: list[RunRecord]) -> bool:
        """Layout, read, profile and the input checks; False when they block training."""
        gate = self.config.gate
        with self._timed("read"):
            if not self._layout_fits():
                return False
            df, stats = self._read()
            self.df = self._cache(df)
            reference = DataProfile.from_dict(baseline[0].profile) if baseline else None
            profile = profile_frame(
                self.df,
                label=self.spec.label,
                categorical=self.spec.categorical,
                numeric=self.spec.numeric,
                reference=reference,
            )
        self.stats = stats
        self.record.input, self.record.profile = stats.to_dict(), profile.to_dict()
        if reference is not None:
            self.record.distances = checks_data.drift_distances(profile, reference)
        self.report.extend(
            [
                checks_data.check_bad_records(stats, baseline, gate.bad_records),
                checks_data.check_input_size(stats, baseline, gate.input_size),
                checks_data.check_schema(profile, reference, gate.schema),
                checks_data.check_drift(profile, reference, gate.drift),
                checks_data.check_label_balance(profile, baseline, gate.label_balance),
                *checks_data.check_unlabelled(self.unlabelled, stats.rows_kept, self.spec.label),
            ]
        )
        if not self.report.passed:
            self._skip_rest("an input check failed, so no model was trained")
            return False
        return True

    def _layout_fits(self) -> bool:
        """The schema check's first half on the first lines; False (and skips) when it blocks."""
        data = self.config.data
        columns = list(data.columns)
        layout = probe_layout(
            self.path,
            columns,
            sep=data.options.sep,
            comment=data.options.comment,
            header=True if data.options.header else None,
            quote=data.options.quote,
            encoding=data.options.encoding,
        )
        self.has_header = layout.has_header
        result = check_layout(layout, columns)
        if result.blocks:
            self.report.extend([result])
            self._skip_rest("the file's layout does not match the column spec")
            return False
        return True

    def _read(self) -> tuple[Any, Any]:
        """Read with the config's options (all rows kept for the bad-record check to judge)."""
        from pyspark.sql import functions as F

        data = self.config.data
        options = replace(data.options, header=self.has_header)
        df, stats = read_csv(
            self.spark, self.path, data.schema(), options=options, max_bad_fraction=1.0
        )
        label = self.spec.label
        if data.label_suffix:
            pattern = re.escape(data.label_suffix) + "$"
            df = df.withColumn(label, F.regexp_replace(F.col(f"`{label}`"), pattern, ""))
        self.unlabelled = stats.nulls.get(label, 0)
        if self.unlabelled:  # nothing to learn from or judge against: counted, then left out
            df = df.filter(F.col(f"`{label}`").isNotNull())
        return df, stats

    def _fit(self) -> tuple[Any, Any]:
        fraction = self.config.fresh_fraction
        train, fresh = self.df.randomSplit([1 - fraction, fraction], seed=self.config.seed)
        model = labpipe.fit_pipeline(
            self._cache(train), self.spec, self.config.model, params=self.config.params
        )
        estimator = model.stages[-2]
        summary = estimator.summary if getattr(estimator, "hasSummary", False) else None
        self.record.training = {
            "rows": train.count(),
            "iterations": getattr(summary, "totalIterations", None),
            "max_iter": estimator.getMaxIter() if estimator.hasParam("maxIter") else None,
            "model": self.config.model,
            "params": self.config.params,
        }
        return model, self._cache(fresh)

    def _judge_candidate(self, model: Any, fresh: Any, baseline: list, work: Path) -> None:
        """Evaluate, export and shadow-score the candidate; add the model checks to the report."""
        from labkit import export as labexport

        gate, champion = self.config.gate, self.registry.champion()
        fixed = self._fixed_test_set(fresh)
        with self._timed("evaluate"):
            metrics = {
                "fixed_test": evaluate(model, fixed, self.spec),
                "fresh": evaluate(model, fresh, self.spec),
            }
            champion_metrics = self._champion_metrics(champion, fixed, fresh)
        self.record.metrics = metrics
        with self._timed("export"):
            model.write().overwrite().save(str(work / "model"))
            labexport.export(str(work / "model"), str(work / "scorer.json"))
            scorer = labexport.load_scorer(str(work / "scorer.json"))
            parity = labexport.check_parity(model, scorer, fixed)
        with self._timed("gate"):
            rows = [r.asDict() for r in fresh.drop(self.spec.label).collect()]
            candidate_scores = shadow_scores(scorer, rows, self.spec)
            self.record.predictions = prediction_distribution(candidate_scores)
            results = [
                checks_model.check_convergence(self.record.training, baseline, gate.convergence),
                checks_model.check_quality(
                    "quality_fixed_test",
                    metrics["fixed_test"],
                    champion_metrics.get("fixed_test"),
                    gate.quality,
                    rows=fixed.count(),
                ),
                checks_model.check_quality(
                    "quality_fresh",
                    metrics["fresh"],
                    champion_metrics.get("fresh"),
                    gate.quality,
                    rows=len(rows),
                ),
                self._shadow(champion, rows, candidate_scores),
                checks_model.check_parity(
                    rows=parity.rows,
                    mismatches=parity.mismatch_count,
                    max_probability_diff=parity.max_abs_diff,
                    rule=gate.parity,
                ),
            ]
        self.report.extend(results)

    def _shadow(self, champion: Any, rows: list[dict], candidate: list) -> CheckResult:
        from labkit import export as labexport

        if champion is None:
            return CheckResult(
                "shadow_run",
                SKIP,
                "No champion yet: nothing to shadow.",
                {"rows": len(rows)},
                blocking=False,
            )
        old = shadow_scores(labexport.load_scorer(str(champion.scorer_path)), rows, self.spec)
        return checks_model.check_shadow(old, candidate, self.config.gate.shadow)

    def _champion_metrics(self, champion: Any, fixed: Any, fresh: Any) -> dict[str, dict]:
        if champion is None:
            return {}
        from pyspark.ml import PipelineModel

        old = PipelineModel.load(str(champion.model_path))
        return {
            "fixed_test": evaluate(old, fixed, self.spec),
            "fresh": evaluate(old, fresh, self.spec),
        }

    def _fixed_test_set(self, fresh: Any) -> Any:
        """The frozen test set: the first run's fresh rows, saved in the registry as parquet."""
        folder = self.registry.root / FIXED_TEST_DIR
        if not folder.exists():
            staging = self.registry.root / f".{FIXED_TEST_DIR}-{uuid.uuid4().hex[:8]}"
            fresh.write.parquet(str(staging))
            staging.rename(folder)
        return self._cache(self.spark.read.parquet(str(folder)))

    def _save(self, work: Path) -> str:
        stats = self.stats
        metadata = {
            "git_commit": git_commit(),
            "data_sha256": stats.sha256,
            "data_path": str(self.path),
            "spec": self.spec.to_dict(),
            "model": self.config.model,
            "params": self.config.params,
            "metrics": self.record.metrics.get("fixed_test", {}),
            "all_metrics": self.record.metrics,
            "training": self.record.training,
            "gate": self.report.to_dict(),
            "run_id": self.record.run_id,
            "trained_at": self.record.started_at,
            "spark_version": self.spark.version,
        }
        return self.registry.add(work / "model", work / "scorer.json", metadata).version

    def _skip_rest(self, why: str) -> None:
        self.report.extend(
            [CheckResult(name, SKIP, f"Not run: {why}.", blocking=False) for name in _MODEL_CHECKS]
        )

    def _finish(self, version: str | None) -> RetrainResult:
        outcome = BLOCKED if version is None else PROMOTED if self.report.passed else HELD
        self.record.outcome, self.record.version = outcome, version
        self.record.timings = {k: round(v, 3) for k, v in self.timings.items()}
        self.record.gate = self.report.to_dict()
        with self.registry.lock():
            self.registry.history.append(self.record)
            reports = self.registry.root / "reports"
            reports.mkdir(exist_ok=True)
            (reports / f"{self.record.run_id}.json").write_text(self.report.to_json() + "\n")
        code = EXIT_PROMOTED if outcome == PROMOTED else EXIT_HELD
        return RetrainResult(self.record, self.report, code)

    def _timed(self, stage: str):
        return _Timer(self.timings, stage)


class _Timer:
    """Adds the block's wall time to ``timings[stage]``."""

    def __init__(self, timings: dict[str, float], stage: str) -> None:
        self.timings, self.stage = timings, stage

    def __enter__(self) -> None:
        self.start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        elapsed = time.perf_counter() - self.start
        self.timings[self.stage] = self.timings.get(self.stage, 0.0) + elapsed
