"""Read a Spark ML model folder without a JVM: JSON metadata and parquet data.

The layout Spark writes (``PipelineModel.write().save(path)``)::

    path/
      metadata/part-00000*     one JSON line: class, sparkVersion, uid, paramMap, defaultParamMap
      stages/<i>_<uid>/        one folder per stage, in paramMap.stageUids order
        metadata/part-00000*   the stage's JSON line
        data/*.parquet         the fitted numbers (labels, coefficients, tree nodes)
        treesMetadata/         ensembles only: (tree id, tree metadata JSON, weight)

A param's effective value is the one in ``paramMap``, else ``defaultParamMap``.
Every stage is turned into a plain *spec* (see :mod:`labkit.export._spec`);
parquet is read with pyarrow, never with Spark.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from labkit.errors import ModelFolderError, UnsupportedStage

_PREFIX = "org.apache.spark.ml."


def read_folder(path: str | Path) -> tuple[list[dict[str, Any]], str]:
    """Return the stage specs of the model saved at ``path`` and the Spark version that wrote it.

    A ``PipelineModel`` (nested ones flattened), a single model, or a
    ``CrossValidatorModel``/``TrainValidationSplitModel`` (its best model) are accepted.

    Raises
    ------
    ModelFolderError
        When the folder, its metadata or its data are missing or malformed.
    UnsupportedStage
        Naming the first stage the scorer cannot reproduce and listing what it can.
    """
    root = Path(path)
    if not root.is_dir():
        raise ModelFolderError(
            f"No saved Spark model at {root}: it is not a folder. Pass the path given to "
            "model.write().save(path) (or an exported .json document)."
        )
    meta = read_metadata(root)
    return _specs(root, meta), str(meta.get("sparkVersion", "unknown"))


def read_metadata(folder: Path) -> dict[str, Any]:
    """The JSON line in ``folder/metadata/part-*``."""
    parts = sorted((folder / "metadata").glob("part-*"))
    if not parts:
        raise ModelFolderError(
            f"{folder} has no metadata/part-* file: it is not a folder Spark ML saved "
            "(or the save did not finish)."
        )
    text = parts[0].read_text(encoding="utf-8").strip().splitlines()
    try:
        meta = json.loads(text[0])
    except (IndexError, json.JSONDecodeError) as error:
        raise ModelFolderError(f"{parts[0]} is not a JSON line: {error}") from error
    if not isinstance(meta, dict) or "class" not in meta:
        raise ModelFolderError(f"{parts[0]} has no 'class' field; is this a Spark ML folder?")
    return meta


def param(meta: dict[str, Any], name: str, default: Any = None) -> Any:
    """The param's explicit value, else its default, else ``default``."""
    for where in ("paramMap", "defaultParamMap"):
        values = meta.get(where) or {}
        if name in values:
            return values[name]
    return default


def read_rows(folder: Path, part: str = "data") -> list[dict[str, Any]]:
    """All rows of the parquet files in ``folder/part`` as dicts (pyarrow, no Spark)."""
    import pyarrow.parquet as pq

    target = folder / part
    if not target.is_dir():
        raise ModelFolderError(f"{target} is missing: the saved model is incomplete.")
    try:
        return pq.read_table(target).to_pylist()
    except Exception as error:  # pyarrow raises several types for a damaged file
        raise ModelFolderError(f"cannot read the parquet data in {target}: {error}") from error


def _specs(folder: Path, meta: dict[str, Any]) -> list[dict[str, Any]]:
    from labkit.export._spark_stages import READERS  # the per-stage readers use this module

    short = meta["class"].removeprefix(_PREFIX).split(".")[-1]
    if short == "PipelineModel":
        uids = param(meta, "stageUids", [])
        stages_dir = folder / "stages"
        specs: list[dict[str, Any]] = []
        for i, uid in enumerate(uids):
            stage_dir = stages_dir / f"{i}_{uid}"
            if not stage_dir.is_dir():
                raise ModelFolderError(f"{stage_dir} is missing: the saved pipeline is incomplete.")
            specs += _specs(stage_dir, read_metadata(stage_dir))
        return specs
    if short in ("CrossValidatorModel", "TrainValidationSplitModel"):
        best = folder / "bestModel"
        return _specs(best, read_metadata(best))
    reader = READERS.get(short)
    if reader is None:
        raise UnsupportedStage(
            f"{meta['class']} (stage {meta.get('uid')!r} in {folder}) is not supported by the "
            f"exported scorer. Supported: {', '.join(sorted(READERS))}, alone or in a "
            "PipelineModel."
        )
    spec = reader(folder, meta)
    spec["uid"] = str(meta.get("uid", ""))
    return [spec]


# ---------------------------------------------------------------------------
# Vectors and matrices as Spark stores them in parquet
# ---------------------------------------------------------------------------


def vector(value: dict[str, Any]) -> list[float]:
    """A stored vector struct ``{type: 0 sparse | 1 dense, size, indices, values}`` as a list."""
    if value["type"] == 1:
        return [float(v) for v in value["values"]]
    dense = [0.0] * value["size"]
    for index, v in zip(value["indices"], value["values"], strict=True):
        dense[index] = float(v)
    return dense


def matrix(value: dict[str, Any]) -> list[list[float]]:
    """A stored matrix struct as a list of rows (dense or sparse, either orientation)."""
    rows, cols = value["numRows"], value["numCols"]
    values, transposed = value["values"], value["isTransposed"]
    out = [[0.0] * cols for _ in range(rows)]
    if value["type"] == 1:  # dense: column-major, or row-major when transposed
        for r in range(rows):
            for c in range(cols):
                out[r][c] = float(values[r * cols + c] if transposed else values[c * rows + r])
        return out
    pointers, indices = value["colPtrs"], value["rowIndices"]
    outer = rows if transposed else cols  # CSR when transposed, CSC otherwise
    for major in range(outer):
        for k in range(pointers[major], pointers[major + 1]):
            r, c = (major, indices[k]) if transposed else (indices[k], major)
            out[r][c] = float(values[k])
    return out


def _only_row(folder: Path) -> dict[str, Any]:
    rows = read_rows(folder)
    if len(rows) != 1:
        raise ModelFolderError(f"{folder}/data holds {len(rows)} rows, expected 1.")
    return rows[0]


def _columns(meta: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(inputCols, outputCols), from the multi-column params or the single-column ones."""
    inputs = param(meta, "inputCols") if "inputCols" in (meta.get("paramMap") or {}) else None
    if inputs:
        return list(inputs), list(param(meta, "outputCols"))
    return [param(meta, "inputCol")], [param(meta, "outputCol")]
