"""Check that this machine can run the codelab, and say how to fix what is missing.

``labkit doctor`` (and chapter 00) runs each check in order: Python, Java,
Spark, Graphviz, the data files. A check that fails prints its fix; the
command exits 1 when any check failed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass

from labkit import data
from labkit.errors import LabkitError
from labkit.session import MASTER_ENV, check_java, get_spark, resolve_master

MIN_PYTHON = (3, 11)


@dataclass(frozen=True)
class CheckResult:
    """One line of the doctor's report."""

    name: str
    ok: bool
    detail: str
    fix: str = ""

    def __str__(self) -> str:
        line = f"[{'ok' if self.ok else 'FAIL'}] {self.name}: {self.detail}"
        return line if self.ok else f"{line}\n       fix: {self.fix}"


@dataclass(frozen=True)
class Report:
    """Every check's result; ``ok`` when all passed."""

    results: tuple[CheckResult, ...]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    def __str__(self) -> str:
        verdict = "All checks passed." if self.ok else "Some checks failed: apply the fixes above."
        return "\n".join([*map(str, self.results), verdict])

    def _repr_pretty_(self, printer, cycle) -> None:  # shown as text in Jupyter
        printer.text(str(self))


def check_python() -> CheckResult:
    """Python 3.11 or newer."""
    version = ".".join(map(str, sys.version_info[:3]))
    ok = sys.version_info[:2] >= MIN_PYTHON
    fix = "Install Python 3.11 (conda: `conda env create -f environment.yml`)."
    return CheckResult("Python", ok, f"{version} at {sys.executable}", fix)


def check_java_runtime() -> CheckResult:
    """A Java 17+ runtime for Spark."""
    try:
        java = check_java()
    except LabkitError as error:
        message = str(error)
        return CheckResult("Java", False, message.splitlines()[0], message.split("\n", 1)[-1])
    return CheckResult("Java", True, f"{java.version} ({java.executable})")


def check_spark() -> CheckResult:
    """Spark starts and runs a job on the configured master."""
    master = resolve_master()
    try:
        spark = get_spark()
        count = spark.range(1000).count()
    except Exception as error:  # any failure to start is the finding itself
        return CheckResult("Spark", False, f"could not run a job on {master}: {error}",
                           "Fix Java first; on a cluster check LABKIT_SPARK_MASTER.")  # fmt: skip
    ok = count == 1000
    origin = (
        f"from {MASTER_ENV}"
        if os.environ.get(MASTER_ENV)
        else f"default; set {MASTER_ENV} to use a cluster"
    )
    detail = f"{spark.version}, master {spark.sparkContext.master} ({origin}), counted {count} rows"
    return CheckResult("Spark", ok, detail, "Spark miscounted: report this as a bug.")


def check_graphviz() -> CheckResult:
    """Graphviz's ``dot`` renders a small graph to SVG."""
    fix = ("Install Graphviz: `make lab` does it for you; otherwise conda install graphviz, "
           "sudo apt-get install graphviz, or brew install graphviz.")  # fmt: skip
    dot = shutil.which("dot")
    if dot is None:
        return CheckResult("Graphviz", False, "no `dot` on PATH", fix)
    result = subprocess.run([dot, "-Tsvg"], input="digraph { a -> b }", capture_output=True,
                            text=True, timeout=60)  # fmt: skip
    ok = result.returncode == 0 and "<svg" in result.stdout
    return CheckResult("Graphviz", ok, f"`dot` at {dot} rendered SVG" if ok else
                       f"`dot` failed: {result.stderr.strip()[:200]}", fix)  # fmt: skip


def check_data() -> CheckResult:
    """The Adult files are present and have their recorded checksums."""
    try:
        paths = [data.verify_checksum(f) for f in data.ADULT_FILES.values()]
    except LabkitError as error:
        return CheckResult("Data", False, str(error).split(":")[0], str(error))
    return CheckResult("Data", True, f"{', '.join(p.name for p in paths)}: checksums match")


CHECKS: tuple[Callable[[], CheckResult], ...] = (
    check_python, check_java_runtime, check_spark, check_graphviz, check_data,
)  # fmt: skip


def run_checks() -> Report:
    """Run every check (Spark only when Java passed) and return the report.

    Examples
    --------
    >>> run_checks().ok
    True
    """
    results: list[CheckResult] = []
    for check in CHECKS:
        java_failed = any(r.name == "Java" and not r.ok for r in results)
        if check is check_spark and java_failed:
            results.append(CheckResult("Spark", False, "skipped: Java is missing", "Fix Java."))
            continue
        results.append(check())
    return Report(tuple(results))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``labkit doctor`` takes no options."""


def run(args: argparse.Namespace) -> int:
    """Print the report; exit 1 when a check failed."""
    report = run_checks()
    print(report)
    return 0 if report.ok else 1
