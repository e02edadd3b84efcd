"""What a retrain reads, trains and how it is judged: one config, from a TOML or JSON file.

A config has five tables, each optional (Adult's settings fill in what is left out)::

    [data]                   # the file: layout, columns in file order with their types
    path = "my.csv"          # relative to the config file; --data overrides it
    header = true
    null_value = "NA"
    [data.columns]
    age = "int"
    city = "string"

    [spec]                   # what the model sees
    label = "churned"
    classes = ["no", "yes"]  # the positive class last
    categorical = ["city"]
    numeric = ["age"]
    ignore = []              # every column must be used or ignored, on purpose

    [training]               # model = "logistic_regression", params, fresh_fraction, seed
    [history]                # which past runs are the baseline
    [gate.<check>]           # thresholds (see labkit.validate.config)
    [mlflow]                 # optional: log each run to MLflow (labkit.tracking.settings)

Unknown tables and keys are errors with a "did you mean" (one rule,
:func:`labkit.validate.config.check_keys`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labkit import pipeline as labpipe
from labkit.errors import BadColumnSpec, ConfigError
from labkit.reader import CsvOptions
from labkit.tracking.settings import TrackingConfig
from labkit.validate.config import GateConfig, check_keys, read_config_file

if TYPE_CHECKING:
    from pyspark.sql.types import StructType

TABLES = ("data", "spec", "training", "history", "gate", "mlflow")
TRAINING_KEYS = ("model", "params", "fresh_fraction", "seed")
#: Column types a config may name, as Spark's SQL type names.
TYPE_NAMES = ("string", "int", "bigint", "double", "float", "boolean", "date", "timestamp")
_DECIMAL = re.compile(r"decimal\(\s*\d+\s*,\s*\d+\s*\)")


def _default_data() -> DataConfig:
    from labkit.data import adult_data_config  # the default data set, from the catalogue

    return DataConfig.from_dict(adult_data_config())


@dataclass(frozen=True)
class DataConfig:
    """The data file: where it is, how it is written, its columns in file order.

    Examples
    --------
    >>> data = DataConfig.from_dict({"header": True, "columns": {"id": "int", "y": "string"}})
    >>> data.options.header, data.schema().simpleString()
    (True, 'struct<id:int,y:string>')
    """

    columns: dict[str, str]
    options: CsvOptions = CsvOptions()
    path: Path | None = None
    #: Removed from the end of label values (adult.test writes ">50K.").
    label_suffix: str | None = None

    def schema(self) -> StructType:
        """The Spark schema of :attr:`columns`."""
        from pyspark.sql import types as T

        simple = {
            "string": T.StringType, "int": T.IntegerType, "bigint": T.LongType,
            "double": T.DoubleType, "float": T.FloatType, "boolean": T.BooleanType,
            "date": T.DateType, "timestamp": T.TimestampType,
        }  # fmt: skip

        def spark_type(kind: str) -> T.DataType:
            if kind in simple:
                return simple[kind]()
            precision, scale = map(int, re.findall(r"\d+", kind))
            return T.DecimalType(precision, scale)

        return T.StructType([T.StructField(n, spark_type(k)) for n, k in self.columns.items()])

    @classmethod
    def from_dict(cls, raw: dict[str, Any], *, where: str = "[data]", base: Path | None = None):
        """Build from a ``[data]`` table; ``path`` is resolved against ``base``."""
        from dataclasses import fields as option_fields

        known = [f.name for f in option_fields(CsvOptions)] + ["path", "columns", "label_suffix"]
        check_keys(raw, known, where, "key")
        raw = dict(raw)
        columns = raw.pop("columns", None)
        path, suffix = raw.pop("path", None), raw.pop("label_suffix", None)
        if not isinstance(columns, dict) or not columns:
            raise ConfigError(
                f"{where} needs a [data.columns] table: every column in file order with its "
                f'type, e.g. age = "int". `labkit init FILE` writes one for you.'
            )
        for name, kind in columns.items():
            if not isinstance(kind, str) or not (kind in TYPE_NAMES or _DECIMAL.fullmatch(kind)):
                raise ConfigError(
                    f"{where}.columns {name} = {kind!r}: the type must be one of "
                    f"{', '.join(TYPE_NAMES)} or decimal(p,s)."
                )
        if path is not None:
            path = Path(path) if base is None or Path(path).is_absolute() else base / path
        options = CsvOptions.from_dict(raw, where=where)
        return cls(columns=dict(columns), options=options, path=path, label_suffix=suffix)


@dataclass(frozen=True)
class RetrainConfig:
    """What to read and train and how to judge it; read from a TOML or JSON file.

    Parameters
    ----------
    model : str, default="logistic_regression"
        A kind from :data:`labkit.pipeline.MODEL_KINDS`. Logistic regression
        reports its iterations, which the convergence check compares.
    params : dict
        Spark parameters of the model, e.g. ``{"regParam": 0.01}``.
    fresh_fraction : float, default=0.2
        Share of the new rows kept back as fresh labelled data.
    seed : int, default=42
        Seed of the train/fresh split.
    spec : ColumnSpec
        Columns and label (default: the Adult spec).
    gate : GateConfig
        Every threshold (``[history]`` and ``[gate.<check>]`` tables).
    data : DataConfig
        The file's layout and columns (default: the Adult files).
    ignored : tuple of str
        Columns of the file the model does not use, on purpose.
    mlflow : TrackingConfig, optional
        Where each run is logged (the ``[mlflow]`` table, or ``--mlflow URI``);
        None logs nothing to MLflow.

    Examples
    --------
    >>> RetrainConfig.from_dict({"training": {"params": {"maxIter": 50}}}).params
    {'maxIter': 50}
    """

    model: str = "logistic_regression"
    params: dict[str, Any] = field(default_factory=dict)
    fresh_fraction: float = 0.2
    seed: int = 42
    spec: labpipe.ColumnSpec = field(default_factory=labpipe.adult_spec)
    gate: GateConfig = field(default_factory=GateConfig)
    data: DataConfig = field(default_factory=_default_data)
    ignored: tuple[str, ...] = ()
    mlflow: TrackingConfig | None = None

    @classmethod
    def from_dict(
        cls, raw: dict[str, Any], *, source: str = "config", base: Path | None = None
    ) -> RetrainConfig:
        """Build a config from its tables (see the module docstring); unknown keys raise."""
        check_keys(raw, list(TABLES), source, "table")
        training = dict(raw.get("training", {}))
        check_keys(training, list(TRAINING_KEYS), f"{source}: [training]", "key")
        fraction = training.get("fresh_fraction", 0.2)
        if not isinstance(fraction, float | int) or not 0.05 <= fraction <= 0.5:
            raise ConfigError(
                f"{source}: [training] fresh_fraction must be a number between "
                f"0.05 and 0.5, got {fraction!r}."
            )
        gate_raw = dict(raw.get("gate", {}))
        if "history" in raw:
            gate_raw["history"] = raw["history"]
        spec_raw = dict(raw.get("spec", {}))
        ignored = tuple(spec_raw.pop("ignore", ()))
        try:
            spec = labpipe.ColumnSpec.from_dict(spec_raw) if spec_raw else labpipe.adult_spec()
        except BadColumnSpec as error:
            raise ConfigError(f"{source}: [spec] {error}") from error
        if "data" in raw:
            data = DataConfig.from_dict(raw["data"], where=f"{source}: [data]", base=base)
        else:
            data = _default_data()
        _check_columns(data, spec, ignored, source)
        return cls(
            model=training.get("model", "logistic_regression"),
            params=dict(training.get("params", {})),
            fresh_fraction=float(fraction),
            seed=int(training.get("seed", 42)),
            spec=spec,
            gate=GateConfig.from_dict(gate_raw, source=source),
            data=data,
            ignored=ignored,
            mlflow=TrackingConfig.from_dict(raw["mlflow"], where=f"{source}: [mlflow]")
            if "mlflow" in raw
            else None,
        )

    @classmethod
    def from_file(cls, path: str | Path) -> RetrainConfig:
        """Read a TOML or JSON config file; a relative data path is taken from the file's folder."""
        path = Path(path)
        return cls.from_dict(read_config_file(path), source=str(path), base=path.parent)


def _check_columns(data: DataConfig, spec: labpipe.ColumnSpec, ignored, source: str) -> None:
    """Every file column is used or ignored on purpose; every used column is in the file."""
    used = [*spec.inputs, spec.label]
    missing = [c for c in [*used, *ignored] if c not in data.columns]
    if missing:
        raise ConfigError(
            f"{source}: [spec] names {missing}, which [data.columns] does not have. "
            f"The file's columns are: {', '.join(data.columns)}."
        )
    unassigned = [c for c in data.columns if c not in used and c not in ignored]
    if unassigned:
        raise ConfigError(
            f"{source}: column(s) {unassigned} of [data.columns] are neither features, the "
            "label, nor in [spec] ignore: add each to categorical, numeric or ignore."
        )
