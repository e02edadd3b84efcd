"""The codelab's path from CSV to model, as one script whose results are JSON.

Each step uses labkit's own API (``pipeline``, ``tuning``, ``export``,
``retrain``), as the notebooks do. Run it once in local mode and once with ``LABKIT_SPARK_MASTER=spark://...``
(each run is its own process: a SparkSession's master cannot change once the
JVM is up) and compare the two JSON files: the same code must give the same
tree and the same metrics on a laptop and on a cluster.

With ``LABKIT_SPARK_REMOTE=sc://...`` the same script runs as a Spark Connect
client (``tests/test_connect.py``): the session then has no ``sparkContext``,
so :func:`where_it_ran` asks the server's configuration instead.

Usage::

    python tests/_codelab_path.py --out result.json [--train adult.data] [--work DIR]

Every random step takes a fixed seed, and ``labkit.session`` fixes the number
of partitions, so the results do not depend on where the tasks ran.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from labkit import pipeline as labpipe
from labkit.data import ADULT_FILES, read_adult
from labkit.export import check_parity, load_scorer
from labkit.retrain import RetrainConfig, retrain
from labkit.session import get_spark, is_connect
from labkit.tuning import cross_validate, evaluate

SEED = 42
DEPTHS = (3, 6)
FOLDS = 2
#: The retrain job trains a tree too: its fit is exact arithmetic on counts.
RETRAIN_CONFIG = {"training": {"model": "decision_tree", "params": {"maxDepth": 5}, "seed": SEED}}


def tune(train, spec) -> tuple[dict[str, Any], Any]:
    """Cross-validate tree depth with labkit; report every candidate, not only the chosen one."""
    from pyspark.ml.tuning import ParamGridBuilder

    pipeline = labpipe.build_pipeline(
        spec,
        "decision_tree",
        params={"seed": SEED},
        max_bins=labpipe.required_max_bins(train, spec),
    )
    tree = pipeline.getStages()[-2]
    grid = ParamGridBuilder().addGrid(tree.maxDepth, list(DEPTHS)).build()
    result = cross_validate(
        pipeline, grid, train, folds=FOLDS, seed=SEED, simpler=["maxDepth"], progress=None
    )
    table = result.table.drop(columns=["fit_seconds"]).to_dict(orient="records")
    return {"candidates": table, "chosen": result.chosen_params}, result.model


def export_and_score(model, test, folder: Path) -> dict[str, Any]:
    """Save the model, score the test set outside Spark, and check parity with Spark."""
    model.write().overwrite().save(str(folder))
    scorer = load_scorer(folder)
    parity = check_parity(model, scorer, test, mode="batch")
    batch = scorer.predict_batch(test.drop("income").toPandas())
    return {
        "parity_ok": parity.ok,
        "rows_compared": parity.compared,
        "predicted_over_50k": int(sum(label == ">50K" for label in batch.label)),
    }


def retrain_once(spark, train_path: Path, registry: Path) -> dict[str, Any]:
    """One scheduled retrain into an empty registry: outcome, version, metrics, checks."""
    result = retrain(spark, train_path, registry, RetrainConfig.from_dict(RETRAIN_CONFIG))
    return {
        "outcome": result.outcome,
        "version": result.version,
        "metrics": result.record.metrics,
        "checks": {c.name: c.verdict for c in result.report.results},
    }


def where_it_ran(spark, train) -> dict[str, Any]:
    """Master, parallelism and partitions: from the SparkContext, or on Connect from the server."""
    if not is_connect(spark):
        return {
            "connect": False,
            "master": spark.sparkContext.master,
            "default_parallelism": spark.sparkContext.defaultParallelism,
            "train_partitions": train.rdd.getNumPartitions(),
        }
    from pyspark.sql import functions as F

    return {
        "connect": True,
        "master": spark.conf.get("spark.master"),
        "default_parallelism": int(spark.conf.get("spark.default.parallelism")),
        "train_partitions": train.select(F.spark_partition_id()).distinct().count(),
    }


def run(train_path: Path, work: Path) -> dict[str, Any]:
    """Load, fit, tune, export, retrain; return what must match across masters."""
    spark = get_spark("labkit-codelab-path")
    spec = labpipe.adult_spec()
    timings: dict[str, float] = {}
    mark = time.perf_counter()

    train, stats = read_adult(spark, train_path)
    train = train.cache()
    test = read_adult(spark, ADULT_FILES["test"].path)[0].cache()
    labelled_test = labpipe.index_label(test, spec)
    timings["load"], mark = time.perf_counter() - mark, time.perf_counter()

    model = labpipe.fit_pipeline(train, spec, "decision_tree", params={"maxDepth": 5, "seed": SEED})
    test_auc = evaluate(model, labelled_test)
    timings["fit"], mark = time.perf_counter() - mark, time.perf_counter()

    tuning, chosen = tune(labpipe.index_label(train, spec), spec)
    timings["tune"], mark = time.perf_counter() - mark, time.perf_counter()

    exported = export_and_score(chosen, test, work / "chosen_model")
    timings["export"], mark = time.perf_counter() - mark, time.perf_counter()

    retrained = retrain_once(spark, train_path, work / "registry")
    timings["retrain"] = time.perf_counter() - mark

    return where_it_ran(spark, train) | {
        "rows": {"read": stats.rows_read, "kept": stats.rows_kept, "test": test.count()},
        "tree": model.stages[-2].toDebugString,
        "metrics": {"test_auc": test_auc},
        "tuning": tuning,
        "export": exported,
        "retrain": retrained,
        "timings_s": timings,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="where to write the JSON results")
    parser.add_argument("--train", type=Path, default=ADULT_FILES["train"].path)
    parser.add_argument("--work", type=Path, default=None, help="folder for saved models")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="labkit-path-"))
    work.mkdir(parents=True, exist_ok=True)
    result = run(args.train, work)
    args.out.write_text(json.dumps(result, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
