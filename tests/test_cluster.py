"""The codelab's code runs unchanged on a Spark standalone cluster, with the same results.

A master and one worker are started from the installed pyspark's
``bin/spark-class`` on 127.0.0.1 (logs and work directories in ``tmp_path``).
The codelab path (``tests/_codelab_path.py``) then runs twice, each time in its
own process because a SparkSession's master is fixed once its JVM is up: once
in local mode and once with ``LABKIT_SPARK_MASTER`` pointing at the cluster.
The two JSON results must agree: the same tree, the same metrics.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
from _cluster import StandaloneCluster, tail

from labkit.session import MASTER_ENV

pytestmark = pytest.mark.spark  # a cluster of JVMs and two runs of the codelab path

PATH_SCRIPT = Path(__file__).with_name("_codelab_path.py")
APP_NAME = "labkit-codelab-path"
#: Generous: on a shared 2-core machine one run of the path takes 30-120 s.
RUN_TIMEOUT_S = 600


@dataclass
class PathRun:
    """One run of the codelab path in its own process."""

    name: str
    process: subprocess.Popen
    out: Path
    log: Path

    def result(self) -> dict:
        """Wait for the run and return its JSON; fail with the log's tail if it broke."""
        try:
            code = self.process.wait(timeout=RUN_TIMEOUT_S)
        finally:
            if self.process.poll() is None:
                self.process.kill()
        if code != 0:
            pytest.fail(f"The {self.name} run exited with {code}. Its log ends:\n{tail(self.log)}")
        return json.loads(self.out.read_text())


def start_path_run(folder: Path, master: str) -> PathRun:
    """Start ``_codelab_path.py`` against ``master`` with every file under ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, MASTER_ENV: master, "LABKIT_LOG_DIR": str(folder)}
    out, log = folder / "result.json", folder / "run.log"
    with open(log, "wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, str(PATH_SCRIPT), "--out", str(out), "--work", str(folder / "work")],
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=folder,
        )
    return PathRun(folder.name, process, out, log)


@dataclass
class ClusterRuns:
    """Everything the tests look at after the cluster has been stopped."""

    folder: Path
    master_url: str
    state_before: dict
    state_after: dict
    daemons: list[psutil.Process]
    local: dict
    cluster: dict


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> ClusterRuns:
    """Run the path locally and on a fresh cluster; the cluster is gone when this returns.

    The local run starts first and overlaps the cluster's start-up, which is
    mostly waiting. Both clean-ups run even when something fails.
    """
    folder = tmp_path_factory.mktemp("standalone")
    local = start_path_run(folder / "local", "local[2]")
    try:
        with StandaloneCluster(folder / "cluster", cores=2) as cluster:
            daemons = [psutil.Process(pid) for pid in cluster.pids()]
            state_before = cluster.master_state()
            on_cluster = start_path_run(folder / "remote", cluster.master_url).result()
            state_after = cluster.master_state()
        on_laptop = local.result()
    finally:
        if local.process.poll() is None:
            local.process.kill()
    return ClusterRuns(
        folder=folder,
        master_url=cluster.master_url,
        state_before=state_before,
        state_after=state_after,
        daemons=daemons,
        local=on_laptop,
        cluster=on_cluster,
    )


def without_uid(debug_string: str) -> str:
    """A tree's debug string without its random ``uid=...`` (the only part allowed to differ)."""
    return re.sub(r"uid=\w+, ", "", debug_string)


# -- the cluster itself -------------------------------------------------------


def test_master_and_one_worker_were_alive_on_loopback(runs):
    state = runs.state_before
    assert state["status"] == "ALIVE"
    assert state["url"] == runs.master_url
    assert runs.master_url.startswith("spark://127.0.0.1:")
    workers = StandaloneCluster.alive_workers(state)
    assert len(workers) == 1
    assert workers[0]["host"] == "127.0.0.1"
    assert workers[0]["cores"] == 2


def test_the_path_really_ran_on_the_cluster(runs):
    assert runs.local["master"] == "local[2]"
    assert runs.cluster["master"] == runs.master_url
    finished = [app["name"] for app in runs.state_after["completedapps"]]
    running = [app["name"] for app in runs.state_after["activeapps"]]
    assert APP_NAME in finished + running
    # The worker launched an executor for the app, in our temporary work directory.
    executor_logs = list((runs.folder / "cluster" / "work").glob("app-*/*/stderr"))
    assert executor_logs, f"no executor logs under {runs.folder / 'cluster' / 'work'}"


def test_logs_and_work_dirs_stay_in_the_temporary_folder(runs):
    logs = runs.folder / "cluster" / "logs"
    assert (
        f"Successfully registered with master {runs.master_url}"
        in (logs / "worker.log").read_text()
    )
    assert f"Registering app {APP_NAME}" in (logs / "master.log").read_text()


def test_master_and_worker_were_stopped_by_pid(runs):
    still_running = [p.pid for p in runs.daemons if p.is_running()]
    assert still_running == []


# -- laptop and cluster agree --------------------------------------------------


def test_same_rows_and_partitions(runs):
    for key in ("rows", "default_parallelism", "train_partitions"):
        assert runs.cluster[key] == runs.local[key], key


def test_same_tree(runs):
    assert without_uid(runs.cluster["tree"]) == without_uid(runs.local["tree"])
    assert "If (feature" in runs.local["tree"]


def test_same_metrics(runs):
    assert runs.cluster["metrics"] == runs.local["metrics"]
    # The tree is a real model, far better than guessing (AUC 0.5).
    assert runs.local["metrics"]["test_auc"] > 0.80


def test_same_tuning_candidates_and_choice(runs):
    assert runs.cluster["tuning"] == runs.local["tuning"]
    assert [c["maxDepth"] for c in runs.local["tuning"]["candidates"]] == [3, 6]


def test_exported_model_agrees_with_spark_on_both(runs):
    assert runs.cluster["export"] == runs.local["export"]
    assert runs.local["export"]["parity_ok"] is True
    assert runs.local["export"]["rows_compared"] == runs.local["rows"]["test"]


def test_retrain_job_gives_the_same_verdict_and_metrics(runs):
    assert runs.cluster["retrain"] == runs.local["retrain"]
    assert runs.local["retrain"]["outcome"] == "promoted"
    assert "fail" not in runs.local["retrain"]["checks"].values()
