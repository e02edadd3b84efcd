"""Check that this machine can run the codelab, and say how to fix what is missing.

``labkit doctor`` (and chapter 00) runs each check in order: Python, Java,
Spark, Graphviz, the data files. A check that fails prints its fix; the
command exits 1 when any check failed.

With a Spark Connect server configured (``$LABKIT_SPARK_REMOTE``), Spark runs
on that server: Java is not needed here, and the doctor checks the server
instead (reachable, same Spark version, and that it can read the data).
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
from labkit.session import (
    MASTER_ENV,
    REMOTE_ENV,
    check_java,
    get_spark,
    resolve_master,
    resolve_remote,
)

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
    """A Java 17+ runtime for Spark (not needed when Spark runs on a Connect server)."""
    remote = resolve_remote()
    if remote:
        return CheckResult("Java", True, f"not needed: Spark runs on the server at {remote}")
    try:
        java = check_java()
    except LabkitError as error:
        message = str(error)
        return CheckResult("Java", False, message.splitlines()[0], message.split("\n", 1)[-1])
    return CheckResult("Java", True, f"{java.version} ({java.executable})")


def spark_mode() -> str:
    """Where Spark runs, in words, and which setting chose it (also printed by chapter 00).

    Examples
    --------
    >>> import os
    >>> os.environ.pop("LABKIT_SPARK_REMOTE", None) and None
    >>> os.environ.pop("LABKIT_SPARK_MASTER", None) and None
    >>> spark_mode()
    'local mode on this machine (local[*]; set LABKIT_SPARK_MASTER to use a cluster)'
    """
    remote = resolve_remote()
    if remote:
        return f"Spark Connect: a thin client of the server at {remote} (from {REMOTE_ENV})"
    master = resolve_master()
    if not os.environ.get(MASTER_ENV):
        return f"local mode on this machine ({master}; set {MASTER_ENV} to use a cluster)"
    kind = "local mode on this machine" if master.startswith("local") else "a cluster"
    return f"{kind} ({master}, from {MASTER_ENV})"


def check_spark() -> CheckResult:
    """Spark starts (or its Connect server answers) and runs a job."""
    where = resolve_remote() or resolve_master()
    try:
        spark = get_spark()
        count = spark.range(1000).count()
    except LabkitError as error:  # our own errors carry their fix after the first line
        message = str(error)
        return CheckResult("Spark", False, message.splitlines()[0], message)
    except Exception as error:  # any failure to start is the finding itself
        fix = f"Fix Java first; on a cluster check {MASTER_ENV} or {REMOTE_ENV}."
        return CheckResult("Spark", False, f"could not run a job on {where}: {error}", fix)
    ok = count == 1000
    detail = f"{spark.version}, {spark_mode()}, counted {count} rows"
    return CheckResult("Spark", ok, detail, "Spark miscounted: report this as a bug.")


def check_server_reads_data() -> CheckResult:
    """With a Connect server: it can read the data files at the paths this machine uses."""
    spark = get_spark()
    missing = []
    for data_file in data.ADULT_FILES.values():
        try:
            spark.read.text(str(data_file.path)).limit(1).count()
        except Exception:  # the server's AnalysisException: path not found there
            missing.append(str(data_file.path))
    if not missing:
        return CheckResult("Server data", True, "the server reads the data files at the same paths")
    fix = (
        "Put the data where the server sees it at the same path (a shared folder) and set "
        f"{data.DATA_DIR_ENV} to it on both sides; ask your instructor for the path."
    )
    return CheckResult("Server data", False, f"the server cannot see {', '.join(missing)}", fix)


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

    With a Spark Connect server configured, a last check asks the server to
    read the data files (it must see them at the same paths).

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
    spark_ok = any(r.name == "Spark" and r.ok for r in results)
    if resolve_remote() and spark_ok:
        results.append(check_server_reads_data())
    return Report(tuple(results))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``labkit doctor`` takes no options."""


def run(args: argparse.Namespace) -> int:
    """Print the report; exit 1 when a check failed."""
    report = run_checks()
    print(report)
    return 0 if report.ok else 1
