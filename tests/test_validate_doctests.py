"""The docstring examples of the validation, registry and sabotage modules run as written."""

from __future__ import annotations

import doctest

import pytest

from labkit import registry, retrain, sabotage
from labkit.registry import history
from labkit.validate import checks_data, checks_model, config, layout, profile, report

MODULES = [
    checks_data,
    checks_model,
    config,
    history,
    layout,
    profile,
    report,
    registry,
    retrain,
    sabotage,
]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_docstring_examples(module, tmp_path, monkeypatch):
    from labkit.data import ADULT_FILES

    monkeypatch.chdir(ADULT_FILES["train"].path.parent.parent)  # examples name data/...
    globs = {**vars(module), "tmp_path": tmp_path}
    result = doctest.testmod(module, globs=globs, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0
