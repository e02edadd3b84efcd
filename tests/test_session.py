"""The Spark session: Java preflight, master resolution, laptop settings, quiet JVM."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from labkit import session
from labkit.errors import JavaNotFound, JavaTooOld, LabkitError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('openjdk version "17.0.15" 2025-04-15', ("17.0.15", 17)),
        ('openjdk version "21" 2023-09-19', ("21", 21)),
        ('java version "1.8.0_392"', ("1.8.0_392", 8)),
        ('openjdk version "11.0.2-ea"', ("11.0.2-ea", 11)),
    ],
)
def test_parse_java_version(text, expected):
    assert session.parse_java_version(text) == expected


def test_check_java_finds_this_machines_java():
    java = session.check_java()
    assert java.major >= 17
    assert Path(java.executable).exists()


def test_missing_java_home_names_the_folder_and_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    with pytest.raises(JavaNotFound, match=r"JAVA_HOME is set to .* but has no bin/java") as info:
        session.check_java()
    assert "openjdk=17" in str(info.value) and "apt-get" in str(info.value)
    assert isinstance(info.value, RuntimeError) and isinstance(info.value, LabkitError)


def test_no_java_on_path(monkeypatch):
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", "")
    with pytest.raises(JavaNotFound, match="no `java` on PATH and JAVA_HOME is not set"):
        session.check_java()


def test_old_java_is_refused_with_the_version_found(tmp_path, monkeypatch):
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    java = fake_bin / "java"
    java.write_text("#!/bin/sh\necho 'java version \"1.8.0_392\"' >&2\n")
    java.chmod(0o755)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    with pytest.raises(JavaTooOld, match=r"Java 17\+, but .* is Java 1\.8\.0_392"):
        session.check_java()


def test_master_precedence(monkeypatch):
    monkeypatch.delenv(session.MASTER_ENV, raising=False)
    assert session.resolve_master() == "local[*]"
    monkeypatch.setenv(session.MASTER_ENV, "spark://127.0.0.1:7077")
    assert session.resolve_master() == "spark://127.0.0.1:7077"
    assert session.resolve_master("local[1]") == "local[1]"


def test_session_is_tuned_for_a_laptop_and_shared(spark):
    assert spark.conf.get("spark.ui.enabled") == "false"
    assert spark.conf.get("spark.ui.showConsoleProgress") == "false"
    assert spark.conf.get("spark.sql.shuffle.partitions") == "4"
    assert session.get_spark() is spark
    assert spark.range(10).count() == 10


def test_the_jvm_runs_with_the_fast_start_options(spark):
    """The options reach the running JVM (a typo in a flag would stop it from starting)."""
    bean = spark.sparkContext._jvm.java.lang.management.ManagementFactory.getRuntimeMXBean()
    arguments = list(bean.getInputArguments())
    for option in session.FAST_START_JVM_OPTIONS.split():
        assert option in arguments, arguments


@pytest.mark.spark  # starts a JVM in a process of its own
def test_jvm_output_stays_out_of_the_process_output(tmp_path):
    """A fresh process: the JVM's warnings go to the log file, nothing to stdout/stderr."""
    script = "from labkit import get_spark; print(get_spark().range(5).count())"
    env = {**os.environ, "LABKIT_LOG_DIR": str(tmp_path), "LABKIT_SPARK_MASTER": "local[1]"}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env=env, timeout=300)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == "5\n"
    assert result.stderr == ""
    logs = list(tmp_path.glob("labkit-spark-*.log"))
    assert len(logs) == 1
    assert "incubator" in logs[0].read_text()  # the JVM did write, to the log
