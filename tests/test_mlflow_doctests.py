"""The docstring examples of labkit.tracking run as written (no Spark, no MLflow store)."""

from __future__ import annotations

import doctest

import pytest

pytest.importorskip("mlflow")

from labkit import tracking  # noqa: E402
from labkit.tracking import aliases, flavor, pyfunc, runs, settings  # noqa: E402

MODULES = [tracking, settings, runs, flavor, pyfunc, aliases]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_docstring_examples(module, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # TrackingConfig() resolves sqlite:///mlflow.db here
    globs = {**vars(module), "tmp_path": tmp_path}
    result = doctest.testmod(module, globs=globs, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
