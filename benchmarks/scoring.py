"""Scoring speed: Spark's transform against the exported scorer, measured in one run.

Run it from the repository root (takes a minute or two on a laptop)::

    .venv/bin/python benchmarks/scoring.py [--rows-single 20000] [--spark-single 30]

For each model (a decision tree and a logistic regression behind the same
indexer + one-hot + assembler pipeline, fitted on adult.data) it prints:

- single-row latency: Spark (a one-row DataFrame, ``transform``, ``collect``),
  ``Scorer.predict``, and the generated standalone module's ``predict``:
  median and p99, with the speed-up over Spark's median;
- batch: all 48,842 Adult rows through Spark ``transform`` (to pandas) and
  through ``Scorer.predict_batch`` (from pandas): seconds and rows/second,
  with the speed-up over Spark.

Every ratio is against Spark measured in the same process, on the same rows.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from labkit import data  # noqa: E402
from labkit.export import load_scorer, to_python_source  # noqa: E402
from labkit.session import get_spark  # noqa: E402


def _pipeline(model: str):
    from pyspark.ml import Pipeline
    from pyspark.ml.classification import DecisionTreeClassifier, LogisticRegression
    from pyspark.ml.feature import OneHotEncoder, StringIndexer, VectorAssembler

    cats = list(data.ADULT_CATEGORICAL)
    stages = [
        StringIndexer(inputCols=cats, outputCols=[f"{c}_idx" for c in cats], handleInvalid="keep"),
        StringIndexer(inputCol=data.ADULT_LABEL, outputCol="label"),
        OneHotEncoder(inputCols=[f"{c}_idx" for c in cats], outputCols=[f"{c}_vec" for c in cats]),
        VectorAssembler(
            inputCols=[*data.ADULT_NUMERIC, *[f"{c}_vec" for c in cats]], outputCol="features"
        ),  # fmt: skip
    ]
    estimator = (
        DecisionTreeClassifier(maxDepth=6, seed=1) if model == "tree"
        else LogisticRegression(maxIter=50, regParam=0.01)
    )  # fmt: skip
    return Pipeline(stages=[*stages, estimator])


def _latencies_us(predict, rows: list[dict], repeat: int) -> list[float]:
    """Time ``predict`` on one row at a time, cycling through ``rows``; microseconds each."""
    clock = time.perf_counter_ns
    times = []
    for i in range(repeat):
        row = rows[i % len(rows)]
        start = clock()
        predict(row)
        times.append((clock() - start) / 1000)
    return times


def _spark_single_ms(spark, model, rows: list[dict], repeat: int, schema) -> list[float]:
    times = []
    for i in range(repeat):
        start = time.perf_counter()
        one = spark.createDataFrame([rows[i % len(rows)]], schema=schema)
        model.transform(one).select("prediction", "probability").collect()
        times.append((time.perf_counter() - start) * 1000)
    return times


def _p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


def _best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def run(model_name: str, spark, everything, rows, pdf, args, workdir: Path) -> list[str]:
    from pyspark.ml.functions import vector_to_array

    train = data.load_adult(spark, "train")
    model = _pipeline(model_name).fit(train)
    folder = workdir / model_name
    model.write().overwrite().save(str(folder))
    scorer = load_scorer(folder)
    namespace: dict = {}
    exec(compile(to_python_source(scorer), f"{model_name}_scorer.py", "exec"), namespace)
    generated = namespace["predict"]
    inputs = [{k: v for k, v in r.items() if k != data.ADULT_LABEL} for r in rows]
    schema = everything.drop(data.ADULT_LABEL).schema

    spark_ms = _spark_single_ms(spark, model, inputs, args.spark_single, schema)
    scorer_us = _latencies_us(scorer.predict, inputs, args.rows_single)
    generated_us = _latencies_us(generated, inputs, args.rows_single)
    spark_median_us = statistics.median(spark_ms) * 1000

    def spark_batch():
        out = model.transform(everything).select("prediction", vector_to_array("probability"))
        return out.toPandas()

    spark_s = _best_of(spark_batch)
    scorer_s = _best_of(lambda: scorer.predict_batch(pdf))
    check = scorer.predict_batch(pdf)
    expected = model.transform(everything).select("prediction").toPandas()["prediction"]
    agree = int((check.prediction == expected.to_numpy()).sum())
    n = len(pdf)
    line = "| {} | {} | {:,.1f} µs | {:,.1f} µs | {:,.0f}× |"
    out = [
        line.format(model_name, "Spark transform, 1 row", spark_median_us,
                    _p99(spark_ms) * 1000, 1),
        line.format(model_name, "Scorer.predict", statistics.median(scorer_us), _p99(scorer_us),
                    spark_median_us / statistics.median(scorer_us)),
        line.format(model_name, "generated predict(row)", statistics.median(generated_us),
                    _p99(generated_us), spark_median_us / statistics.median(generated_us)),
        f"| {model_name} | Spark transform, {n:,} rows | {spark_s:.3f} s | "
        f"{n / spark_s:,.0f} rows/s | 1× |",
        f"| {model_name} | Scorer.predict_batch, {n:,} rows | {scorer_s:.3f} s | "
        f"{n / scorer_s:,.0f} rows/s | {spark_s / scorer_s:,.1f}× |",
    ]  # fmt: skip
    print(f"{model_name}: predict_batch agrees with Spark on {agree:,} of {n:,} classes",
          file=sys.stderr)  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows-single", type=int, default=20_000, help="scorer calls timed")
    parser.add_argument("--spark-single", type=int, default=30, help="Spark one-row transforms")
    parser.add_argument("--models", default="tree,logistic")
    args = parser.parse_args()
    import tempfile

    spark = get_spark("labkit-benchmark")
    everything = data.load_adult(spark, "train").unionByName(data.load_adult(spark, "test"))
    everything = everything.cache()
    everything.count()
    pdf = everything.drop(data.ADULT_LABEL).toPandas()
    rows = [r.asDict() for r in everything.limit(1000).collect()]
    table = ["| model | what | median (or time) | p99 (or throughput) | speed-up over Spark |",
             "| --- | --- | ---: | ---: | ---: |"]  # fmt: skip
    with tempfile.TemporaryDirectory() as workdir:
        for name in args.models.split(","):
            table += run(name, spark, everything, rows, pdf, args, Path(workdir))
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{os.cpu_count()} CPUs, load average {load} (other work on the machine inflates "
          "Spark's times more than the scorer's)")  # fmt: skip
    print("\n".join(table))


if __name__ == "__main__":
    main()
