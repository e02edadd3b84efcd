"""A saved Spark ML folder -> the scorer's stage specs (reading is :mod:`labkit.sparkfolder`).

Every stage that transforms rows is turned into a plain *spec* (see
:mod:`labkit.export._spec`) by the reader for its class in
:mod:`labkit.export._spark_stages`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from labkit.errors import UnsupportedStage
from labkit.export._refused import refusal
from labkit.sparkfolder import model_stages, open_folder


def read_folder(path: str | Path, spark: Any = None) -> tuple[list[dict[str, Any]], str]:
    """Return the stage specs of the model saved at ``path`` and the Spark version that wrote it.

    A ``PipelineModel`` (nested ones flattened), a single model, or a
    ``CrossValidatorModel``/``TrainValidationSplitModel`` (its best model) are
    accepted. With ``spark``, the folder is read through that session (for
    ``s3a://``, ``hdfs://`` or a folder on the cluster's side).

    Raises
    ------
    ModelFolderError
        When the folder, its metadata or its data are missing or malformed.
    UnsupportedStage
        Naming the first stage the scorer cannot reproduce and listing what it can.
    """
    from labkit.export._spark_stages import READERS

    root = open_folder(path, spark)
    specs = []
    for stage in model_stages(root):
        reader = READERS.get(stage.kind)
        if reader is None:
            raise UnsupportedStage(refusal(stage.kind, stage.uid, stage.path, READERS))
        spec = reader(stage)
        spec["uid"] = stage.uid
        specs.append(spec)
    return specs, root.spark_version
