"""A saved Spark ML folder: metadata, params, parquet data, and the stages inside it.

The layout ``model.write().save(path)`` writes (Spark 3.x and 4.x)::

    path/
      metadata/part-00000*     one JSON line: class, sparkVersion, uid, paramMap, defaultParamMap
      data/*.parquet           the fitted numbers (labels, coefficients, tree nodes)
      treesMetadata/           ensembles only: (tree id, tree metadata JSON, weight)
      stages/<i>_<uid>/        PipelineModel only: one folder per stage
      bestModel/               CrossValidatorModel / TrainValidationSplitModel only

Spark names stage ``i`` of ``n`` with ``i`` zero-padded to the number of digits
of ``n`` (``Pipeline.SharedReadWrite.getStagePath`` in Scala, the same rule in
pyspark's ``ml/pipeline.py``): ``0_…`` to ``9_…`` for up to 9 stages, ``00_…``
to ``17_…`` for 18.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labkit.errors import ModelFolderError
from labkit.sparkfolder._source import LocalSource, SessionSource, Source, join

#: Major Spark versions whose saved layout this reader knows (tested: 3.5 and 4.3).
SUPPORTED_MAJORS = (3, 4)
TUNING_MODELS = ("CrossValidatorModel", "TrainValidationSplitModel")


@dataclass(frozen=True)
class StageFolder:
    """One saved Spark ML object: its metadata, and access to the files beside it."""

    source: Source
    relative: str
    meta: dict[str, Any]

    @property
    def path(self) -> str:
        """The folder's full location, for messages."""
        return self.source.describe(self.relative)

    @property
    def kind(self) -> str:
        """The class name without its package, e.g. ``"StringIndexerModel"``."""
        return str(self.meta["class"]).split(".")[-1]

    @property
    def uid(self) -> str:
        """The stage's uid, e.g. ``"StringIndexer_4f1c"``."""
        return str(self.meta.get("uid", ""))

    @property
    def spark_version(self) -> str:
        """The Spark version that saved it (``"unknown"`` when not recorded)."""
        return str(self.meta.get("sparkVersion", "unknown"))

    def param(self, name: str, default: Any = None) -> Any:
        """The param's explicit value (``paramMap``), else its default, else ``default``."""
        return param(self.meta, name, default)

    def is_set(self, name: str) -> bool:
        """True when the param was set explicitly (it is in ``paramMap``)."""
        return name in (self.meta.get("paramMap") or {})

    def rows(self, part: str = "data") -> list[dict[str, Any]]:
        """All rows of the parquet table in ``part`` (``data`` or ``treesMetadata``)."""
        return read_table(self.source, join(self.relative, part))

    def only_row(self, *fields: str) -> dict[str, Any]:
        """The single row of ``data/``, checked to hold ``fields``."""
        rows = self.rows()
        if len(rows) != 1:
            raise ModelFolderError(f"{self.path}/data holds {len(rows)} rows, expected 1.")
        missing = [f for f in fields if f not in rows[0]]
        if missing:
            raise ModelFolderError(
                f"{self.path}/data has no {', '.join(missing)} column (it has "
                f"{', '.join(rows[0])}): {self.kind} saved in a layout this reader does not know."
            )
        return rows[0]

    def child(self, name: str) -> StageFolder:
        """The saved object in sub-folder ``name`` (a stage, ``bestModel``)."""
        relative = join(self.relative, name)
        return StageFolder(self.source, relative, read_metadata(self.source, relative))


def param(meta: dict[str, Any], name: str, default: Any = None) -> Any:
    """The param's explicit value, else its default, else ``default``.

    Examples
    --------
    >>> meta = {"paramMap": {"inputCol": "age"}, "defaultParamMap": {"dropLast": True}}
    >>> param(meta, "inputCol"), param(meta, "dropLast"), param(meta, "handleInvalid", "error")
    ('age', True, 'error')
    """
    for where in ("paramMap", "defaultParamMap"):
        values = meta.get(where) or {}
        if name in values:
            return values[name]
    return default


def open_folder(path: str | Path, spark: Any = None) -> StageFolder:
    """Open the saved model at ``path``: on local disk, or through ``spark`` when given.

    Raises
    ------
    ModelFolderError
        When ``path`` is not a folder, has no metadata, or was saved by a Spark
        line whose layout this reader does not know.
    """
    source = LocalSource(path) if spark is None else SessionSource(spark, str(path))
    root = StageFolder(source, "", read_metadata(source, ""))
    check_version(root)
    return root


def read_metadata(source: Source, relative: str) -> dict[str, Any]:
    """The JSON line in ``relative/metadata/part-*``."""
    where = join(relative, "metadata")
    names = [n for n in source.entries(where) or [] if n.startswith("part-")]
    if not names:
        raise ModelFolderError(
            f"{source.describe(relative)} has no metadata/part-* file: it is not a folder Spark "
            "ML saved (or the save did not finish). Save the model again with "
            "model.write().overwrite().save(path)."
        )
    lines = [
        line for name in sorted(names)
        for line in source.read(join(where, name)).decode("utf-8").splitlines() if line.strip()
    ]  # fmt: skip
    part = source.describe(join(where, sorted(names)[0]))
    try:
        meta = json.loads(lines[0])
    except (IndexError, json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ModelFolderError(f"{part} is not a JSON line: {error}") from error
    if not isinstance(meta, dict) or "class" not in meta:
        raise ModelFolderError(f"{part} has no 'class' field; is this a Spark ML folder?")
    return meta


def check_version(folder: StageFolder) -> None:
    """Refuse a folder saved by a Spark line whose layout this reader does not know."""
    match = re.match(r"(\d+)\.", folder.spark_version)
    if match is None or int(match.group(1)) in SUPPORTED_MAJORS:
        return
    major = int(match.group(1))
    lines = " and ".join(f"{m}.x" for m in SUPPORTED_MAJORS)
    fix = (
        "load it with that Spark and save it again with Spark 4"
        if major < SUPPORTED_MAJORS[0]
        else "use a labkit release that reads it, or save the model with Spark 4"
    )
    raise ModelFolderError(
        f"{folder.path} was saved by Spark {folder.spark_version}; labkit reads folders saved "
        f"by Spark {lines} only: {fix}."
    )


def stage_folder_name(index: int, uid: str, count: int) -> str:
    """Spark's name for stage ``index`` of ``count``: the index zero-padded to ``count``'s width.

    Examples
    --------
    >>> stage_folder_name(3, "StringIndexer_1", 9), stage_folder_name(3, "StringIndexer_1", 18)
    ('3_StringIndexer_1', '03_StringIndexer_1')
    """
    return f"{index:0{len(str(count))}d}_{uid}"


def pipeline_stages(pipeline: StageFolder) -> list[StageFolder]:
    """The stages of a saved ``PipelineModel``, in order (``paramMap.stageUids``)."""
    uids = pipeline.param("stageUids")
    if not isinstance(uids, list):
        raise ModelFolderError(f"{pipeline.path}/metadata has no stageUids list.")
    present = pipeline.source.entries(join(pipeline.relative, "stages"))
    if present is None and uids:
        raise ModelFolderError(
            f"{pipeline.path}/stages is missing: the saved pipeline is incomplete. "
            "Save it again with model.write().overwrite().save(path)."
        )
    return [
        pipeline.child(join("stages", _stage_name(pipeline, i, uid, len(uids), present or [])))
        for i, uid in enumerate(uids)
    ]


def _stage_name(pipeline: StageFolder, index: int, uid: str, count: int, present: list[str]):
    expected = stage_folder_name(index, uid, count)
    if expected in present:
        return expected
    # Same index and uid with other padding (a folder renamed by hand): still unambiguous.
    same = [n for n in present if re.fullmatch(rf"0*{index}_{re.escape(uid)}", n)]
    if len(same) == 1:
        return same[0]
    raise ModelFolderError(
        f"{pipeline.path}/stages/{expected} is missing: stage {index} of {count} "
        f"(uid {uid!r}) should be there, Spark pads the index to {len(str(count))} digit(s). "
        f"The folder holds {present}. The save did not finish or the folder was copied "
        "partially: save the model again."
    )


def model_stages(folder: StageFolder) -> list[StageFolder]:
    """The stages that transform rows, in order: pipelines (nested ones too) flattened,
    tuning models replaced by their ``bestModel``, anything else as itself."""
    if folder.kind == "PipelineModel":
        return [leaf for stage in pipeline_stages(folder) for leaf in model_stages(stage)]
    if folder.kind in TUNING_MODELS:
        if "bestModel" not in (folder.source.entries(folder.relative) or []):
            raise ModelFolderError(
                f"{folder.path}/bestModel is missing: a saved {folder.kind} keeps its best "
                "model there. Save the fitted model again."
            )
        return model_stages(folder.child("bestModel"))
    return [folder]


def read_table(source: Source, relative: str) -> list[dict[str, Any]]:
    """All rows of the parquet files in folder ``relative`` as dicts (pyarrow, no Spark)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    names = source.entries(relative)
    if names is None:
        raise ModelFolderError(
            f"{source.describe(relative)} is missing: the saved model is incomplete. "
            "Save it again with model.write().overwrite().save(path)."
        )
    rows: list[dict[str, Any]] = []
    for name in names:
        if name.startswith(("_", ".")) or name.endswith(".crc"):
            continue  # _SUCCESS, checksums: Spark's bookkeeping, not data
        try:
            table = pq.read_table(pa.BufferReader(source.read(join(relative, name))))
        except Exception as error:  # pyarrow raises several types for a damaged file
            raise ModelFolderError(
                f"cannot read the parquet file {source.describe(join(relative, name))}: {error}"
            ) from error
        rows += table.to_pylist()
    return rows
