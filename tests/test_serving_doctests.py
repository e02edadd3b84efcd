"""The docstring examples of labkit.serving and labkit._json run as written."""

from __future__ import annotations

import doctest

import pytest

from labkit import _json
from labkit.serving import bands, compare, log, requests, router, serve, server

MODULES = [bands, compare, log, requests, router, serve, server, _json]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_docstring_examples(module, tmp_path):
    globs = {**vars(module), "tmp_path": tmp_path}
    result = doctest.testmod(module, globs=globs, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0
