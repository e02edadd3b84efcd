"""Read the folders Spark ML saves, without a JVM: the one reader labkit has.

:mod:`labkit.export` turns the stages it finds into scorer specs and
:mod:`labkit.inspect` draws the trees it reads; both go through this package.
It reads Spark 3.x and 4.x layouts (metadata JSON + parquet with pyarrow),
zero-padded stage folders, nested pipelines and the ``bestModel`` of
``CrossValidatorModel``/``TrainValidationSplitModel``. Pass ``spark=`` to
:func:`open_folder` to read a folder only the Spark session can see
(``s3a://``, ``hdfs://``): the files are fetched by Spark and parsed here.

Examples
--------
>>> folder = open_folder("models/adult-tree")                 # doctest: +SKIP
>>> [stage.kind for stage in model_stages(folder)]            # doctest: +SKIP
['StringIndexerModel', 'VectorAssembler', 'DecisionTreeClassificationModel']
"""

from labkit.sparkfolder._folder import (
    SUPPORTED_MAJORS,
    StageFolder,
    model_stages,
    open_folder,
    param,
    pipeline_stages,
    read_metadata,
    stage_folder_name,
)
from labkit.sparkfolder._source import LocalSource, SessionSource, Source
from labkit.sparkfolder._tables import (
    Split,
    TreeNode,
    build_tree,
    matrix,
    read_ensemble,
    read_tree,
    vector,
)

__all__ = [
    "SUPPORTED_MAJORS",
    "LocalSource",
    "SessionSource",
    "Source",
    "Split",
    "StageFolder",
    "TreeNode",
    "build_tree",
    "matrix",
    "model_stages",
    "open_folder",
    "param",
    "pipeline_stages",
    "read_ensemble",
    "read_metadata",
    "read_tree",
    "stage_folder_name",
    "vector",
]
