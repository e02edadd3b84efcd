"""An MLflow model with Spark's own ``spark`` flavour and labkit's JVM-free ``python_function``.

:func:`save_model` is a flavour module's ``save_model``, so ``mlflow.models.Model.log``
can log it (``flavor=labkit.tracking.flavor``). It lets ``mlflow.spark.save_model``
write the Spark pipeline and its ``spark`` flavour, then replaces the
``python_function`` flavour that ``mlflow.spark`` wrote (one that starts a Spark
session to score) with one whose ``loader_module`` is :mod:`labkit.tracking.pyfunc`
and whose data is labkit's exported ``scorer.json``: no JVM, no pickle. A
``labkit`` entry in ``MLmodel`` records the labkit version and the scorer's sha256.

The resulting folder::

    model/
      MLmodel          flavours: spark (sparkml/), python_function (labkit.tracking.pyfunc), labkit
      sparkml/         the PipelineModel as Spark saved it
      labkit/          scorer.json and scorer.sha256
      requirements.txt, python_env.yaml, conda.yaml

``mlflow.spark`` copies the model through ``SparkContext._gateway.jvm``, which a
Spark Connect client does not have: :func:`check_not_connect` refuses that case
before anything is written.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from labkit.tracking.pyfunc import DATA_DIR, SCORER_FILE, SHA256_FILE
from labkit.tracking.settings import TrackingError, require_mlflow

__all__ = ["FLAVOR_NAME", "check_not_connect", "input_signature", "save_model"]

FLAVOR_NAME = "labkit"
LOADER_MODULE = "labkit.tracking.pyfunc"


def check_not_connect(spark: Any) -> None:
    """Raise :class:`TrackingError` when ``spark`` is a Spark Connect session.

    Examples
    --------
    >>> check_not_connect(None)  # no session (or a local one): nothing to refuse
    """
    from labkit.session import is_connect

    if spark is not None and is_connect(spark):
        raise TrackingError(
            "Cannot log the model to MLflow over Spark Connect: MLflow's spark flavour "
            "(mlflow.spark.save_model) copies the saved model through the JVM gateway "
            "(SparkContext._gateway.jvm), which a Spark Connect client does not have. Run the "
            "retrain with a local Spark session (unset LABKIT_SPARK_REMOTE) to log to MLflow, "
            "or drop --mlflow and the config's [mlflow] table."
        )


#: Spark SQL type names of a retrain config's columns -> MLflow column types.
_MLFLOW_TYPES = {
    "string": "string", "int": "long", "bigint": "long", "double": "double",
    "float": "double", "boolean": "boolean",
}  # fmt: skip


def input_signature(scorer: Any, column_types: dict[str, str] | None = None) -> Any:
    """The MLflow signature of the columns a labkit scorer reads, or None if a type is unknown.

    Parameters
    ----------
    scorer : labkit.export.Scorer
    column_types : dict, optional
        Column -> Spark SQL type name, as a retrain config's ``[data.columns]``
        (``int`` becomes MLflow's ``long``: a JSON integer is a 64-bit one). Without
        it, categorical columns are strings and numeric ones doubles.

    Examples
    --------
    >>> input_signature(scorer, {"age": "int"}).inputs.input_names()[:2]  # doctest: +SKIP
    ['workclass', 'education']
    """
    from mlflow.models.signature import ModelSignature
    from mlflow.types.schema import ColSpec, Schema

    inputs = []
    for column in scorer.input_schema:
        if not column["required"]:
            continue
        kind = "string" if column["type"] == "string" else "double"
        if column_types is not None:
            kind = _MLFLOW_TYPES.get(column_types.get(column["name"], ""), "")
        if not kind:  # a date, a decimal: leave the input unchecked rather than refuse it
            return None
        inputs.append(ColSpec(kind, column["name"], required=True))
    outputs = [ColSpec("double", "prediction"), ColSpec("string", "label", required=False)]
    return ModelSignature(inputs=Schema(inputs), outputs=Schema(outputs))


def save_model(
    path: str | Path,
    mlflow_model: Any = None,
    *,
    spark_model: Any,
    scorer_path: str | Path,
    scorer_sha256: str,
    labkit_version: str | None = None,
    spark: Any = None,
    column_types: dict[str, str] | None = None,
    **kwargs: Any,
) -> None:
    """Write an MLflow model folder: the ``spark`` flavour plus labkit's ``python_function``.

    Parameters
    ----------
    path : str or Path
        The folder to create (must not exist).
    mlflow_model : mlflow.models.Model, optional
        Passed by ``Model.log``; a new one otherwise.
    spark_model : pyspark.ml.PipelineModel
        The fitted pipeline (written by ``mlflow.spark.save_model``).
    scorer_path : str or Path
        Its exported ``scorer.json`` (from the labkit registry version).
    scorer_sha256 : str
        The scorer's recorded sha256; checked again on every load.
    labkit_version : str, optional
        The labkit registry version this model is, recorded in ``MLmodel``.
    spark : SparkSession, optional
        Checked: a Spark Connect session is refused (see :func:`check_not_connect`).
    column_types : dict, optional
        The input columns' Spark SQL types, for the signature (:func:`input_signature`).

    Examples
    --------
    >>> save_model(tmp_path / "m", spark_model=model, scorer_path=version.scorer_path,
    ...            scorer_sha256=version.metadata["scorer_sha256"])  # doctest: +SKIP
    """
    check_not_connect(spark)
    require_mlflow()
    import mlflow.pyfunc
    import mlflow.spark
    from mlflow.models import Model
    from mlflow.pyfunc import FLAVOR_NAME as PYFUNC

    from labkit.export import load_scorer

    path = Path(path)
    mlflow_model = mlflow_model if mlflow_model is not None else Model()
    scorer = load_scorer(scorer_path)
    mlflow.spark.save_model(
        spark_model,
        str(path),
        mlflow_model=mlflow_model,
        signature=input_signature(scorer, column_types) or False,
        pip_requirements=_requirements(),  # no inference: it would start Spark to load the model
    )
    data = path / DATA_DIR
    data.mkdir()
    shutil.copyfile(scorer_path, data / SCORER_FILE)
    (data / SHA256_FILE).write_text(scorer_sha256 + "\n", encoding="utf-8")
    spark_pyfunc = mlflow_model.flavors[PYFUNC]
    mlflow.pyfunc.add_to_model(  # replaces mlflow.spark's python_function flavour
        mlflow_model,
        loader_module=LOADER_MODULE,
        data=DATA_DIR,
        conda_env=spark_pyfunc.get("env", {}).get("conda"),
        python_env=spark_pyfunc.get("env", {}).get("virtualenv"),
    )
    import labkit

    mlflow_model.add_flavor(
        FLAVOR_NAME,
        labkit_version=labkit.__version__,
        registry_version=labkit_version,
        scorer=f"{DATA_DIR}/{SCORER_FILE}",
        scorer_sha256=scorer_sha256,
        spark_version=scorer.spark_version,
    )
    mlflow_model.save(str(path / "MLmodel"))


def _requirements() -> list[str]:
    """What the pyfunc flavour needs, pinned to this environment's versions."""
    from importlib.metadata import version

    import labkit

    return [
        f"labkit=={labkit.__version__}",
        f"mlflow=={version('mlflow')}",
        f"numpy=={version('numpy')}",
        f"pandas=={version('pandas')}",
    ]
