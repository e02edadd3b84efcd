"""The set-up files agree with each other: conda and pip users get the same packages."""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path

import jsonschema
import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent


def pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = project["dependencies"] + sum(project["optional-dependencies"].values(), [])
    return {Requirement(r).name: str(Requirement(r).specifier) for r in names}


def conda_environment() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text())


def test_environment_yml_pins_the_same_packages_as_pyproject():
    pip_section = next(d for d in conda_environment()["dependencies"] if isinstance(d, dict))
    listed = [r for r in pip_section["pip"] if not r.startswith("-e")]
    conda_side = {Requirement(r).name: str(Requirement(r).specifier) for r in listed}
    assert conda_side == pyproject_requirements()
    assert "-e .[test]" in pip_section["pip"]


def test_environment_yml_brings_python_java_and_graphviz():
    plain = [d for d in conda_environment()["dependencies"] if isinstance(d, str)]
    assert {"python=3.11", "openjdk=17", "graphviz", "pip"} <= set(plain)


def test_ci_runs_the_readme_test_command():
    ci_commands = [
        line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line.strip() and not line.startswith(("#", "set ", "cd "))
    ]  # fmt: skip
    assert ci_commands == ["make test"]
    assert "make test" in (ROOT / "README.md").read_text()


def test_shipped_jupyterlab_settings_are_real_settings_that_silence_the_news_prompt():
    """A misspelt plugin or key in the shipped overrides would be ignored without a word."""
    overrides = json.loads((ROOT / "labkit" / "conf" / "jupyterlab-overrides.json").read_text())
    schemas = Path(sys.prefix) / "share" / "jupyter" / "lab" / "schemas"
    for plugin, values in overrides.items():
        package, _, name = plugin.partition(":")
        schema = json.loads((schemas / package / f"{name}.json").read_text())
        for key, value in values.items():
            assert key in schema["properties"], f"{plugin} has no setting {key!r}"
            jsonschema.validate(value, schema["properties"][key])
    assert overrides["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
