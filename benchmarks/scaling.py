"""How the retrain job's cost grows with data, in local mode and on a standalone cluster.

The Adult training file is replicated 1x, 4x and 16x; for each size ``labkit
retrain`` runs as its own process (a cron job's shape: JVM start-up included)
into an empty registry, once with ``local[2]`` and once against a one-worker
standalone cluster (2 cores) started on 127.0.0.1 for this run. The baseline is
the 1x local run measured in the same run of this script; every other figure
is printed as a ratio against it.

Run::

    .venv/bin/python benchmarks/scaling.py [--factors 1 4 16] [--repeats 1] [--markdown]

Expect a few minutes on two cores. The cluster's processes, logs and work
directories live in a temporary folder and are stopped by PID at the end.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from _cluster import StandaloneCluster, tail  # noqa: E402

from labkit.data import ADULT_FILES  # noqa: E402
from labkit.session import MASTER_ENV  # noqa: E402

LOCAL_MASTER = "local[2]"


@dataclass
class Measurement:
    """One retrain run: where, how much data, how long."""

    mode: str
    factor: int
    rows: int
    seconds: float
    job_line: str


def replicate(source: Path, factor: int, folder: Path) -> tuple[Path, int]:
    """Write ``source``'s data lines ``factor`` times into one file; return it and its rows."""
    lines = [line for line in source.read_text().splitlines() if line.strip()]
    target = folder / f"adult_x{factor}.data"
    with open(target, "w") as out:
        for _ in range(factor):
            out.write("\n".join(lines))
            out.write("\n")
    return target, len(lines) * factor


def run_retrain(data: Path, master: str, folder: Path) -> tuple[float, str]:
    """Run ``labkit retrain`` on ``data`` against ``master``; return seconds and its summary."""
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, MASTER_ENV: master, "LABKIT_LOG_DIR": str(folder)}
    command = [
        str(Path(sys.executable).parent / "labkit"), "retrain",
        "--data", str(data), "--registry", str(folder / "registry"),
    ]  # fmt: skip
    log = folder / "retrain.log"
    started = time.perf_counter()
    with open(log, "w") as out:
        code = subprocess.call(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=folder)
    seconds = time.perf_counter() - started
    if code not in (0, 3):
        raise RuntimeError(f"labkit retrain exited with {code}; its log ends:\n{tail(log)}")
    summary = re.search(r"^run \S+: .*$", log.read_text(), flags=re.MULTILINE)
    return seconds, summary.group(0) if summary else ""


def measure(mode: str, master: str, files: dict[int, tuple[Path, int]], folder: Path,
            repeats: int) -> list[Measurement]:  # fmt: skip
    """Best of ``repeats`` runs per size (the least disturbed by other work on the machine)."""
    results = []
    for factor, (path, rows) in files.items():
        runs = [run_retrain(path, master, folder / f"{mode}_x{factor}_{n}") for n in range(repeats)]
        seconds, line = min(runs)
        results.append(Measurement(mode, factor, rows, seconds, line))
        print(f"  {mode:>7} x{factor:<3} {rows:>9,} rows  {seconds:7.1f} s", flush=True)
    return results


def table(measurements: list[Measurement]) -> str:
    """A markdown table: seconds and the ratio to the 1x local baseline."""
    baseline = next(m for m in measurements if m.mode == "local" and m.factor == 1).seconds
    lines = [
        "| data | rows | mode | retrain job (s) | vs 1x local |",
        "| --- | ---: | --- | ---: | ---: |",
    ]
    for m in sorted(measurements, key=lambda m: (m.factor, m.mode != "local")):
        lines.append(
            f"| Adult x{m.factor} | {m.rows:,} | {m.mode} | {m.seconds:.1f} | "
            f"{m.seconds / baseline:.2f}x |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args(argv)
    if 1 not in args.factors:
        parser.error("--factors must include 1: it is the baseline")
    with tempfile.TemporaryDirectory(prefix="labkit-scaling-") as tmp:
        folder = Path(tmp)
        source = ADULT_FILES["train"].path
        files = {f: replicate(source, f, folder) for f in sorted(args.factors)}
        print(f"retrain job ({LOCAL_MASTER} vs standalone 1 worker x 2 cores), best of "
              f"{args.repeats}:", flush=True)  # fmt: skip
        measurements = measure("local", LOCAL_MASTER, files, folder, args.repeats)
        with StandaloneCluster(folder / "cluster", cores=2) as cluster:
            measurements += measure("cluster", cluster.master_url, files, folder, args.repeats)
    print()
    print(table(measurements))
    return 0


if __name__ == "__main__":
    sys.exit(main())
