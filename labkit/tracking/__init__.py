"""Retrains tracked in MLflow, champions registered with aliases, served by MLflow with no JVM.

labkit's own file-system registry stays the record of truth; MLflow
(``pip install 'labkit[mlflow]'``) mirrors it where teams already look:

- :mod:`~labkit.tracking.settings`: the ``[mlflow]`` config table
  (:class:`TrackingConfig`, default store ``sqlite:///mlflow.db``) and the
  registry's ``mlflow.json`` link; imports no mlflow;
- :mod:`~labkit.tracking.runs`: :func:`log_retrain`, one MLflow run per retrain
  (parameters, data sha256 and size, git commit, every gate figure, the gate
  report as JSON and HTML, the model);
- :mod:`~labkit.tracking.flavor`: the logged model, with MLflow's ``spark``
  flavour and a ``python_function`` flavour backed by labkit's exported scorer;
- :mod:`~labkit.tracking.pyfunc`: that flavour's ``loader_module`` (no pyspark,
  no pickle), so ``mlflow models serve --env-manager local`` needs no Java;
- :mod:`~labkit.tracking.aliases`: labkit versions as MLflow versions, and the
  ``champion`` alias following promotions and rollbacks.

Examples
--------
>>> from labkit.tracking import TrackingConfig
>>> TrackingConfig().uri.endswith("/mlflow.db")
True
"""

from __future__ import annotations

import importlib
from typing import Any

from labkit.tracking.settings import DEFAULT_URI, TrackingConfig, TrackingError

_LAZY = {
    "TrackedRun": "labkit.tracking.runs",
    "log_retrain": "labkit.tracking.runs",
    "mark_challenger": "labkit.tracking.aliases",
    "set_alias": "labkit.tracking.aliases",
    "sync_champion": "labkit.tracking.aliases",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'labkit.tracking' has no attribute {name!r}")
    return getattr(importlib.import_module(_LAZY[name]), name)


__all__ = [
    "DEFAULT_URI",
    "TrackedRun",
    "TrackingConfig",
    "TrackingError",
    "log_retrain",
    "mark_challenger",
    "set_alias",
    "sync_champion",
]
