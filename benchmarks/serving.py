"""Throughput and latency of ``labkit serve`` on 127.0.0.1 under a bounded load.

Starts ``labkit serve`` in its own process, then for each phase runs
``--clients`` client processes for ``--seconds`` seconds, each sending one
request at a time (a new connection per request: the server speaks HTTP/1.0):

* ``healthz``: ``GET /healthz``, the baseline: the cost of HTTP alone;
* ``predict 1``: ``POST /predict`` with one Adult test row;
* ``predict N``: ``POST /predict`` with a batch of ``--batch`` rows.

Prints requests/s, rows/s and p50/p99 latency for each, and each phase's
ratios against the baseline measured in the same run. Without ``--registry``
it fits a logistic regression on the Adult training data (Spark runs in this
process only, never in the server's), exports it and builds a registry in a
temporary folder.

Run::

    .venv/bin/python benchmarks/serving.py --seconds 20 --clients 8 --batch 100
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path


def build_registry(folder: Path) -> Path:
    """Fit, save and export a logistic regression; register and promote it as 1.0.0."""
    from labkit import get_spark, load_adult
    from labkit.export import export
    from labkit.pipeline import adult_spec, fit_pipeline
    from labkit.registry import Registry

    spark = get_spark("labkit-benchmark")
    model = fit_pipeline(load_adult(spark, "train"), adult_spec(), "logistic_regression")
    model.save(str(folder / "model"))
    export(folder / "model", folder / "scorer.json")
    spark.stop()  # the JVM would only compete with the server for the CPU
    registry = Registry(folder / "registry")
    registry.add(folder / "model", folder / "scorer.json", {"params": {}}, version="1.0.0")
    registry.promote("1.0.0", reason="benchmark")
    return registry.root


def test_rows(count: int) -> list[dict]:
    """The first ``count`` Adult test rows as request rows (no label), read without Spark."""
    from labkit.data import ADULT_COLUMNS, ADULT_NUMERIC, data_dir

    rows = []
    with open(data_dir() / "adult.test", encoding="utf-8") as lines:
        for line in lines:
            fields = [f.strip() for f in line.split(",")]
            if line.startswith("|") or len(fields) != len(ADULT_COLUMNS):
                continue
            row = {
                name: None if value == "?" else int(value) if name in ADULT_NUMERIC else value
                for name, value in zip(ADULT_COLUMNS, fields, strict=True)
            }
            row.pop("income")
            rows.append(row)
            if len(rows) == count:
                break
    return rows


def start_server(registry: Path) -> tuple[subprocess.Popen, str, int]:
    """Start ``labkit serve`` on a free port; return the process, host and port."""
    command = [sys.executable, "-m", "labkit.cli", "serve", "--registry", str(registry),
               "--port", "0"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})  # fmt: skip
    first = process.stdout.readline()  # "labkit serve: http://127.0.0.1:PORT (champion ...)"
    host, port = first.split()[2].removeprefix("http://").split(":")
    return process, host, int(port)


def client(host: str, port: int, method: str, path: str, body: bytes, seconds: float) -> list:
    """Send requests one after another for ``seconds``; return (latency s, status) pairs."""
    results = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        connection = http.client.HTTPConnection(host, port, timeout=30)
        connection.request(method, path, body=body or None,
                           headers={"Content-Type": "application/json"})  # fmt: skip
        response = connection.getresponse()
        response.read()
        connection.close()
        results.append((time.perf_counter() - start, response.status))
    return results


def run_phase(pool, host, port, method, path, body, *, clients, seconds) -> dict:
    """Run ``clients`` clients at once; return requests/s, p50/p99 (ms) and failures."""
    jobs = [pool.submit(client, host, port, method, path, body, seconds) for _ in range(clients)]
    results = [pair for job in jobs for pair in job.result()]
    latencies = sorted(latency for latency, _ in results)
    return {
        "requests": len(results),
        "failed": sum(status != 200 for _, status in results),
        "rps": len(results) / seconds,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
    }


def direct_predict_us(registry: Path, rows: list[dict]) -> float:
    """Median microseconds of one in-process ``scorer.predict`` call (no HTTP at all)."""
    from labkit.export import load_scorer
    from labkit.registry import Registry

    scorer = load_scorer(Registry(registry).champion().scorer_path)
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        for row in rows:
            scorer.predict(row)
        timings.append((time.perf_counter() - start) / len(rows))
    return 1e6 * statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registry", type=Path, help="registry to serve (default: build one)")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each phase")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client processes")
    parser.add_argument("--batch", type=int, default=100, help="rows per batch request")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        registry = args.registry or build_registry(Path(scratch))
        rows = test_rows(max(args.batch, 1000))
        process, host, port = start_server(registry)
        try:
            phases = {
                "healthz (baseline)": ("GET", "/healthz", b"", 0),
                "predict 1 row": ("POST", "/predict", json.dumps({"row": rows[0]}).encode(), 1),
                f"predict {args.batch} rows": (
                    "POST",
                    "/predict",
                    json.dumps({"rows": rows[: args.batch]}).encode(),
                    args.batch,
                ),  # fmt: skip
            }
            figures = {}
            with ProcessPoolExecutor(max_workers=args.clients) as pool:
                for name, (method, path, body, per_request) in phases.items():
                    figures[name] = run_phase(
                        pool, host, port, method, path, body,
                        clients=args.clients, seconds=args.seconds,
                    )  # fmt: skip
                    figures[name]["rows"] = per_request
        finally:
            process.terminate()
            process.wait(timeout=30)
        direct = direct_predict_us(registry, rows[:1000])

    base = figures["healthz (baseline)"]
    print(f"labkit serve on {host}, {args.clients} clients x {args.seconds:g} s per phase, "
          f"{os.cpu_count()} CPUs")  # fmt: skip
    print(f"{'phase':<20} {'requests':>9} {'failed':>6} {'req/s':>8} {'rows/s':>9} "
          f"{'p50 ms':>7} {'p99 ms':>7} {'req/s vs base':>13} {'p50 vs base':>11}")  # fmt: skip
    for name, f in figures.items():
        rows_per_s = f["rps"] * max(f["rows"], 1)
        print(
            f"{name:<20} {f['requests']:>9,} {f['failed']:>6} {f['rps']:>8.0f} {rows_per_s:>9.0f} "
            f"{f['p50_ms']:>7.2f} {f['p99_ms']:>7.2f} {f['rps'] / base['rps']:>12.2f}x "
            f"{f['p50_ms'] / base['p50_ms']:>10.2f}x"
        )
    print(
        f"in-process scorer.predict (no HTTP): {direct:.1f} us per row (median of 5 x 1,000 rows)"
    )


if __name__ == "__main__":
    main()
