"""The retrain job end to end on the real Adult data: promote, block, hold, crash, race.

One registry is shared by the module: the first retrain (adult.data) and a
legitimate one on fresh data (adult.test as "next week") are run once; every
sabotage case then runs against that history and champion.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from labkit import cli
from labkit.data import ADULT_FILES
from labkit.registry import Registry
from labkit.retrain import RetrainConfig, retrain
from labkit.sabotage import SABOTAGE_CASES, make_sabotaged

TRAIN, TEST = ADULT_FILES["train"].path, ADULT_FILES["test"].path
BLOCKED_BEFORE_TRAINING = [n for n in SABOTAGE_CASES if n != "shuffled_labels"]


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    return Registry(tmp_path_factory.mktemp("retrain") / "registry")


@pytest.fixture(scope="module")
def first(spark, registry):
    return retrain(spark, TRAIN, registry)


@pytest.fixture(scope="module")
def legitimate(spark, registry, first):
    return retrain(spark, TEST, registry)


def test_the_first_run_is_promoted_and_starts_the_history(first, registry):
    assert (first.outcome, first.version, first.exit_code) == ("promoted", "1.0.0", 0)
    assert first.report["shadow_run"].verdict == "skip"  # no champion to shadow yet
    record = registry.history.records()[0]
    assert record.outcome == "promoted" and record.input["rows_read"] == 32_561
    assert record.input["sha256"] == ADULT_FILES["train"].sha256
    assert (registry.root / "fixed_test").is_dir()


def test_a_legitimate_retrain_on_fresh_data_is_promoted(legitimate, registry):
    report = legitimate.report
    assert (legitimate.outcome, legitimate.exit_code) == ("promoted", 0), str(report)
    assert registry.champion().version == legitimate.version == "1.1.0"
    assert [r.verdict for r in report.results] == ["pass"] * 10
    assert report["input_size"].figures["ratio"] == round(16_281 / 32_561, 4)
    shadow = report["shadow_run"].figures
    assert shadow["invalid"] == 0 and shadow["agreement"] >= 0.9
    assert report["export_parity"].figures["mismatches"] == 0


def test_versions_record_code_data_params_metrics_and_gate(legitimate, registry):
    meta = registry.get(legitimate.version).metadata
    assert meta["data_sha256"] == ADULT_FILES["test"].sha256
    assert meta["model"] == "logistic_regression" and meta["params"] == {}
    assert meta["metrics"] == legitimate.record.metrics["fixed_test"]
    assert meta["gate"]["verdict"] == "pass" and meta["gate"]["checks"][0]["name"] == "bad_records"
    assert meta["git_commit"] is None or len(meta["git_commit"]) == 40
    assert meta["training"]["iterations"] == legitimate.record.training["iterations"]


def test_every_stage_is_timed(legitimate):
    assert set(legitimate.record.timings) == {"read", "fit", "evaluate", "export", "gate"}
    assert all(seconds > 0 for seconds in legitimate.record.timings.values())


@pytest.mark.parametrize("case", BLOCKED_BEFORE_TRAINING)
def test_each_sabotage_is_blocked_by_its_check_before_training(
    spark, registry, legitimate, tmp_path, case
):
    champion = registry.champion().version
    versions = [v.version for v in registry.versions()]
    path = make_sabotaged(case, TRAIN, tmp_path / f"{case}.csv")
    result = retrain(spark, path, registry)
    intended = SABOTAGE_CASES[case].blocked_by
    assert (result.outcome, result.exit_code) == ("blocked", 3)
    assert intended in result.report.failed_checks, str(result.report)
    assert "fit" not in result.record.timings  # stopped before training
    assert registry.champion().version == champion
    assert [v.version for v in registry.versions()] == versions  # nothing saved
    assert registry.history.records()[-1].outcome == "blocked"


def test_shuffled_labels_train_but_are_held_by_quality(spark, registry, legitimate, tmp_path):
    champion = registry.champion().version
    path = make_sabotaged("shuffled_labels", TRAIN, tmp_path / "shuffled.csv")
    result = retrain(spark, path, registry)
    assert (result.outcome, result.exit_code) == ("held", 3)
    assert "quality_fixed_test" in result.report.failed_checks
    assert result.report["quality_fixed_test"].figures["auc"] < 0.75
    held = registry.get(result.version)
    assert held.gate_passed is False and registry.champion().version == champion
    # Held runs never join the baseline: the next comparison ignores them.
    assert result.record.run_id not in [r.run_id for r in registry.history.baseline()]


def test_the_cli_exits_3_and_writes_the_failed_checks_as_json(
    registry, legitimate, tmp_path, capsys
):
    path = make_sabotaged("duplicated", TRAIN, tmp_path / "twice.csv")
    report = tmp_path / "report.json"
    code = cli.main(
        ["retrain", "--data", str(path), "--registry", str(registry.root), "--report", str(report)]
    )
    captured = capsys.readouterr()
    assert code == 3
    assert json.loads(report.read_text())["failed_checks"] == ["input_size"]
    assert 'failed checks: ["input_size"]' in captured.err
    assert "[FAIL] input_size" in captured.out
    run_id = registry.history.records()[-1].run_id
    assert (
        json.loads((registry.root / "reports" / f"{run_id}.json").read_text())["verdict"] == "fail"
    )


def test_bad_usage_exits_2_with_a_clear_message(tmp_path, capsys):
    registry = str(tmp_path / "registry")
    assert cli.main(["retrain", "--data", str(tmp_path / "nope.csv"), "--registry", registry]) == 2
    assert "No data file at" in capsys.readouterr().err
    config = tmp_path / "retrain.toml"
    config.write_text("[training]\nmodle = 'gbt'\n")
    assert (
        cli.main(["retrain", "--data", str(TEST), "--registry", registry, "--config", str(config)])
        == 2
    )
    assert "unknown key 'modle'. Did you mean 'model'?" in capsys.readouterr().err
    assert not (tmp_path / "registry").exists()  # nothing was created


def test_config_file_overrides_reach_the_gate(tmp_path):
    config = tmp_path / "retrain.toml"
    config.write_text(
        "[training]\nfresh_fraction = 0.25\n[history]\nwindow = 3\n"
        "[gate.input_size]\nmax_ratio = 3.0\n"
    )
    loaded = RetrainConfig.from_file(config)
    assert loaded.fresh_fraction == 0.25 and loaded.gate.history.window == 3
    assert loaded.gate.input_size.max_ratio == 3.0 and loaded.gate.input_size.min_ratio == 0.4


def test_a_crash_between_saving_and_promoting_keeps_the_champion(
    spark, registry, legitimate, monkeypatch
):
    champion = registry.champion().version
    runs = len(registry.history.records())

    def crash(self, version, **kwargs):
        raise KeyboardInterrupt("killed during promotion")

    monkeypatch.setattr(Registry, "promote", crash)
    with pytest.raises(KeyboardInterrupt):
        retrain(spark, TEST, registry)
    monkeypatch.undo()
    assert registry.champion().version == champion
    assert len(registry.history.records()) == runs  # the run never finished
    saved = registry.versions()[-1]  # complete and valid, but never promoted
    assert saved.gate_passed is True and saved.version != champion
    assert registry.incomplete() == []


@pytest.mark.spark  # two `labkit retrain` processes, each with its own JVM
def test_two_concurrent_retrain_processes_end_consistent(tmp_path):
    root = tmp_path / "shared"
    env = {**os.environ, "LABKIT_LOG_DIR": str(tmp_path)}
    command = [
        sys.executable,
        "-m",
        "labkit.cli",
        "retrain",
        "--data",
        str(TEST),
        "--registry",
        str(root),
    ]
    processes = [
        subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outcomes = [p.communicate(timeout=900) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outcomes
    registry = Registry(root)
    versions = [v.version for v in registry.versions()]
    assert versions == ["1.0.0", "1.0.1"]  # same spec and data: the second is a patch
    pointer = registry.pointer()
    assert pointer["champion"] == "1.0.1" and pointer["previous"] == ["1.0.0"]
    assert [r.outcome for r in registry.history.records()] == ["promoted", "promoted"]
    assert registry.incomplete() == []
