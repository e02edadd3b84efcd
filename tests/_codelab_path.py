"""The codelab's path from CSV to model, as one script whose results are JSON.

Run it once in local mode and once with ``LABKIT_SPARK_MASTER=spark://...``
(each run is its own process: a SparkSession's master cannot change once the
JVM is up) and compare the two JSON files: the same code must give the same
tree and the same metrics on a laptop and on a cluster.

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

from labkit.data import ADULT_CATEGORICAL, ADULT_FILES, ADULT_LABEL, ADULT_NUMERIC, read_adult
from labkit.session import get_spark

SEED = 42
MAX_BINS = 64  # native-country has 42 values, more than Spark's default 32
DEPTHS = (3, 6)
FOLDS = 2


def build_pipeline(max_depth: int = 5):
    """Indexers for the categories and the label, an assembler, and a decision tree."""
    from pyspark.ml import Pipeline
    from pyspark.ml.classification import DecisionTreeClassifier
    from pyspark.ml.feature import StringIndexer, VectorAssembler

    indexed = [f"{c}_idx" for c in ADULT_CATEGORICAL]
    return Pipeline(
        stages=[
            StringIndexer(inputCols=list(ADULT_CATEGORICAL), outputCols=indexed,
                          handleInvalid="keep"),
            StringIndexer(inputCol=ADULT_LABEL, outputCol="label"),
            VectorAssembler(inputCols=[*ADULT_NUMERIC, *indexed], outputCol="features"),
            DecisionTreeClassifier(maxDepth=max_depth, maxBins=MAX_BINS, seed=SEED),
        ]
    )  # fmt: skip


def evaluate(predictions) -> dict[str, float]:
    """AUC from probabilities (a tree's rawPrediction holds counts) and accuracy."""
    from pyspark.ml.evaluation import (
        BinaryClassificationEvaluator,
        MulticlassClassificationEvaluator,
    )

    auc = BinaryClassificationEvaluator(rawPredictionCol="probability", metricName="areaUnderROC")
    accuracy = MulticlassClassificationEvaluator(metricName="accuracy")
    return {"auc": auc.evaluate(predictions), "accuracy": accuracy.evaluate(predictions)}


def tune(train) -> dict[str, Any]:
    """Cross-validate tree depth; report every candidate, not only the best."""
    from pyspark.ml.evaluation import BinaryClassificationEvaluator
    from pyspark.ml.tuning import CrossValidator, ParamGridBuilder

    pipeline = build_pipeline()
    tree = pipeline.getStages()[-1]
    grid = ParamGridBuilder().addGrid(tree.maxDepth, list(DEPTHS)).build()
    cv = CrossValidator(
        estimator=pipeline,
        estimatorParamMaps=grid,
        evaluator=BinaryClassificationEvaluator(rawPredictionCol="probability"),
        numFolds=FOLDS,
        seed=SEED,
    )
    model = cv.fit(train)
    best = model.bestModel.stages[-1]
    return {
        "candidates": [
            {"max_depth": depth, "mean_auc": mean}
            for depth, mean in zip(DEPTHS, model.avgMetrics, strict=True)
        ],
        "best_max_depth": best.getMaxDepth(),
        "best_model": model.bestModel,
    }


def run(train_path: Path, work: Path) -> dict[str, Any]:
    """Load, fit, evaluate, tune, save and reload; return what must match across masters."""
    spark = get_spark("labkit-codelab-path")
    timings: dict[str, float] = {}
    started = time.perf_counter()

    train, stats = read_adult(spark, train_path)
    train = train.cache()
    test, _ = read_adult(spark, ADULT_FILES["test"].path)
    test = test.cache()
    timings["load"] = time.perf_counter() - started

    mark = time.perf_counter()
    model = build_pipeline().fit(train)
    metrics = evaluate(model.transform(test))
    timings["fit"] = time.perf_counter() - mark

    mark = time.perf_counter()
    tuning = tune(train)
    timings["tune"] = time.perf_counter() - mark

    mark = time.perf_counter()
    saved = work / "best_model"
    tuning.pop("best_model").write().overwrite().save(str(saved))
    from pyspark.ml import PipelineModel

    reloaded = PipelineModel.load(str(saved))
    reloaded_metrics = evaluate(reloaded.transform(test))
    timings["save_load"] = time.perf_counter() - mark

    return {
        "master": spark.sparkContext.master,
        "default_parallelism": spark.sparkContext.defaultParallelism,
        "train_partitions": train.rdd.getNumPartitions(),
        "rows": {"read": stats.rows_read, "kept": stats.rows_kept, "test": test.count()},
        "tree": model.stages[-1].toDebugString,
        "metrics": metrics,
        "tuning": tuning,
        "reloaded_metrics": reloaded_metrics,
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
