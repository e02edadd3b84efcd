"""Feature names read back from Spark: the ``ml_attr`` metadata of an assembled vector.

The ``VectorAssembler`` writes a description of every slot of its output into the
column's metadata; :func:`feature_attributes` reads it, one-hot vectors expanded
to ``"marital-status = Married-civ-spouse"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from labkit.errors import MissingColumns
from labkit.pipeline.build import INDEX_SUFFIX, ONE_HOT_SUFFIX

if TYPE_CHECKING:
    from pyspark.ml import PipelineModel
    from pyspark.sql import DataFrame


@dataclass(frozen=True)
class Feature:
    """One slot of the assembled feature vector, as Spark's ``ml_attr`` metadata describes it.

    ``categories`` is set for an indexed (nominal) feature: the label of each
    index. ``column`` and ``category`` tell where a one-hot slot came from.

    Examples
    --------
    >>> Feature(0, "age", "age").name
    'age'
    """

    index: int
    name: str
    column: str
    categories: tuple[str, ...] | None = None
    category: str | None = None

    def category_label(self, index: int) -> str:
        """The label of category ``index`` of a nominal feature (the index itself if unknown)."""
        if self.categories is not None and 0 <= index < len(self.categories):
            return self.categories[index]
        return str(index)


def feature_attributes(frame: DataFrame, column: str = "features") -> list[Feature]:
    """Describe each slot of an assembled vector column, from its ``ml_attr`` metadata.

    Works on any DataFrame that went through a ``VectorAssembler`` (even an empty
    one: the metadata lives in the schema). One-hot vectors are expanded: their
    slots are named ``"<column> = <category>"``.

    Raises
    ------
    MissingColumns
        When ``frame`` has no such column, or it carries no ``ml_attr`` metadata.

    Examples
    --------
    >>> from pyspark.ml import Pipeline
    >>> from labkit.pipeline import feature_stages
    >>> stages = feature_stages(people_spec, one_hot=True)
    >>> prepared = Pipeline(stages=stages).fit(people).transform(people)
    >>> [f.name for f in feature_attributes(prepared)]
    ['age', 'hours-per-week', 'sex = Female', 'sex = Male']
    """
    if column not in frame.columns:
        raise MissingColumns(
            f"No column {column!r} to read feature names from; the DataFrame has {frame.columns}.",
            (column,),
        )
    meta = frame.schema[column].metadata.get("ml_attr")
    if not meta or "attrs" not in meta:
        raise MissingColumns(
            f"Column {column!r} carries no ml_attr metadata, so its slots have no names. "
            "Read it from the output of the fitted VectorAssembler (model.transform(df)).",
            (column,),
        )
    slots = [attr | {"kind": kind} for kind, attrs in meta["attrs"].items() for attr in attrs]
    return [_feature_from_attr(a) for a in sorted(slots, key=lambda a: a["idx"])]


def _feature_from_attr(attr: Mapping[str, Any]) -> Feature:
    name = attr.get("name", f"feature {attr['idx']}")
    if attr["kind"] == "nominal":
        column = name.removesuffix(INDEX_SUFFIX)
        return Feature(attr["idx"], column, column, categories=tuple(attr.get("vals", ())))
    if ONE_HOT_SUFFIX + "_" in name:
        column, category = name.split(ONE_HOT_SUFFIX + "_", 1)
        return Feature(attr["idx"], f"{column} = {category}", column, category=category)
    return Feature(attr["idx"], name, name)


def pipeline_features(
    model: PipelineModel, data: DataFrame, column: str = "features"
) -> list[Feature]:
    """The features a fitted pipeline assembles, read from its output schema (no job runs).

    ``data`` only supplies the input columns' schema; no rows are processed.

    Examples
    --------
    >>> from labkit.pipeline import fit_pipeline
    >>> fitted = fit_pipeline(people, people_spec, "decision_tree")
    >>> [(f.name, f.categories) for f in pipeline_features(fitted, people)]
    [('age', None), ('hours-per-week', None), ('sex', ('Female', 'Male', '__unknown'))]
    """
    return feature_attributes(model.transform(data.limit(0)), column)
