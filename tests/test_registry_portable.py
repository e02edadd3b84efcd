"""The registry's Spark-free parts: names, the pointer, missing folders, atomic writes, imports.

Nothing here fits a model; these tests check what a careless or hostile caller
can do to a registry folder, and that scoring and serving import nothing
POSIX-only (a child process runs with ``fcntl`` and ``pyspark`` made
unimportable, as on Windows or in a slim web image).
"""

from __future__ import annotations

import doctest
import importlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from _export_specs import scorer_of, tree_specs

from labkit import cli
from labkit._atomic import atomic_write
from labkit.errors import InvalidVersionName, RegistryCorrupt, RegistryNotFound
from labkit.export import export
from labkit.registry import Registry, check_version_name

REGISTRY_MODULES = [
    "labkit.registry",
    "labkit.registry.history",
    "labkit.registry.names",
    "labkit.registry.pointer",
    "labkit.registry.provenance",
    "labkit.registry.store",
    "labkit.registry.versions",
    "labkit._atomic",
]


def _files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.fixture
def empty_registry(tmp_path) -> Registry:
    registry = Registry(tmp_path / "registry")
    with registry.lock():  # creates the registry folder, as a first retrain does
        pass
    return registry


BAD_NAMES = [
    "../../escaped",
    "../1.0.0",
    "1.0.0/../../escaped",
    "/tmp/escaped",
    "1.0.0/1.0.0",
    "1.0.0\\..\\x",
    "",
    ".",
    "..",
    "1.0",
    "1.0.0.0",
    "1.0.0\n",
    " 1.0.0",
    "01.0.0",
    "1.0.0-rc1",
    "\u0661.\u0660.\u0660",  # Arabic-Indic digits: \d would take them
    "1.0.0\x00",
]


@pytest.mark.parametrize("name", BAD_NAMES, ids=repr)
def test_bad_version_names_are_refused_before_anything_is_written(tmp_path, name):
    model, scorer = tmp_path / "model", tmp_path / "scorer.json"
    model.mkdir()
    (model / "part").write_text("x")
    scorer.write_text("{}")
    before = _files_under(tmp_path)
    registry = Registry(tmp_path / "deep" / "registry")
    with pytest.raises(InvalidVersionName, match=r"MAJOR\.MINOR\.PATCH.*Nothing was written"):
        registry.add(model, scorer, {"data_sha256": "aa"}, version=name)
    assert _files_under(tmp_path) == before  # no registry, no version, nothing escaped
    with pytest.raises(ValueError):
        check_version_name(name)


def test_a_bad_name_in_an_existing_registry_writes_nothing(tmp_path, empty_registry):
    model, scorer = tmp_path / "model", tmp_path / "scorer.json"
    model.mkdir()
    scorer.write_text("{}")
    before = _files_under(tmp_path)
    with pytest.raises(InvalidVersionName, match="'../../escaped'"):
        empty_registry.add(model, scorer, {}, version="../../escaped")
    assert _files_under(tmp_path) == before
    assert check_version_name("10.2.30") == "10.2.30"


@pytest.mark.parametrize("action", ["promote", "rollback", "show", "list"])
def test_a_mistyped_registry_is_named_not_created(tmp_path, empty_registry, capsys, action):
    typo = tmp_path / "registy"
    argv = ["models", action, *(["1.0.0"] if action in ("promote", "show") else [])]
    code = cli.main([*argv, "--registry", str(typo)])
    err = capsys.readouterr().err
    assert code == RegistryNotFound.exit_code
    assert f"No model registry at {typo}" in err
    assert f"Did you mean {empty_registry.root}?" in err
    assert not typo.exists()


def test_registry_methods_on_a_missing_folder_create_nothing(tmp_path):
    missing = Registry(tmp_path / "nowhere")
    for call in (
        lambda: missing.promote("1.0.0"),
        lambda: missing.rollback(),
        missing.champion_version,
        missing.versions,
    ):
        with pytest.raises(RegistryNotFound, match="no REGISTRY.json"):
            call()
    assert list(tmp_path.iterdir()) == []


ODD_POINTERS = [
    ({"champion": 5, "previous": [], "log": []}, "'champion'"),
    ({"champion": "../x", "previous": [], "log": []}, "'champion'"),
    ({"champion": "1.0.0", "previous": [None], "log": []}, r"'previous'.*item 0"),
    ({"champion": "1.0.0", "previous": "0.9.0", "log": []}, "'previous'"),
    ({"champion": "1.0.0", "previous": [], "log": {}}, "'log'"),
    ({"champion": "1.0.0", "previous": [], "log": ["promote"]}, r"'log'.*item 0"),
    ({"champion": None, "previous": ["1.0.0"], "log": []}, "'previous'"),
    ({"champion": "1.0.0", "previous": []}, "'log'"),
    (["1.0.0"], "JSON object"),
]


@pytest.mark.parametrize(("pointer", "field"), ODD_POINTERS, ids=lambda p: repr(p)[:40])
def test_odd_pointer_contents_name_the_file_and_field(empty_registry, pointer, field):
    path = empty_registry.root / "champion.json"
    path.write_text(json.dumps(pointer))
    for call in (
        empty_registry.pointer,
        empty_registry.champion_version,
        empty_registry.champion,
        lambda: empty_registry.rollback(),
        lambda: empty_registry.promote("1.0.0"),
    ):
        with pytest.raises(RegistryCorrupt, match=rf"champion\.json.*{field}.*(backup|by hand)"):
            call()


def test_models_list_names_a_bad_pointer_with_its_exit_code(empty_registry, capsys):
    (empty_registry.root / "champion.json").write_text(
        '{"champion": "1.0.0", "previous": [null], "log": []}'
    )
    code = cli.main(["models", "rollback", "--registry", str(empty_registry.root)])
    assert code == RegistryCorrupt.exit_code
    assert "'previous'" in capsys.readouterr().err


def test_champion_version_is_none_before_the_first_promotion(empty_registry):
    assert empty_registry.champion_version() is None
    pointer = {"champion": "1.2.0", "previous": ["1.0.0"], "log": []}
    (empty_registry.root / "champion.json").write_text(json.dumps(pointer))
    assert empty_registry.champion_version() == "1.2.0"


@pytest.fixture
def exported(tmp_path):
    """A real exported scorer (a small tree) and a stand-in for its Spark model folder."""
    model = tmp_path / "model"
    model.mkdir()
    (model / "README").write_text("stands in for a saved Spark model folder\n")
    return model, export(scorer_of(tree_specs()), tmp_path / "tree.json")


def test_a_scorer_with_its_labels_reversed_is_never_loaded_or_promoted(empty_registry, exported):
    version = empty_registry.add(*exported, {"data_sha256": "aa"})
    document = json.loads(version.scorer_path.read_text())
    document["output"]["classes"].reverse()
    version.scorer_path.write_text(json.dumps(document))
    with pytest.raises(RegistryCorrupt, match=r"Version 1\.0\.0: .*scorer\.json has sha256 "):
        empty_registry.load_scorer("1.0.0")
    with pytest.raises(RegistryCorrupt, match=r"Cannot promote 1\.0\.0\..*Restore it"):
        empty_registry.promote("1.0.0", force=True)
    assert empty_registry.champion_version() is None


def test_force_does_not_promote_an_unloadable_scorer(empty_registry, exported, capsys):
    model, scorer = exported
    empty_registry.add(model, scorer, {"data_sha256": "aa"})
    empty_registry.promote("1.0.0")
    cut = scorer.with_name("cut.json")
    cut.write_text(scorer.read_text()[:200])
    empty_registry.add(model, cut, {"data_sha256": "bb"})
    root = str(empty_registry.root)
    assert cli.main(["models", "promote", "1.1.0", "--force", "--registry", root]) == 2
    assert "does not load" in capsys.readouterr().err
    assert empty_registry.champion_version() == "1.0.0"


def test_a_damaged_version_is_listed_as_such_and_versioning_goes_on(empty_registry, exported):
    for data in ("aa", "bb"):
        empty_registry.add(*exported, {"data_sha256": data})
    (empty_registry.versions_dir / "1.1.0" / "metadata.json").write_text('{"vers')
    assert [v.version for v in empty_registry.versions()] == ["1.0.0"]
    assert [v.version for v in empty_registry.damaged()] == ["1.1.0"]
    assert empty_registry.add(*exported, {"data_sha256": "cc"}).version == "1.2.0"


def test_atomic_write_replaces_whole_files_and_leaves_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "doc.json"
    atomic_write(target, "first\n")
    assert atomic_write(target, b"second\n") == target
    assert target.read_bytes() == b"second\n"

    def broken_replace(*args, **kwargs):
        raise OSError("I/O error")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="I/O error"):
        atomic_write(target, "third\n")
    assert target.read_text() == "second\n"
    assert [p.name for p in tmp_path.iterdir()] == ["doc.json"]


def test_the_lock_module_is_imported_only_by_writers(tmp_path):
    code = textwrap.dedent(
        """\
        import sys
        from labkit.registry import Registry
        registry = Registry(sys.argv[1])
        assert "labkit.registry._lock" not in sys.modules
        with registry.lock():
            pass
        assert "labkit.registry._lock" in sys.modules
        """
    )
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "r")], check=True, timeout=120)


_WITHOUT_POSIX = textwrap.dedent(
    """\
    import importlib, importlib.abc, sys

    class Refuse(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "fcntl" or name.split(".")[0] in ("pyspark", "py4j"):
                raise ImportError(f"{name} is not available here")
            return None

    sys.meta_path.insert(0, Refuse())
    for name in ("fcntl", "pyspark", "py4j"):
        sys.modules.pop(name, None)
    for name in ("labkit", "labkit.export", "labkit.serving", "labkit.serving.serve",
                 "labkit.export.cli", "labkit.registry", "labkit.registry.history"):
        importlib.import_module(name)
    from labkit import Registry, load_scorer, Router  # the lazy top-level names resolve
    from labkit.export import load_scorer
    from labkit.registry import Registry
    registry = Registry(sys.argv[1])
    assert registry.champion_version() is None
    assert registry.versions() == []
    from labkit.cli import main
    for command in ("score", "serve", "models"):
        try:
            main([command, "--help"])
        except SystemExit as stop:
            assert stop.code == 0, (command, stop.code)
    leaked = sorted(m for m in sys.modules if m == "fcntl" or m.startswith(("pyspark", "py4j")))
    assert not leaked, leaked
    print("imported without fcntl and pyspark")
    """
)


def test_scoring_serving_and_reading_import_no_posix_only_module(empty_registry):
    result = subprocess.run(
        [sys.executable, "-c", _WITHOUT_POSIX, str(empty_registry.root)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "imported without fcntl and pyspark" in result.stdout
    assert "usage: labkit score" in result.stdout and "usage: labkit serve" in result.stdout


def test_labkit_keeps_its_public_names():
    import labkit

    assert "Registry" in labkit.__all__ and "load_scorer" in labkit.__all__
    for name in labkit.__all__:
        assert getattr(labkit, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        labkit.nope  # noqa: B018


@pytest.mark.parametrize("module_name", REGISTRY_MODULES)
def test_docstring_examples(module_name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    module = importlib.import_module(module_name)
    globs = {**vars(module), "tmp_path": tmp_path}
    result = doctest.testmod(module, globs=globs, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0
