"""Retrains tracked in a real MLflow store (sqlite + an artifact folder), served with no JVM.

One module-scoped history, on slices of the real adult.data: week 1 (promoted,
MLflow version 1, alias champion), week 2 (promoted, version 2, the alias
moves), week 1 with its labels shuffled (held: version 3, no alias) and week 1
twice over (blocked before training: a run, no version); then ``labkit models
rollback`` moves the alias back to version 1. The champion is then served by
``mlflow models serve --env-manager local`` in a process with no Java, and
must agree with Spark on every row of adult.test.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest
from _cluster import free_port
from test_connect import java_free_env

from labkit import cli
from labkit.data import ADULT_FILES, sha256_of
from labkit.errors import ConfigError
from labkit.registry import Registry
from labkit.retrain import RetrainConfig, retrain
from labkit.sabotage import make_sabotaged
from labkit.tracking import TrackingConfig
from labkit.tracking.aliases import using
from labkit.tracking.runs import gate_metrics

mlflow = pytest.importorskip("mlflow")
pytestmark = pytest.mark.spark
WEEK = 10_000  # rows per weekly slice of adult.data: small enough to train in seconds


def _slice(src: str, dst: Path, start: int, rows: int) -> Path:
    lines = Path(src).read_text(encoding="utf-8").splitlines(keepends=True)
    dst.write_text("".join(lines[start : start + rows]), encoding="utf-8")
    return dst


@pytest.fixture(scope="module")
def history(spark, tmp_path_factory):
    """Four retrains logged to MLflow, the aliases after each, then a rollback by the CLI."""
    root = tmp_path_factory.mktemp("mlflow")
    tracking = TrackingConfig(
        f"sqlite:///{root / 'mlflow.db'}", artifact_location=str(root / "artifacts")
    )
    config = replace(RetrainConfig(), mlflow=tracking)
    registry = Registry(root / "registry")
    train = ADULT_FILES["train"].path
    week1 = _slice(train, root / "week1.csv", 0, WEEK)
    files = {
        "first": week1,
        "second": _slice(train, root / "week2.csv", WEEK, WEEK),
        "held": make_sabotaged("shuffled_labels", week1, root / "shuffled.csv"),
        "blocked": make_sabotaged("duplicated", week1, root / "twice.csv"),
    }
    client = mlflow.MlflowClient(tracking.uri, registry_uri=tracking.uri)
    results, champions = {}, {}
    for name, path in files.items():
        results[name] = retrain(spark, path, registry, config)
        champions[name] = _champion(client)
    assert cli.main(["models", "rollback", "--registry", str(registry.root)]) == 0
    champions["rollback"] = _champion(client)
    return {
        "tracking": tracking,
        "client": client,
        "registry": registry,
        "files": files,
        "results": results,
        "champions": champions,
    }


def _champion(client) -> str:
    return str(client.get_model_version_by_alias("labkit", "champion").version)


def _run(history, name):
    return history["client"].get_run(history["results"][name].tracked.run_id)


def test_every_run_is_logged_with_its_outcome_data_and_code(history):
    outcomes = {n: r.outcome for n, r in history["results"].items()}
    assert outcomes == {
        "first": "promoted",
        "second": "promoted",
        "held": "held",
        "blocked": "blocked",
    }
    for name, result in history["results"].items():
        run = _run(history, name)
        path = history["files"][name]
        assert run.info.status == "FINISHED" and run.info.run_name == result.record.run_id
        assert run.data.tags["labkit.outcome"] == result.outcome
        assert run.data.params["data_sha256"] == sha256_of(path)
        assert run.data.params["data_size_bytes"] == str(path.stat().st_size)
        assert run.data.params["model"] == "logistic_regression"
        commit = run.data.params["git_commit"]
        assert commit == "unknown" or run.data.tags["mlflow.source.git.commit"] == commit
        failed = run.data.tags["labkit.failed_checks"]
        assert failed == ",".join(result.report.failed_checks)
    assert "quality_fixed_test" in _run(history, "held").data.tags["labkit.failed_checks"]
    assert _run(history, "blocked").data.tags["labkit.failed_checks"] == "input_size"


def test_every_gate_figure_is_a_metric(history):
    for name, result in history["results"].items():
        metrics = _run(history, name).data.metrics
        expected = gate_metrics(result.report)
        assert {k: metrics[k] for k in expected} == expected
        for check in result.report.results:
            assert _run(history, name).data.tags[f"gate.{check.name}"] == check.verdict
    second = _run(history, "second").data.metrics
    assert second["gate/passed"] == 1.0 and second["fixed_test/auc"] > 0.85
    assert _run(history, "held").data.metrics["gate/quality_fixed_test/blocks"] == 1.0


def test_the_logged_gate_report_is_labkits(history, tmp_path):
    reports = history["registry"].root / "reports"
    for name, result in history["results"].items():
        run_id = result.tracked.run_id
        (tmp_path / name).mkdir()
        folder = Path(history["client"].download_artifacts(run_id, "gate", str(tmp_path / name)))
        labkit_json = (reports / f"{result.record.run_id}.json").read_text(encoding="utf-8")
        assert (folder / "report.json").read_text(encoding="utf-8") == labkit_json
        page = (folder / "report.html").read_text(encoding="utf-8")
        assert all(f"<td>{check.name}</td>" in page for check in result.report.results)


def test_versions_mirror_labkits_and_only_promoted_ones_get_the_alias(history):
    client = history["client"]
    versions = {str(v.version): v for v in client.search_model_versions("name = 'labkit'")}
    labkit_names = {n: v.tags["labkit.version"] for n, v in versions.items()}
    assert labkit_names == {"1": "1.0.0", "2": "1.1.0", "3": "1.2.0"}
    assert history["results"]["held"].tracked.model_version == "3"
    assert history["results"]["blocked"].tracked.model_version is None
    assert versions["3"].tags["labkit.gate"] == "fail"
    champions = history["champions"]
    assert [champions[n] for n in ("first", "second", "held", "blocked")] == ["1", "2", "2", "2"]
    assert client.get_model_version("labkit", "3").aliases == []  # held: never an alias


def test_rollback_moves_the_champion_alias_back(history):
    assert history["registry"].champion_version() == "1.0.0"
    assert history["champions"]["rollback"] == "1"
    version = history["client"].get_model_version_by_alias("labkit", "champion")
    assert version.tags["labkit.version"] == "1.0.0"


def test_the_model_has_sparks_flavour_and_labkits_pyfunc_and_no_pickle(history):
    with using(history["tracking"]):
        folder = Path(mlflow.artifacts.download_artifacts("models:/labkit/2"))
    flavors = mlflow.models.Model.load(str(folder / "MLmodel")).flavors
    assert flavors["spark"]["model_data"] == "sparkml"
    assert flavors["python_function"]["loader_module"] == "labkit.tracking.pyfunc"
    assert flavors["labkit"]["registry_version"] == "1.1.0"
    assert (folder / "sparkml" / "metadata").is_dir() and (folder / "labkit/scorer.json").is_file()
    assert not [p for p in folder.rglob("*") if p.suffix in (".pkl", ".pickle", ".cloudpickle")]


@pytest.fixture(scope="module")
def spark_answers(spark, history):
    """The champion's answers on adult.test from Spark, and the same rows as plain dicts."""
    from pyspark.ml import PipelineModel

    from labkit.data import load_adult

    champion = history["registry"].champion()
    test = load_adult(spark, "test")
    inputs = [c for c in test.columns if c != "income"]
    scored = PipelineModel.load(str(champion.model_path)).transform(test)
    rows = scored.select(*inputs, "prediction", "probability").collect()
    requests = [{c: row[c] for c in inputs} for row in rows]
    return requests, [(row["prediction"], row["probability"].toArray().tolist()) for row in rows]


def _assert_agrees(predictions, spark_answers) -> None:
    expected = spark_answers[1]
    assert len(predictions) == len(expected) == 16_281
    for got, (prediction, probability) in zip(predictions, expected, strict=True):
        assert got["prediction"] == prediction
        assert max(abs(a - b) for a, b in zip(got["probability"], probability, strict=True)) < 1e-12


def test_pyfunc_load_model_agrees_with_spark(history, spark_answers):
    import pandas as pd

    with using(history["tracking"]):
        model = mlflow.pyfunc.load_model("models:/labkit@champion")
    frame = model.predict(pd.DataFrame(spark_answers[0]))
    _assert_agrees(frame.to_dict("records"), spark_answers)


def test_mlflow_models_serve_answers_with_no_java_and_agrees_with_spark(
    history, spark_answers, tmp_path
):
    uri, port = history["tracking"].uri, free_port()
    env = java_free_env(tmp_path, MLFLOW_TRACKING_URI=uri, MLFLOW_REGISTRY_URI=uri)
    log = tmp_path / "serve.log"
    command = [str(Path(sys.executable).parent / "mlflow"), "models", "serve", "-m",
               "models:/labkit@champion", "--env-manager", "local", "--host", "127.0.0.1",
               "-p", str(port), "-w", "1"]  # fmt: skip
    with open(log, "w") as out:
        server = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=out, stderr=out)
    try:
        _wait_for(f"http://127.0.0.1:{port}/ping", server, log)
        body = json.dumps({"dataframe_records": spark_answers[0]}).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/invocations",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=300) as response:
            answer = json.loads(response.read())
    finally:
        server.terminate()
        server.wait(timeout=60)
    _assert_agrees(answer["predictions"], spark_answers)
    text = log.read_text()
    assert "JAVA_HOME" not in text and "Traceback" not in text, text[-3000:]


def _wait_for(url: str, server: subprocess.Popen, log: Path, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"mlflow models serve exited {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(1)
    pytest.fail(f"mlflow models serve did not answer in {timeout} s:\n{log.read_text()}")


def test_a_config_mlflow_table_and_the_cli_option(tmp_path):
    config = RetrainConfig.from_dict({"mlflow": {"uri": "sqlite:///m.db", "experiment": "w"}})
    assert config.mlflow.experiment == "w"
    assert config.mlflow.uri == f"sqlite:///{Path('m.db').resolve()}"
    with pytest.raises(ConfigError, match="Did you mean 'uri'"):
        RetrainConfig.from_dict({"mlflow": {"url": "sqlite:///m.db"}})
    parser = cli.build_parser("retrain")
    args = parser.parse_args(["retrain", "--registry", str(tmp_path), "--mlflow"])
    assert args.mlflow == "sqlite:///mlflow.db"  # the documented local default


def test_a_retrain_over_spark_connect_is_refused_before_training(tmp_path):
    """mlflow.spark needs the JVM gateway, which a Spark Connect client (here: no Java) lacks."""
    from labkit.connect_server import ConnectServer

    with ConnectServer(free_port(), tmp_path / "server.log") as server:
        env = java_free_env(tmp_path, LABKIT_SPARK_REMOTE=server.url)
        command = [str(Path(sys.executable).parent / "labkit"), "retrain", "--data",
                   ADULT_FILES["test"].path, "--registry", str(tmp_path / "registry"),
                   "--mlflow", f"sqlite:///{tmp_path / 'mlflow.db'}"]  # fmt: skip
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 2, result.stderr
    assert "over Spark Connect" in result.stderr and "JVM gateway" in result.stderr
    assert not (tmp_path / "registry" / "versions").exists()  # refused before training


def test_a_challenger_gets_its_alias_until_it_wins(history, capsys):
    """`labkit models challenger` marks the candidate; promoting it moves both aliases."""
    root, client = str(history["registry"].root), history["client"]
    assert cli.main(["models", "challenger", "1.0.0", "--registry", root]) == 2  # the champion
    assert cli.main(["models", "challenger", "1.1.0", "--registry", root]) == 0
    assert str(client.get_model_version_by_alias("labkit", "challenger").version) == "2"
    assert "--challenger 1.1.0" in capsys.readouterr().out
    assert cli.main(["models", "promote", "1.1.0", "--registry", root]) == 0
    assert client.get_model_version("labkit", "2").aliases == ["champion"]  # challenger gone
    assert cli.main(["models", "rollback", "--registry", root]) == 0  # as the module left it
    assert _champion(client) == "1"
