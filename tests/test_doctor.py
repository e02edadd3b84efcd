"""labkit doctor: every check passes here, and a failing one prints its fix."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from labkit import doctor


def test_all_checks_pass_on_this_machine(spark):
    report = doctor.run_checks()
    assert [r.name for r in report.results] == ["Python", "Java", "Spark", "Graphviz", "Data"]
    assert report.ok, str(report)
    assert str(report).endswith("All checks passed.")


def test_failed_check_prints_its_fix(monkeypatch, tmp_path):
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    result = doctor.check_java_runtime()
    assert not result.ok
    assert "fix:" in str(result) and "openjdk=17" in str(result)


def test_missing_graphviz_says_what_to_install(monkeypatch):
    monkeypatch.setenv("PATH", "")
    result = doctor.check_graphviz()
    assert not result.ok and "apt-get install graphviz" in result.fix


def test_data_check_fails_on_a_changed_file(monkeypatch, tmp_path):
    monkeypatch.setenv("LABKIT_DATA_DIR", str(tmp_path))
    result = doctor.check_data()
    assert not result.ok and "No file at" in result.fix


@pytest.mark.spark  # the Spark check starts a JVM in the command's process
def test_console_script_exit_code_and_output(tmp_path):
    env = {**os.environ, "LABKIT_DATA_DIR": str(tmp_path), "LABKIT_SPARK_MASTER": "local[1]"}
    result = subprocess.run([sys.executable, "-m", "labkit.cli", "doctor"], capture_output=True,
                            text=True, env=env, timeout=300)  # fmt: skip
    assert result.returncode == 1
    assert "[FAIL] Data" in result.stdout and "Some checks failed" in result.stdout
    assert "[ok] Spark" in result.stdout
    assert "local mode on this machine (local[1], from LABKIT_SPARK_MASTER)" in result.stdout
