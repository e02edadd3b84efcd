"""The codelab through Spark Connect, on a machine where the client has no Java.

A real Spark Connect server runs in a child process (``labkit.connect_server``,
the same launcher as ``labkit connect-server``). Clients run as separate
processes whose PATH holds no ``java`` and whose environment has no
``JAVA_HOME``, as on an attendee's laptop: ``labkit doctor`` and chapter 02's
core (read, pipeline, names in the tree, save, export, score with no Spark)
must work there, and give the answers local mode gives.

One server serves the whole module (it starts in tens of seconds). Through it run:
the codelab path of the cluster tests (``tests/_codelab_path.py``, compared with a
local-mode run by ``tests/test_cluster.py``'s own comparisons), chapters 00-02
under nbval in one pytest subprocess whose PATH has no Java either, and tree
inspection read through the session.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import test_cluster as cluster  # its path runner and comparisons, reused as they are
from _cluster import free_port

from labkit.connect_server import ConnectServer
from labkit.errors import ConnectServerUnreachable, ConnectVersionMismatch
from labkit.session import (
    LOG_DIR_ENV,
    REMOTE_ENV,
    check_connect_server,
    check_versions,
    parse_remote,
)

pytestmark = pytest.mark.spark
VENV_BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = (
    "notebooks/00_check_your_setup.ipynb",
    "notebooks/01_loading_csvs.ipynb",
    "notebooks/02_pipelines.ipynb",
)
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
def local_path_run(tmp_path_factory):
    """The codelab path in local mode, started first so that it overlaps the server's start."""
    run = cluster.start_path_run(tmp_path_factory.mktemp("path") / "local", "local[2]")
    yield run
    if run.process.poll() is None:
        run.process.kill()


@pytest.fixture(scope="module")
def server(tmp_path_factory, local_path_run):
    """A Spark Connect server on a free port of 127.0.0.1, stopped after the module.

    It runs in ``notebooks/``: chapter 01 reads files it wrote at paths relative to
    the notebook, and a server resolves relative paths against its own folder.
    """
    log = tmp_path_factory.mktemp("connect") / "server.log"
    with ConnectServer(free_port(), log, cwd=ROOT / "notebooks") as running:
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


# -- the codelab path of the cluster tests, through Connect ------------------------


@pytest.fixture(scope="module")
def path_runs(server, local_path_run):
    """Local and Connect results of ``tests/_codelab_path.py``, as ``test_cluster`` names them."""
    folder = local_path_run.out.parent.parent
    env = {**os.environ, REMOTE_ENV: server.url}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "environ", env)
        through_connect = cluster.start_path_run(folder / "connect", "local[2]")
    on_connect = through_connect.result()
    return cluster.ClusterRuns(folder, server.url, {}, {}, [], local_path_run.result(), on_connect)


#: test_cluster's comparisons of a local run with a run elsewhere (``runs.cluster``).
SAME_AS_LOCAL = (
    cluster.test_same_rows_and_partitions,
    cluster.test_same_tree,
    cluster.test_same_metrics,
    cluster.test_same_tuning_candidates_and_choice,
    cluster.test_exported_model_agrees_with_spark_on_both,
    cluster.test_retrain_job_gives_the_same_verdict_and_metrics,
)


def test_the_path_ran_through_connect(path_runs):
    assert path_runs.cluster["connect"] is True
    assert path_runs.local["connect"] is False
    assert path_runs.cluster["master"] == "local[2]"  # the server's master, asked over Connect


@pytest.mark.parametrize("same", SAME_AS_LOCAL, ids=lambda test: test.__name__[5:])
def test_the_path_through_connect_matches_local_mode(path_runs, same):
    same(path_runs)


# -- chapters 00-02 under nbval, through Connect ------------------------------------

#: Added to tests/sanitize.cfg for this run only (the local nbval check stays as strict):
#: what legitimately differs on Connect maps to the same token on both sides.
CONNECT_SANITIZE = r"""
[where Spark runs, in local mode: chapter 00 says it]
regex: local mode on this machine \(local\[\*\]; set LABKIT_SPARK_MASTER to use a cluster\)
replace: SPARK_MODE

[where Spark runs, on Connect]
regex: Spark Connect: a thin client of the server at sc://[\w.:-]+ \(from LABKIT_SPARK_REMOTE\)
replace: SPARK_MODE

[Java: a version in local mode, "not needed" on Connect]
regex: \[ok\] Java: [^\n]*
replace: [ok] Java: JAVA

[doctor's extra check, on Connect only]
regex: (\[ok\] Data: [^\n]*\n)\[ok\] Server data: the server reads the data files [^\n]*\n
replace: \1

[chapter 02: the same Spark error arrives as Py4JJavaError locally, as SparkException on Connect]
regex: (error -> )(?:Py4JJavaError|SparkException): Unseen label
replace: \1SPARK_ERROR: Unseen label

[chapter 01's accumulators, in local mode]
regex: before any action: +0\nafter one count\(\): +\d+\nafter a second one: +\d+\n
replace: ACCUMULATOR CELL

[chapter 01 on Connect: no accumulators, and the chapter says so]
regex: Spark Connect has no sparkContext, so no accumulators: [^\n]*\n
replace: ACCUMULATOR CELL
"""


def test_chapters_00_to_02_pass_nbval_through_connect(server, tmp_path):
    """The same notebooks against their stored (local-mode) outputs, Spark on the server.

    The kernel's PATH holds no Java, as on an attendee's laptop, and no JVM starts in
    it: ``get_spark`` logs a local JVM's output to ``$LABKIT_LOG_DIR``, which must stay
    empty.
    """
    sanitize = tmp_path / "sanitize.cfg"
    sanitize.write_text((ROOT / "tests" / "sanitize.cfg").read_text() + "\n" + CONNECT_SANITIZE)
    jvm_logs = tmp_path / "jvm-logs"
    jvm_logs.mkdir()
    env = java_free_env(tmp_path, **{REMOTE_ENV: server.url, LOG_DIR_ENV: str(jvm_logs)})
    env.pop("PYTEST_ADDOPTS", None)
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--durations=0"]
    command += [f"--basetemp={tmp_path / 'nbval'}", "--nbval", "--nbval-current-env"]
    command += ["--nbval-sanitize-with", str(sanitize), *CHAPTERS]
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=3000
    )
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    assert re.search(r"\d+ passed", summary) and "failed" not in summary, summary
    assert list(jvm_logs.iterdir()) == [], "a notebook started a local JVM instead of Connect"


# -- names in trees and importances, read through the session ------------------------

INSPECT_THROUGH_SESSION = """
    import json
    import labkit.sparkfolder._folder as folder
    from labkit import get_spark, load_adult
    from labkit.inspect import debug_string, feature_importances, tree_to_dot
    from labkit.pipeline import adult_spec, fit_pipeline, index_label, pipeline_features

    def no_local_disk(root):
        raise AssertionError(f"{root} was read from the local disk, not through the session")

    folder.LocalSource = no_local_disk  # a server elsewhere: its folders are not on this disk
    spark = get_spark()
    spec = adult_spec()
    train = load_adult(spark, "train")
    model = fit_pipeline(train, spec, "decision_tree", params={"maxDepth": 4, "seed": 42})
    names = pipeline_features(model, index_label(train, spec))
    print(json.dumps({
        "text": debug_string(model, feature_names=names, max_depth=2),
        "dot": tree_to_dot(model, feature_names=names),
        "importances": feature_importances(model, feature_names=names).to_dict(orient="records"),
    }))
"""


def test_tree_names_drawings_and_importances_through_connect(server, tmp_path):
    env = java_free_env(tmp_path, **{REMOTE_ENV: server.url})
    result = json.loads(run_client(INSPECT_THROUGH_SESSION, env, tmp_path).splitlines()[-1])
    text, dot = result["text"], result["dot"]
    assert text.startswith("DecisionTreeClassificationModel: depth=4")
    assert "relationship in {" in text or "marital-status in {" in text, text
    assert not re.search(r"feature \d", text + dot), "names, not feature indices"
    assert "samples = 32,561" in dot and "class = <=50K" in dot
    top = result["importances"][0]
    assert top["feature"] in ("relationship", "marital-status", "capital-gain"), top
    assert abs(sum(row["importance"] for row in result["importances"]) - 1) < 1e-9
    assert not any(re.fullmatch(r"feature \d+", row["feature"]) for row in result["importances"])
