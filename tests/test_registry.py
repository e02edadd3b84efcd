"""The model registry with real saved Spark models and exported scorers.

Two small trees are fitted once for the module; every test works on its own
registry folder. Crashes are simulated both ways: an exception in the middle
of a write (in this process) and a process that dies at the worst moment
(a child killed with ``os._exit`` right before the atomic rename).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import textwrap
import threading

import pytest

from labkit import cli
from labkit.errors import (
    GateNotPassed,
    InvalidVersionName,
    ModelNotFound,
    RegistryCorrupt,
    RegistryLocked,
    RegistryNotFound,
    VersionExists,
)
from labkit.export import export, load_scorer
from labkit.pipeline import adult_spec, fit_pipeline
from labkit.registry import Registry, git_commit, next_version

SPEC = adult_spec().to_dict()


@pytest.fixture(scope="module")
def saved_models(adult_train, tmp_path_factory):
    """Two real (model folder, scorer file) pairs: trees of depth 2 and 4."""
    folder = tmp_path_factory.mktemp("models")
    pairs = []
    for depth in (2, 4):
        model = fit_pipeline(adult_train, adult_spec(), "decision_tree", params={"maxDepth": depth})
        model.write().overwrite().save(str(folder / f"tree{depth}"))
        export(folder / f"tree{depth}", folder / f"tree{depth}.json")
        pairs.append((folder / f"tree{depth}", folder / f"tree{depth}.json"))
    return pairs


@pytest.fixture(scope="module")
def sample_rows(adult_test):
    return [r.asDict() for r in adult_test.drop("income").limit(200).collect()]


def _meta(data: str = "aa", gate: str = "pass", **extra) -> dict:
    return {
        "data_sha256": data,
        "spec": SPEC,
        "params": {"maxDepth": 2},
        "metrics": {"auc": 0.8},
        "gate": {"verdict": gate, "failed_checks": []},
        **extra,
    }


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def registry(tmp_path):
    return Registry(tmp_path / "registry")


def test_add_copies_model_and_scorer_and_records_metadata(registry, saved_models):
    model_dir, scorer = saved_models[0]
    version = registry.add(model_dir, scorer, _meta(git_commit=git_commit()))
    assert version.version == "1.0.0"
    assert _sha(version.scorer_path) == _sha(scorer) == version.metadata["scorer_sha256"]
    assert sorted(p.name for p in version.model_path.iterdir()) == sorted(
        p.name for p in model_dir.iterdir()
    )
    for key in ("created_at", "git_commit", "data_sha256", "params", "metrics", "gate"):
        assert key in version.metadata
    assert version.metadata["git_commit"] == git_commit()
    assert json.loads((registry.root / "REGISTRY.json").read_text())["format_version"] == 1


def test_version_numbers_follow_what_changed(registry, saved_models):
    model_dir, scorer = saved_models[0]
    names = [
        registry.add(model_dir, scorer, meta).version
        for meta in (
            _meta("aa"),
            _meta("bb"),
            _meta("bb"),
            {**_meta("bb"), "spec": {"other": 1}},
        )
    ]
    assert names == ["1.0.0", "1.1.0", "1.1.1", "2.0.0"]
    assert [v.version for v in registry.versions()] == names
    assert next_version("1.9.0", same_spec=True, same_data=False) == "1.10.0"


def test_versions_are_never_overwritten(registry, saved_models):
    (small, small_scorer), (large, large_scorer) = saved_models
    first = registry.add(small, small_scorer, _meta())
    with pytest.raises(VersionExists, match="Version 1.0.0 already exists"):
        registry.add(large, large_scorer, _meta(), version="1.0.0")
    assert _sha(registry.get("1.0.0").scorer_path) == _sha(first.scorer_path) == _sha(small_scorer)


def test_promote_and_rollback_restore_the_exact_previous_scorer(
    registry, saved_models, sample_rows
):
    (small, small_scorer), (large, large_scorer) = saved_models
    v1 = registry.add(small, small_scorer, _meta("aa"))
    v2 = registry.add(large, large_scorer, _meta("bb"))
    registry.promote(v1.version, reason="first")
    champion_v1 = registry.champion()
    before = [
        p.probability
        for p in load_scorer(champion_v1.scorer_path).predict_batch(sample_rows).to_list()
    ]
    registry.promote(v2.version, reason="better")
    assert registry.champion().version == "1.1.0"
    after_v2 = [
        p.probability
        for p in load_scorer(registry.champion().scorer_path).predict_batch(sample_rows).to_list()
    ]
    assert after_v2 != before  # the two trees really differ on these rows
    back = registry.rollback(reason="v2 misbehaved")
    assert back.version == registry.champion().version == "1.0.0"
    assert _sha(registry.champion().scorer_path) == _sha(small_scorer)
    restored = [
        p.probability
        for p in load_scorer(registry.champion().scorer_path).predict_batch(sample_rows).to_list()
    ]
    assert restored == before
    pointer = registry.pointer()
    assert [e["action"] for e in pointer["log"]] == ["promote", "promote", "rollback"]
    assert pointer["log"][-1]["reason"] == "v2 misbehaved" and pointer["previous"] == []
    with pytest.raises(ModelNotFound, match="no earlier champion to roll back to"):
        registry.rollback()


def test_a_version_the_gate_held_needs_force(registry, saved_models):
    model_dir, scorer = saved_models[0]
    held = registry.add(
        model_dir,
        scorer,
        {**_meta(gate="fail"), "gate": {"verdict": "fail", "failed_checks": ["input_size"]}},
    )
    with pytest.raises(GateNotPassed, match=r"failed the gate \(input_size\).*--force"):
        registry.promote(held.version)
    assert registry.champion() is None
    registry.promote(held.version, force=True, reason="checked by hand")
    assert registry.champion().version == held.version


def test_unknown_versions_and_missing_registries_are_named(registry, saved_models, tmp_path):
    registry.add(*saved_models[0], _meta())
    with pytest.raises(ModelNotFound, match=r"No version '1.0.1'.*Did you mean 1.0.0\?"):
        registry.get("1.0.1")
    with pytest.raises(RegistryNotFound, match="No model registry at"):
        Registry(tmp_path / "nowhere").versions()
    with pytest.raises(FileNotFoundError, match="No scorer file at"):
        registry.add(saved_models[0][0], tmp_path / "missing.json", _meta())


def test_damaged_metadata_is_reported_not_guessed(registry, saved_models):
    version = registry.add(*saved_models[0], _meta())
    (version.path / "metadata.json").write_text("{ half")
    with pytest.raises(RegistryCorrupt, match=r"metadata.json is not valid JSON"):
        registry.get("1.0.0")


def test_an_exception_while_saving_leaves_no_version(registry, saved_models, monkeypatch):
    import labkit.registry.store as registry_module

    registry.add(*saved_models[0], _meta("aa"))
    registry.promote("1.0.0")

    def broken_copy(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(registry_module.shutil, "copyfile", broken_copy)
    with pytest.raises(OSError, match="disk full"):
        registry.add(*saved_models[1], _meta("bb"))
    assert [v.version for v in registry.versions()] == ["1.0.0"]
    assert registry.incomplete() == []  # the staging folder was removed
    assert registry.champion().version == "1.0.0"


def test_an_exception_while_promoting_keeps_the_champion(registry, saved_models, monkeypatch):
    import labkit._atomic as registry_module

    registry.add(*saved_models[0], _meta("aa"))
    registry.add(*saved_models[1], _meta("bb"))
    registry.promote("1.0.0")
    pointer_before = (registry.root / "champion.json").read_bytes()

    def broken_replace(*args, **kwargs):
        raise OSError("I/O error")

    monkeypatch.setattr(registry_module.os, "replace", broken_replace)
    with pytest.raises(OSError, match="I/O error"):
        registry.promote("1.1.0")
    assert (registry.root / "champion.json").read_bytes() == pointer_before
    assert registry.champion().version == "1.0.0"
    assert not list(registry.root.glob(".champion.json.*.tmp"))


_DIE_BEFORE = textwrap.dedent(
    """\
    import os, sys
    import labkit.registry as r
    def die(*args, **kwargs):  # the process is killed right before the atomic step
        os._exit(9)
    setattr(os, sys.argv[1], die)
    registry = r.Registry(sys.argv[2])
    if sys.argv[3] == "add":
        registry.add(sys.argv[4], sys.argv[5], {"data_sha256": "bb", "spec": {}})
    else:
        registry.promote(sys.argv[4])
    """
)


def _run_and_die(*args) -> int:
    return subprocess.run(
        [sys.executable, "-c", _DIE_BEFORE, *map(str, args)], capture_output=True, timeout=120
    ).returncode


def test_a_process_killed_while_saving_leaves_the_registry_readable(registry, saved_models):
    registry.add(*saved_models[0], _meta("aa"))
    registry.promote("1.0.0")
    code = _run_and_die("rename", registry.root, "add", *saved_models[1])
    assert code == 9
    assert [v.version for v in registry.versions()] == ["1.0.0"]
    assert len(registry.incomplete()) == 1  # the dead writer's staging folder, never listed
    assert registry.champion().version == "1.0.0"
    assert registry.add(*saved_models[1], _meta("bb")).version == "1.1.0"  # life goes on


def test_a_process_killed_while_promoting_keeps_the_champion(registry, saved_models):
    registry.add(*saved_models[0], _meta("aa"))
    registry.add(*saved_models[1], _meta("bb"))
    registry.promote("1.0.0")
    assert _run_and_die("replace", registry.root, "promote", "1.1.0") == 9
    assert registry.champion().version == "1.0.0"
    assert registry.pointer()["log"][-1]["version"] == "1.0.0"


def test_the_lock_serialises_writers(registry, saved_models):
    registry.add(*saved_models[0], _meta("aa"))
    impatient = Registry(registry.root, lock_timeout=0.3)
    with registry.lock(), pytest.raises(RegistryLocked, match="stayed locked by another writer"):
        impatient.promote("1.0.0")
    names: list[str] = []
    threads = [
        threading.Thread(
            target=lambda d=d: names.append(
                Registry(registry.root).add(*saved_models[1], _meta(d)).version
            )
        )
        for d in ("x", "y")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(names) == ["1.1.0", "1.2.0"]


def test_models_command_lists_shows_promotes_and_rolls_back(registry, saved_models, capsys):
    registry.add(*saved_models[0], _meta("aa"))
    registry.add(*saved_models[1], _meta("bb", gate="fail"))
    root = str(registry.root)
    assert cli.main(["models", "promote", "1.0.0", "--registry", root]) == 0
    assert cli.main(["models", "promote", "1.1.0", "--registry", root]) == 3  # gate said no
    assert "failed the gate" in capsys.readouterr().err
    assert cli.main(["models", "promote", "1.1.0", "--registry", root, "--force"]) == 0
    assert cli.main(["models", "list", "--registry", root, "--json"]) == 0
    out = capsys.readouterr().out
    listing = json.loads(out[out.index("[") :])
    assert [(row["version"], row["champion"]) for row in listing] == [
        ("1.0.0", False),
        ("1.1.0", True),
    ]
    assert cli.main(["models", "rollback", "--registry", root]) == 0
    assert "champion is now 1.0.0" in capsys.readouterr().out
    assert cli.main(["models", "show", "1.0.0", "--registry", root]) == 0
    assert json.loads(capsys.readouterr().out)["data_sha256"] == "aa"
    assert cli.main(["models", "show", "--registry", root]) == 2
    assert "needs a version" in capsys.readouterr().err


def test_one_registry_object_shared_by_threads_still_serialises(registry, saved_models):
    names: list[str] = []

    def add(data: str) -> None:
        names.append(registry.add(*saved_models[0], _meta(data)).version)

    threads = [threading.Thread(target=add, args=(d,)) for d in ("x", "y", "z")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(names) == ["1.0.0", "1.1.0", "1.2.0"]
    assert registry.incomplete() == []


def _reverse_labels(scorer_path) -> None:
    document = json.loads(scorer_path.read_text())
    document["output"]["classes"].reverse()
    scorer_path.write_text(json.dumps(document))


def test_a_tampered_scorer_is_refused_on_load(registry, saved_models, sample_rows):
    (small, small_scorer), _ = saved_models
    version = registry.add(small, small_scorer, _meta("aa"))
    assert version.load_scorer().predict_batch(sample_rows[:5]).to_list()
    recorded = version.metadata["scorer_sha256"]
    _reverse_labels(version.scorer_path)  # still a valid scorer: it would be served silently
    load_scorer(version.scorer_path)
    found = _sha(version.scorer_path)
    for load in (version.load_scorer, lambda: registry.load_scorer("1.0.0")):
        with pytest.raises(RegistryCorrupt) as caught:
            load()
        message = str(caught.value)
        for part in ("1.0.0", str(version.scorer_path), recorded, found, "Restore"):
            assert part in message
    with pytest.raises(RegistryCorrupt, match=r"Cannot promote 1\.0\.0.*sha256"):
        registry.promote("1.0.0", force=True)
    assert registry.champion_version() is None


def test_promote_refuses_a_version_whose_scorer_cannot_load(
    registry, saved_models, tmp_path, capsys
):
    (small, small_scorer), (large, _) = saved_models
    registry.add(small, small_scorer, _meta("aa"))
    registry.promote("1.0.0")
    broken = tmp_path / "broken.json"
    broken.write_text(small_scorer.read_text()[:500])  # an export cut short
    registry.add(large, broken, _meta("bb"))  # the recorded sha256 matches the broken file
    with pytest.raises(
        RegistryCorrupt, match=r"Cannot promote 1\.1\.0: its scorer .* does not load"
    ):
        registry.promote("1.1.0")
    root = str(registry.root)
    code = cli.main(["models", "promote", "1.1.0", "--force", "--registry", root])
    assert code == RegistryCorrupt.exit_code
    assert "Cannot promote 1.1.0" in capsys.readouterr().err
    assert registry.champion_version() == "1.0.0"
    assert [e["version"] for e in registry.pointer()["log"]] == ["1.0.0"]


def test_one_damaged_metadata_is_flagged_and_blocks_nothing(registry, saved_models, capsys):
    model_dir, scorer = saved_models[0]
    for data in ("aa", "bb", "cc"):
        registry.add(model_dir, scorer, _meta(data))
    metadata = registry.get("1.1.0").path / "metadata.json"
    metadata.write_text(metadata.read_text()[:40])  # truncated by a full disk
    assert [v.version for v in registry.versions()] == ["1.0.0", "1.2.0"]
    [damaged] = registry.damaged()
    assert damaged.version == "1.1.0" and "metadata.json is not valid JSON" in damaged.problem
    root = str(registry.root)
    assert cli.main(["models", "list", "--registry", root]) == 0
    captured = capsys.readouterr()
    assert "1.0.0" in captured.out and "1.2.0" in captured.out
    assert "1.1.0" in captured.out and "DAMAGED" in captured.out
    assert "1 damaged version" in captured.err
    assert cli.main(["models", "list", "--registry", root, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["version"], r["damaged"]) for r in rows] == [
        ("1.0.0", False),
        ("1.1.0", True),
        ("1.2.0", False),
    ]
    assert registry.add(model_dir, scorer, _meta("dd")).version == "1.3.0"
    latest = registry.get("1.3.0").path / "metadata.json"
    latest.write_text("")  # now the newest version is the damaged one
    assert registry.add(model_dir, scorer, _meta("dd")).version == "1.4.0"


def test_add_refuses_an_escaping_version_name(registry, saved_models, tmp_path):
    with pytest.raises(InvalidVersionName, match="Nothing was written"):
        registry.add(*saved_models[0], _meta(), version="../../escaped")
    assert not (tmp_path / "escaped").exists() and not registry.root.exists()
