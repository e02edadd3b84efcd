"""Scoring speed and agreement: Spark, labkit's scorer, generated code and onnxruntime, one run.

Run it from the repository root (a few minutes; onnxruntime and onnxmltools come with the
``bench`` extra: ``pip install -e .[bench]``)::

    .venv/bin/python benchmarks/scoring.py [--rows-single 20000] [--spark-single 20]

For each model (a depth-6 decision tree and a logistic regression behind one
StringIndexer per categorical column, a one-hot encoder and an assembler, fitted on
adult.data; the layout onnxmltools can convert) it scores all 48,842 Adult rows and prints:

- agreement with Spark's ``transform`` on every row, for each path: ``Scorer.predict_batch``,
  ``Scorer.predict`` (row by row), the generated module's ``predict`` and onnxruntime;
- batch throughput of Spark, ``predict_batch`` (from a pandas DataFrame) and onnxruntime
  (from the same DataFrame, inputs converted in the timed part);
- single-row latency (median and p99) of Spark, ``Scorer.predict``, the generated module and
  onnxruntime fed one row of named inputs, as a service would;
- the ratios the project aims at, measured in this run: labkit batch over onnxruntime batch
  throughput, labkit row over onnxruntime row latency, generated over ``Scorer.predict``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from labkit import data  # noqa: E402
from labkit.export import load_scorer, to_python_source  # noqa: E402
from labkit.export.codegen import load_source  # noqa: E402
from labkit.session import get_spark  # noqa: E402

#: onnxmltools wants plain input names; the same names are used on every path.
CATS = [c.replace("-", "_") for c in data.ADULT_CATEGORICAL if c != data.ADULT_LABEL]
NUMS = [c.replace("-", "_") for c in data.ADULT_NUMERIC]


def _adult(spark, part: str):
    """Adult rows (``"train"``, ``"test"``) with plain names and numbers as doubles."""
    from pyspark.sql import functions as F

    rows = data.load_adult(spark, part)
    rows = rows.select(*[F.col(f"`{c}`").alias(c.replace("-", "_")) for c in rows.columns])
    for c in NUMS:
        rows = rows.withColumn(c, F.col(c).cast("double"))
    return rows


def _pipeline(model: str):
    """One indexer per column, one-hot (keep, dropLast), assembler, model: onnxmltools' layout."""
    from pyspark.ml import Pipeline
    from pyspark.ml.classification import DecisionTreeClassifier, LogisticRegression
    from pyspark.ml.feature import OneHotEncoder, StringIndexer, VectorAssembler

    indexers = [StringIndexer(inputCol=c, outputCol=f"{c}_idx", handleInvalid="keep") for c in CATS]
    encoder = OneHotEncoder(inputCols=[f"{c}_idx" for c in CATS], handleInvalid="keep",
                            outputCols=[f"{c}_vec" for c in CATS])  # fmt: skip
    assembler = VectorAssembler(inputCols=NUMS + [f"{c}_vec" for c in CATS], outputCol="features")
    estimator = (
        DecisionTreeClassifier(maxDepth=6, seed=1) if model == "tree"
        else LogisticRegression(maxIter=50, regParam=0.01)
    )  # fmt: skip
    return Pipeline(stages=[*indexers, encoder, assembler, estimator])


def _to_onnx(model, spark):
    """The fitted pipeline as an onnxruntime session, and a function feeding it a DataFrame."""
    import numpy as np
    import onnxruntime
    from onnxmltools import convert_sparkml
    from onnxmltools.convert.common.data_types import FloatTensorType, StringTensorType

    types = [(c, StringTensorType([None, 1])) for c in CATS]
    types += [(c, FloatTensorType([None, 1])) for c in NUMS]
    with contextlib.redirect_stdout(io.StringIO()):  # onnxmltools prints the LR's parameters
        converted = convert_sparkml(model, "adult", types, spark_session=spark)
    session = onnxruntime.InferenceSession(converted.SerializeToString(),
                                           providers=["CPUExecutionProvider"])  # fmt: skip
    names = [o.name for o in session.get_outputs()]

    def feed(columns):  # null text -> "" (an unseen label, as Spark's keep treats a null)
        out = {c: np.asarray(columns[c], dtype=object).reshape(-1, 1) for c in CATS}
        for c in CATS:
            out[c][out[c] == None] = ""  # noqa: E711 - elementwise
        out.update({c: np.asarray(columns[c], dtype=np.float32).reshape(-1, 1) for c in NUMS})
        return out

    def predict(columns):
        return session.run([names[0]], feed(columns))[0].reshape(-1)

    return predict


def _latencies_us(predict, rows: list, repeat: int) -> list[float]:
    """Time ``predict`` on one row at a time, cycling through ``rows``; microseconds each."""
    clock = time.perf_counter_ns
    times = []
    for i in range(repeat):
        row = rows[i % len(rows)]
        start = clock()
        predict(row)
        times.append((clock() - start) / 1000)
    return times


def _spark_single_us(spark, model, rows: list[dict], repeat: int, schema) -> list[float]:
    times = []
    for i in range(repeat):
        start = time.perf_counter()
        one = spark.createDataFrame([rows[i % len(rows)]], schema=schema)
        model.transform(one).select("prediction", "probability").collect()
        times.append((time.perf_counter() - start) * 1e6)
    return times


def _best_of(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _agree(expected, got) -> str:
    same = sum(1 for a, b in zip(expected, got, strict=True) if a == b)
    return f"{same:,} / {len(expected):,} ({100 * same / len(expected):.2f}%)"


def run(name: str, spark, everything, frame, args, workdir: Path) -> tuple[list[str], list[str]]:
    """Fit, save, convert and time one model; (table rows, goal lines)."""
    import numpy as np
    from pyspark.ml.feature import StringIndexer
    from pyspark.ml.functions import vector_to_array

    train = _adult(spark, "train")
    label = StringIndexer(inputCol=data.ADULT_LABEL, outputCol="label").fit(train)
    model = _pipeline(name).fit(label.transform(train))
    folder = workdir / name
    model.write().overwrite().save(str(folder))
    scorer = load_scorer(folder)
    generated = load_source(to_python_source(scorer), f"{name}_scorer.py")["predict"]
    onnx_predict = _to_onnx(model, spark)

    inputs = everything.drop(data.ADULT_LABEL)
    spark_out = model.transform(inputs).select("prediction", vector_to_array("probability"))
    expected = spark_out.toPandas()["prediction"].tolist()
    rows = frame.to_dict("records")
    for row in rows:  # pandas spells a null as NaN; a service's JSON row has None
        for c in CATS:
            if not isinstance(row[c], str):
                row[c] = None
    columns = {c: frame[c].to_numpy() for c in frame.columns}

    labkit_rows = [scorer.predict(r).prediction for r in rows]
    generated_rows = [generated(r)["prediction"] for r in rows]
    labkit_batch = scorer.predict_batch(frame).prediction.tolist()
    onnx_batch = onnx_predict(columns).astype(np.float64).tolist()
    agreement = {
        "labkit batch": _agree(expected, labkit_batch),
        "labkit row": _agree(expected, labkit_rows),
        "generated row": _agree(expected, generated_rows),
        "onnxruntime": _agree(expected, onnx_batch),
    }

    sample = rows[:1000]
    schema = inputs.schema
    spark_us = _spark_single_us(spark, model, sample, args.spark_single, schema)
    scorer_us = _latencies_us(scorer.predict, sample, args.rows_single)
    generated_us = _latencies_us(generated, sample, args.rows_single)
    onnx_one = [{c: [r[c]] for c in CATS + NUMS} for r in sample]
    onnx_us = _latencies_us(onnx_predict, onnx_one, args.rows_single)

    n = len(frame)
    spark_s = _best_of(lambda: spark_out.toPandas(), 3)
    scorer_s = _best_of(lambda: scorer.predict_batch(frame))
    onnx_s = _best_of(lambda: onnx_predict({c: frame[c].to_numpy() for c in frame.columns}))

    def single(what, times, key):
        med = statistics.median(times)
        p99 = statistics.quantiles(times, n=100)[98]
        return f"| {name} | {what}, 1 row | {med:,.1f} µs | {p99:,.1f} µs | {agreement[key]} |"

    def batch(what, seconds, key):
        return f"| {name} | {what}, {n:,} rows | {seconds:.3f} s | {n / seconds:,.0f} rows/s | " \
               f"{agreement[key]} |"  # fmt: skip

    table = [
        f"| {name} | Spark transform, 1 row | {statistics.median(spark_us) / 1000:,.1f} ms | "
        f"{statistics.quantiles(spark_us, n=100)[98] / 1000:,.1f} ms | (reference) |",
        single("Scorer.predict", scorer_us, "labkit row"),
        single("generated predict(row)", generated_us, "generated row"),
        single("onnxruntime", onnx_us, "onnxruntime"),
        f"| {name} | Spark transform, {n:,} rows | {spark_s:.3f} s | {n / spark_s:,.0f} rows/s "
        "| (reference) |",
        batch("Scorer.predict_batch", scorer_s, "labkit batch"),
        batch("onnxruntime", onnx_s, "onnxruntime"),
    ]
    med = statistics.median
    goals = [
        f"{name}: labkit batch throughput / onnxruntime's: {onnx_s / scorer_s:.2f}x (goal >= 1)",
        f"{name}: labkit single-row time / onnxruntime's: {med(scorer_us) / med(onnx_us):.3f}x "
        "(goal <= 0.12)",
        f"{name}: generated predict time / Scorer.predict's: "
        f"{med(generated_us) / med(scorer_us):.2f}x (goal <= 1)",
    ]
    return table, goals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows-single", type=int, default=20_000, help="calls timed per path")
    parser.add_argument("--spark-single", type=int, default=20, help="Spark one-row transforms")
    parser.add_argument("--models", default="tree,logistic")
    parser.add_argument("--keep", type=Path, help="save the fitted models in this folder")
    args = parser.parse_args()

    spark = get_spark("labkit-benchmark")
    everything = _adult(spark, "train").unionByName(_adult(spark, "test")).cache()
    frame = everything.drop(data.ADULT_LABEL).toPandas()
    table = ["| model | path | median (or time) | p99 (or throughput) | agrees with Spark |",
             "| --- | --- | ---: | ---: | ---: |"]  # fmt: skip
    goals = []
    with tempfile.TemporaryDirectory() as workdir:
        for name in args.models.split(","):
            rows, lines = run(name, spark, everything, frame, args, args.keep or Path(workdir))
            table += rows
            goals += lines
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{os.cpu_count()} CPUs, load average {load} (1, 5, 15 min) at the end of the run")
    print("\n".join(table))
    print("\n".join(goals))


if __name__ == "__main__":
    main()
