"""labkit registry versions as MLflow model versions, and the aliases that follow the champion.

Each labkit version logged to MLflow becomes one MLflow model version of the
registered model, tagged ``labkit.version`` (MLflow numbers its versions 1, 2,
3...; labkit names them 1.0.0, 1.1.0...). The alias ``champion`` always points
at the MLflow version of the labkit champion: a promotion moves it there, and
so does ``labkit models rollback``. ``challenger`` marks a version being phased
in next to the champion (``labkit serve --challenger VERSION``). A version the
gate held back never gets an alias from a retrain.

Examples
--------
>>> client = client_for(tracking)                                   # doctest: +SKIP
>>> client.get_model_version_by_alias("labkit", "champion").tags["labkit.version"]  # doctest: +SKIP
'1.1.0'
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from labkit.tracking.settings import TrackingConfig, TrackingError, read_link, require_mlflow

__all__ = [
    "CHALLENGER",
    "CHAMPION",
    "VERSION_TAG",
    "client_for",
    "find_version",
    "mark_challenger",
    "set_alias",
    "sync_champion",
    "using",
]

CHAMPION, CHALLENGER = "champion", "challenger"
#: The MLflow model-version tag holding the labkit version name.
VERSION_TAG = "labkit.version"


@contextlib.contextmanager
def using(tracking: TrackingConfig) -> Iterator[Any]:
    """Point MLflow's fluent API at ``tracking.uri`` for the block, then put back what was set.

    ``mlflow.set_tracking_uri`` also sets ``MLFLOW_TRACKING_URI`` (and
    ``set_registry_uri`` ``MLFLOW_REGISTRY_URI``): both settings and variables are restored.
    """
    import os

    mlflow = require_mlflow()
    from mlflow.tracking._model_registry import utils as registry_utils
    from mlflow.tracking._tracking_service import utils as tracking_utils

    saved = (tracking_utils._tracking_uri, registry_utils._registry_uri)
    names = ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI")
    saved_env = {name: os.environ.get(name) for name in names}
    mlflow.set_tracking_uri(tracking.uri)
    mlflow.set_registry_uri(tracking.uri)
    try:
        yield mlflow
    finally:
        mlflow.set_tracking_uri(saved[0])
        registry_utils._registry_uri = saved[1]
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def client_for(tracking: TrackingConfig) -> Any:
    """An ``MlflowClient`` on the tracking store and model registry of ``tracking``."""
    mlflow = require_mlflow()
    return mlflow.MlflowClient(tracking_uri=tracking.uri, registry_uri=tracking.uri)


def find_version(client: Any, name: str, labkit_version: str) -> str | None:
    """The MLflow version number of ``labkit_version`` in registered model ``name``, or None."""
    from mlflow.exceptions import MlflowException

    try:
        versions = client.search_model_versions(f"name = '{name}'")
    except MlflowException:
        return None
    numbers = [int(v.version) for v in versions if v.tags.get(VERSION_TAG) == labkit_version]
    return str(max(numbers)) if numbers else None  # the store may answer 3 or "3"


def set_alias(tracking: TrackingConfig, alias: str, labkit_version: str) -> str:
    """Point ``alias`` at the MLflow version of ``labkit_version``; return its number.

    Raises
    ------
    TrackingError
        When that labkit version was never logged to this MLflow registered model.

    Examples
    --------
    >>> set_alias(tracking, "challenger", "1.2.0")  # doctest: +SKIP
    '3'
    """
    client = client_for(tracking)
    number = find_version(client, tracking.registered_model, labkit_version)
    if number is None:
        raise TrackingError(
            f"labkit version {labkit_version} is not a version of MLflow model "
            f"{tracking.registered_model!r} at {tracking.uri}: it was trained without --mlflow. "
            "Log it with labkit.tracking.log_retrain, or retrain with --mlflow."
        )
    client.set_registered_model_alias(tracking.registered_model, alias, number)
    return number


def sync_champion(registry: Any, tracking: TrackingConfig | None = None) -> str | None:
    """Move the ``champion`` alias to the labkit champion's MLflow version.

    Parameters
    ----------
    registry : labkit.registry.Registry
    tracking : TrackingConfig, optional
        Default: the store recorded in the registry's ``mlflow.json``; with
        neither, nothing happens (MLflow is not configured).

    Returns
    -------
    str or None
        The MLflow version number now aliased ``champion``, or None when MLflow is
        not configured.

    Raises
    ------
    TrackingError
        When the champion was never logged to MLflow; the alias is removed first,
        so it never names a model that is not the champion.
    """
    tracking = tracking or read_link(registry.root)
    if tracking is None:
        return None
    champion = registry.champion_version()
    client = client_for(tracking)
    number = None if champion is None else find_version(client, tracking.registered_model, champion)
    if number is None:
        with contextlib.suppress(Exception):  # no alias (or no model) yet: nothing to remove
            client.delete_registered_model_alias(tracking.registered_model, CHAMPION)
        raise TrackingError(
            f"The labkit champion {champion} is not a version of MLflow model "
            f"{tracking.registered_model!r} at {tracking.uri} (trained without --mlflow), so "
            "the 'champion' alias was removed rather than left on another model."
        )
    client.set_registered_model_alias(tracking.registered_model, CHAMPION, number)
    if _alias_number(client, tracking.registered_model, CHALLENGER) == number:
        # the challenger won: its slot empties, as `labkit serve` empties it
        client.delete_registered_model_alias(tracking.registered_model, CHALLENGER)
    return number


def mark_challenger(
    registry: Any, version: str, tracking: TrackingConfig | None = None
) -> str | None:
    """Point the ``challenger`` alias at ``version``: the candidate being phased in.

    ``labkit serve --challenger VERSION`` serves it to a share of the traffic; once it
    is promoted, :func:`sync_champion` moves ``champion`` to it and removes
    ``challenger``.

    Parameters
    ----------
    registry : labkit.registry.Registry
    version : str
        A labkit version in ``registry`` (not the champion).
    tracking : TrackingConfig, optional
        Default: the store recorded in the registry's ``mlflow.json``.

    Returns
    -------
    str or None
        The MLflow version number now aliased ``challenger``, or None when MLflow is
        not configured.

    Examples
    --------
    >>> mark_challenger(registry, "1.1.0")  # doctest: +SKIP
    '2'
    """
    tracking = tracking or read_link(registry.root)
    return None if tracking is None else set_alias(tracking, CHALLENGER, version)


def _alias_number(client: Any, name: str, alias: str) -> str | None:
    """The version number ``alias`` names, or None when it names none."""
    from mlflow.exceptions import MlflowException

    try:
        return str(client.get_model_version_by_alias(name, alias).version)
    except MlflowException:
        return None
