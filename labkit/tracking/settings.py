"""Where retrains are tracked: the ``[mlflow]`` config table, and the registry's link to it.

A retrain config may carry::

    [mlflow]
    uri = "sqlite:///mlflow.db"        # the tracking and model-registry store (--mlflow URI)
    experiment = "labkit-retrain"      # the MLflow experiment the runs go to
    registered_model = "labkit"        # the MLflow registered model the versions go to
    artifact_location = "mlartifacts"  # where a new experiment keeps its artifacts

A relative sqlite file or artifact folder is taken from the working directory
and recorded as an absolute path, so ``labkit models rollback`` run from
anywhere finds the same store: the first tracked retrain writes it to
``<registry>/mlflow.json``. Nothing here imports mlflow.

Examples
--------
>>> tracking = TrackingConfig.from_dict({"uri": "sqlite:////tmp/t/mlflow.db"})
>>> tracking.uri, tracking.experiment, tracking.registered_model
('sqlite:////tmp/t/mlflow.db', 'labkit-retrain', 'labkit')
>>> tracking.artifact_location
'/tmp/t/mlartifacts'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from labkit import _json
from labkit.errors import ConfigError, TrackingError

__all__ = [
    "DEFAULT_URI",
    "LINK_FILE",
    "TrackingConfig",
    "TrackingError",
    "read_link",
    "require_mlflow",
    "write_link",
]

#: The documented local default: one sqlite file in the working directory.
DEFAULT_URI = "sqlite:///mlflow.db"
#: The file in a registry folder naming the MLflow store its versions were logged to.
LINK_FILE = "mlflow.json"
KEYS = ("uri", "experiment", "registered_model", "artifact_location")


def require_mlflow() -> Any:
    """Import and return :mod:`mlflow`, or raise :class:`TrackingError` with the install line.

    Examples
    --------
    >>> require_mlflow().__name__
    'mlflow'
    """
    try:
        import mlflow
    except ImportError as exc:
        raise TrackingError(
            "MLflow tracking needs the mlflow package, which is not installed here: "
            "pip install 'labkit[mlflow]' (or drop --mlflow and the config's [mlflow] table)."
        ) from exc
    return mlflow


def _absolute_uri(uri: str) -> str:
    """``sqlite:///rel.db`` -> ``sqlite:////abs/rel.db``; other URIs unchanged."""
    prefix = "sqlite:///"
    if uri.startswith(prefix) and not uri.startswith(prefix + "/"):
        return prefix + str(Path(uri[len(prefix) :]).resolve())
    return uri


@dataclass(frozen=True)
class TrackingConfig:
    """An MLflow tracking store, experiment and registered model for retrains.

    Parameters
    ----------
    uri : str
        MLflow tracking URI (the model registry uses the same), e.g.
        ``sqlite:///mlflow.db`` (:data:`DEFAULT_URI`) or ``http://mlflow:5000``.
    experiment : str, default="labkit-retrain"
    registered_model : str, default="labkit"
    artifact_location : str, optional
        Artifact folder of a *new* experiment; with a sqlite store, by default
        ``mlartifacts/`` beside the database file.

    Examples
    --------
    >>> TrackingConfig.from_dict({"uri": "http://mlflow:5000"}).artifact_location is None
    True
    """

    uri: str = DEFAULT_URI
    experiment: str = "labkit-retrain"
    registered_model: str = "labkit"
    artifact_location: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "uri", _absolute_uri(self.uri))
        location = self.artifact_location
        if location is None and self.uri.startswith("sqlite:///"):
            location = str(Path(self.uri[len("sqlite:///") :]).parent / "mlartifacts")
        elif location is not None and "://" not in location:
            location = str(Path(location).resolve())
        object.__setattr__(self, "artifact_location", location)

    @classmethod
    def from_dict(cls, raw: dict[str, Any], *, where: str = "[mlflow]") -> TrackingConfig:
        """Build from a config's ``[mlflow]`` table; unknown keys and non-strings raise."""
        from labkit.validate.config import check_keys

        check_keys(raw, list(KEYS), where, "key")
        for key, value in raw.items():
            if not isinstance(value, str) or not value:
                raise ConfigError(f"{where} {key} must be a non-empty string, got {value!r}.")
        return cls(**raw)

    def with_uri(self, uri: str | None) -> TrackingConfig:
        """This config with ``uri`` replaced (``--mlflow URI`` wins over the file)."""
        if uri is None:
            return self
        derived = TrackingConfig(self.uri).artifact_location  # the old uri's default location
        location = None if self.artifact_location == derived else self.artifact_location
        return TrackingConfig(uri, self.experiment, self.registered_model, location)

    def to_dict(self) -> dict[str, Any]:
        """The fields as plain data (what ``mlflow.json`` holds)."""
        return asdict(self)


def write_link(registry_root: str | Path, tracking: TrackingConfig) -> Path:
    """Record in the registry folder which MLflow store its versions are logged to."""
    from labkit._atomic import atomic_write

    path = Path(registry_root) / LINK_FILE
    return atomic_write(path, _json.dumps(tracking.to_dict(), indent=2, sort_keys=True) + "\n")


def read_link(registry_root: str | Path) -> TrackingConfig | None:
    """The MLflow store a registry's versions were logged to, or None if never tracked.

    Examples
    --------
    >>> read_link(tmp_path) is None
    True
    >>> _ = write_link(tmp_path, TrackingConfig("sqlite:////tmp/x/mlflow.db"))
    >>> read_link(tmp_path).registered_model
    'labkit'
    """
    path = Path(registry_root) / LINK_FILE
    if not path.is_file():
        return None
    try:
        raw = _json.loads(path.read_text(encoding="utf-8"))
        return TrackingConfig.from_dict(
            {k: v for k, v in raw.items() if v is not None}, where=str(path)
        )
    except (ValueError, TypeError) as exc:
        raise ConfigError(
            f"{path} is not a valid MLflow link ({exc}). Delete it; the next retrain with "
            "--mlflow writes it again."
        ) from exc
