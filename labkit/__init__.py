"""labkit: from a CSV file to a production model on Apache Spark ML.

The helpers behind the codelab's notebooks. Spark is imported lazily, so code
that only serves exported models never starts (or needs) a JVM.

Examples
--------
>>> from labkit import load_scorer
>>> scorer = load_scorer("models/adult.json")  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import Any

from labkit.errors import LabkitError

#: Public name -> the module that defines it, imported on first use (PEP 562), so
#: ``import labkit`` loads neither Spark nor a POSIX-only module nor numpy.
_LAZY = {
    "ReadStats": "labkit.data",
    "load_adult": "labkit.data",
    "read_adult": "labkit.data",
    "read_csv": "labkit.data",
    "check_parity": "labkit.export",
    "load_scorer": "labkit.export",
    "Registry": "labkit.registry",
    "Router": "labkit.serving",
    "get_spark": "labkit.session",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'labkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "LabkitError",
    "ReadStats",
    "Registry",
    "Router",
    "check_parity",
    "get_spark",
    "load_adult",
    "load_scorer",
    "read_adult",
    "read_csv",
]
__version__ = "0.1.0"
