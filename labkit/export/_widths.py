"""Sizes the stages declare must agree with each other, as they did in Spark.

A document states each size on its own: a one-hot encoder's ``categorySizes``,
a scaler's ``std`` length, a model's ``numFeatures``. In a pipeline Spark
fitted they are tied together: an encoder fed by an indexer has one category
per label (plus the unknown slot with ``handleInvalid="keep"``), and a model
reads exactly as many features as the stages before it build. Checking the
ties before scoring bounds every size by the data the document really holds,
so an edited size cannot make the scorer allocate or loop over millions.
"""

from __future__ import annotations

from collections.abc import Sequence

from labkit.errors import UnsupportedStage
from labkit.export import _spec as S
from labkit.export._base import Predictor, Stage
from labkit.export._categorical import OneHotEncoderModel, StringIndexerModel
from labkit.export._expand import Interaction, PolynomialExpansion
from labkit.export._numeric import Bucketizer, StandardScalerModel, VectorAssembler
from labkit.export._regress import IsotonicRegressionModel
from labkit.export._vectors import Binarizer, VectorIndexerModel, VectorStage


def check_widths(stages: Sequence[Stage], where: str = "stages") -> None:
    """Raise :class:`~labkit.errors.InvalidDocument` where declared sizes disagree.

    Examples
    --------
    >>> indexer = StringIndexerModel(["c"], ["c_idx"], [["a", "b"]], "keep")
    >>> encoder = OneHotEncoderModel(["c_idx"], ["c_vec"], [9], drop_last=True,
    ...                              handle_invalid="error")
    >>> check_widths([indexer, encoder])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    labkit.errors.InvalidDocument: stages[1].categorySizes[0]: expected 3 (the categories ...
    """
    categories: dict[str, tuple[int, int]] = {}  # index column -> (count, stage position)
    widths: dict[str, int | None] = {}  # vector column -> width (None: unknown)
    nominal: set[str] = set()  # columns Spark's metadata marks categorical
    for i, stage in enumerate(stages):
        here = f"{where}[{i}]"
        if isinstance(stage, StringIndexerModel | Bucketizer | VectorIndexerModel) or (
            isinstance(stage, VectorAssembler) and nominal & set(stage.inputs)
        ):
            nominal.update(stage.outputs)
        if isinstance(stage, Interaction):
            _check_interaction(stage, here, nominal)
        if isinstance(stage, PolynomialExpansion | Interaction):
            widths[stage.outputs[0]] = stage.output_width([widths.get(c, 1) for c in stage.inputs],
                                                          here)  # fmt: skip
        elif isinstance(stage, IsotonicRegressionModel):
            width = widths.get(stage.features_col)
            if width is not None and stage.feature_index >= width:
                raise S.invalid(f"{here}.featureIndex", f"an index below {width} (the width of "
                                f"{stage.features_col!r})", stage.feature_index)  # fmt: skip
        elif isinstance(stage, StringIndexerModel):
            extra = 1 if stage.handle_invalid == "keep" else 0
            for out, labels in zip(stage.outputs, stage.labels, strict=True):
                categories[out] = (len(labels) + extra, i)
        elif isinstance(stage, OneHotEncoderModel):
            _check_encoder(stage, here, categories, where)
            widths.update(zip(stage.outputs, stage.out_sizes, strict=True))
        elif isinstance(stage, VectorAssembler):
            parts = [widths.get(c, 1) for c in stage.inputs]
            widths[stage.outputs[0]] = None if None in parts else sum(parts)
        elif isinstance(stage, StandardScalerModel):
            col = stage.inputs[0]
            _expect(widths.get(col), len(stage.std), col, f"{here}.std length")
            widths[stage.outputs[0]] = len(stage.std)
        elif isinstance(stage, VectorStage):
            col = stage.inputs[0]
            if stage.width is not None:
                _expect(widths.get(col), stage.width, col, f"{here} width")
            widths[stage.outputs[0]] = stage.width or widths.get(col)
        elif isinstance(stage, Binarizer):
            widths.update(
                (out, widths.get(col, 1))
                for col, out in zip(stage.inputs, stage.outputs, strict=True)
            )
        elif isinstance(stage, Predictor):
            width = widths.get(stage.features_col)
            _expect(width, stage.num_features, stage.features_col, f"{here}.numFeatures")


def _check_interaction(stage: Interaction, here: str, nominal: set[str]) -> None:
    """Refuse categorical inputs: Spark one-hot encodes them from column metadata."""
    for col in stage.inputs:
        if col in nominal:
            raise UnsupportedStage(
                f"{here}: Interaction reads {col!r}, which Spark treats as categorical (its "
                "metadata comes from a StringIndexer, Bucketizer or VectorIndexer) and one-hot "
                "encodes inside the stage; the scorer does not reproduce that. Instead, one-hot "
                "encode the column first (OneHotEncoder) and interact the encoded vector."
            )


def _check_encoder(stage: OneHotEncoderModel, here: str, categories: dict, where: str) -> None:
    for k, (col, size) in enumerate(zip(stage.inputs, stage.sizes, strict=True)):
        if col in categories and categories[col][0] != size:
            count, j = categories[col]
            raise S.invalid(f"{here}.categorySizes[{k}]", f"{count} (the categories of {col!r} "
                            f"the indexer at {where}[{j}] writes)", size)  # fmt: skip


def _expect(width: int | None, declared: int, col: str, field: str) -> None:
    if width is not None and width != declared:
        raise S.invalid(field, f"{width} (the width of {col!r} as the stages build it)", declared)
