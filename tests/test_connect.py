"""The codelab through Spark Connect, on a machine where the client has no Java.

A real Spark Connect server runs in a child process (``labkit.connect_server``,
the same launcher as ``labkit connect-server``). Clients run as separate
processes whose PATH holds no ``java`` and whose environment has no
``JAVA_HOME``, as on an attendee's laptop: ``labkit doctor`` and chapter 02's
core (read, pipeline, names in the tree, save, export, score with no Spark)
must work there, and give the answers local mode gives.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from _cluster import free_port

from labkit.connect_server import ConnectServer
from labkit.errors import ConnectServerUnreachable, ConnectVersionMismatch
from labkit.session import check_connect_server, check_versions, parse_remote

pytestmark = pytest.mark.spark
VENV_BIN = Path(sys.executable).parent
#: What a Java-free laptop has on its PATH: the venv and the usual tools, no java.
_TOOLS = ("sh", "bash", "env", "uname", "cat", "ls", "dirname", "grep", "sed", "dot")


def java_free_env(tmp: Path, **extra: str) -> dict[str, str]:
    """An environment with no ``java`` on PATH and no JAVA_HOME."""
    bin_dir = tmp / "bin-without-java"
    bin_dir.mkdir(exist_ok=True)
    for tool in _TOOLS:
        found = shutil.which(tool)
        if found and not (bin_dir / tool).exists():
            (bin_dir / tool).symlink_to(found)
    env = {k: v for k, v in os.environ.items() if k not in ("JAVA_HOME", "LABKIT_SPARK_MASTER")}
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{bin_dir}"
    env.update(extra)
    assert shutil.which("java", path=env["PATH"]) is None, "the client must not find java"
    return env


def run_client(code: str, env: dict[str, str], cwd: Path, timeout: float = 900) -> str:
    """Run ``code`` in a fresh Python process; return its stdout, failing with its stderr."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, f"client failed ({result.returncode}):\n{result.stderr[-4000:]}"
    return result.stdout


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A Spark Connect server on a free port of 127.0.0.1, stopped after the module."""
    log = tmp_path_factory.mktemp("connect") / "server.log"
    with ConnectServer(free_port(), log) as running:
        yield running


def test_parse_remote_rejects_what_is_not_a_connect_url():
    with pytest.raises(Exception, match=r"not a Spark Connect URL.*sc://HOST:PORT"):
        parse_remote("http://teacher:15002")


def test_unreachable_server_is_named_with_the_fix():
    url = f"sc://127.0.0.1:{free_port()}"
    with pytest.raises(ConnectServerUnreachable, match=r"No Spark Connect server answers at sc://"):
        check_connect_server(url, timeout=2)


def test_version_mismatch_names_both_versions_and_the_fix():
    with pytest.raises(ConnectVersionMismatch, match=r"3\.5\.1.*4\.3\.0.*pip install"):
        check_versions("3.5.1", "4.3.0")


def test_doctor_without_java_reports_an_unreachable_server(tmp_path):
    env = java_free_env(tmp_path, LABKIT_SPARK_REMOTE=f"sc://127.0.0.1:{free_port()}")
    result = subprocess.run(
        [str(VENV_BIN / "labkit"), "doctor"], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "[ok] Java: not needed: Spark runs on the server at sc://" in result.stdout
    assert "[FAIL] Spark: No Spark Connect server answers at" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_doctor_without_java_checks_the_server(server, tmp_path):
    env = java_free_env(tmp_path, LABKIT_SPARK_REMOTE=server.url)
    result = subprocess.run(
        [str(VENV_BIN / "labkit"), "doctor"], env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Java: not needed" in result.stdout
    assert f"Spark Connect: a thin client of the server at {server.url}" in result.stdout
    assert "[ok] Server data: the server reads the data files" in result.stdout


def test_doctor_names_data_the_server_cannot_see(server, tmp_path):
    missing = tmp_path / "not-on-the-server"
    env = java_free_env(tmp_path, LABKIT_SPARK_REMOTE=server.url, LABKIT_DATA_DIR=str(missing))
    result = subprocess.run(
        [str(VENV_BIN / "labkit"), "doctor"], env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 1
    assert f"[FAIL] Server data: the server cannot see {missing}" in result.stdout
    assert "LABKIT_DATA_DIR" in result.stdout


CHAPTER_02_CORE = """
    import json, sys
    from pyspark.ml import Pipeline
    from pyspark.ml.classification import DecisionTreeClassifier
    from pyspark.ml.feature import OneHotEncoder, StringIndexer, VectorAssembler
    from labkit import get_spark, load_adult
    from labkit.data import ADULT_CATEGORICAL, ADULT_NUMERIC
    from labkit.export import load_scorer
    from labkit.inspect import debug_string
    from labkit.pipeline import pipeline_features
    from labkit.session import is_connect

    spark = get_spark()
    train, test = load_adult(spark, "train"), load_adult(spark, "test")
    label = StringIndexer(inputCol="income", outputCol="label", stringOrderType="alphabetAsc")
    train = label.fit(train).transform(train)
    indexed = [f"{c}_idx" for c in ADULT_CATEGORICAL]
    pipeline = Pipeline(stages=[
        StringIndexer(inputCols=list(ADULT_CATEGORICAL), outputCols=indexed, handleInvalid="keep"),
        VectorAssembler(inputCols=list(ADULT_NUMERIC) + indexed, outputCol="features"),
        DecisionTreeClassifier(maxDepth=4, maxBins=64, seed=42),
    ])
    model = pipeline.fit(train)
    names = pipeline_features(model, train)
    text = debug_string(model, feature_names=names)
    model.write().overwrite().save(sys.argv[1])
    spark_rows = model.transform(test).select("prediction", "probability").collect()
    rows = [r.asDict() for r in test.drop("income").collect()]
    scorer = load_scorer(sys.argv[1])
    batch = scorer.predict_batch(rows)
    classes = [float(r.prediction) for r in spark_rows]
    positive = [float(r.probability[1]) for r in spark_rows]
    print(json.dumps({
        "connect": is_connect(spark),
        "rows": len(rows),
        "classes_equal": classes == list(map(float, batch.prediction)),
        "max_probability_diff": max(abs(a - b) for a, b in zip(positive, batch.probability[:, 1])),
        "debug_string_head": text.splitlines()[:3],
    }))
"""


def test_chapter_02_core_runs_without_java_and_matches_spark(server, tmp_path):
    env = java_free_env(tmp_path, LABKIT_SPARK_REMOTE=server.url)
    code = CHAPTER_02_CORE.replace("sys.argv[1]", repr(str(tmp_path / "tree")))
    result = json.loads(run_client(code, env, tmp_path).splitlines()[-1])
    assert result["connect"] is True
    assert result["rows"] == 16_281
    assert result["classes_equal"] is True
    assert result["max_probability_diff"] <= 1e-12
    # Names, not "feature 8": the feature metadata travels over Connect too.
    assert "feature " not in " ".join(result["debug_string_head"])
    assert any("If (" in line for line in result["debug_string_head"])
