"""A faster single-row path: StringIndexer -> [OneHotEncoder] -> VectorAssembler as one step.

Most pipelines index each categorical column, maybe one-hot encode it, and
assemble. For a *known* category the whole chain's output is fixed, so it is
computed once per category, by running the real stages, and looked up per
row. Anything else (a null, an unseen label, a NaN, a number where text was
expected) makes the fused step give up on that row, and the scorer replays
it through the ordinary stages, which know Spark's rules. So the fast path
can only be faster, never different: the parity tests run both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from labkit.export import _runtime as RT
from labkit.export._base import Stage
from labkit.export._categorical import OneHotEncoderModel, StringIndexerModel
from labkit.export._numeric import Bucketizer, ImputerModel, VectorAssembler

#: Returned by a fused step when the row needs the ordinary stages.
FALLBACK = RT.FALLBACK


class FusedAssembler(Stage):
    """Build the assembled vector straight from raw fields (see the module docstring).

    ``parts`` has one entry per assembler input: ``(column, None)`` for a
    number read from the row, or ``(column, table, width)`` for a category,
    where ``table`` maps the label text to its sub-vector's non-zero entries.
    """

    kind = "FusedAssembler"

    def __init__(self, assembler: VectorAssembler, parts: list[tuple]) -> None:
        self.assembler = assembler
        self.inputs = tuple(part[0] for part in parts)
        self.outputs = assembler.outputs
        # Offsets are fixed (a number takes 1 slot, a category its encoder's width), so each
        # category's entries are stored at their final index, ready for dict.update.
        self._steps: list[list] = []
        offset = 0
        for part in parts:
            if part[1] is None:
                self._steps.append([part[0], offset, None])
                offset += 1
            else:
                table = {label: [[offset + i, x] for i, x in entries]
                         for label, entries in part[1].items()}  # fmt: skip
                self._steps.append([part[0], offset, table])
                offset += part[2]
        self._size = offset

    def to_spec(self) -> dict[str, Any]:
        """The fused step as data (for generated modules; documents keep the real stages)."""
        return {"type": self.kind, "outputCol": self.outputs[0], "size": self._size,
                "steps": self._steps}  # fmt: skip


def fuse(stages: Sequence[Stage], raw_columns: set[str]) -> list[Stage] | None:
    """The stages with each fusable indexer/encoder/assembler chain as one step, or None."""
    assemblers = [s for s in stages if isinstance(s, VectorAssembler)]
    if len(assemblers) != 1:
        return None
    assembler = assemblers[0]
    producers = {col: stage for stage in stages for col in stage.outputs}
    parts, absorbed = [], set()
    for col in assembler.inputs:
        part = _part(col, producers, raw_columns, absorbed)
        if part is None:
            return None
        parts.append(part)
    if not absorbed or not _absorbed_fully(stages, absorbed, assembler):
        return None
    fused = FusedAssembler(assembler, parts)
    return [fused if s is assembler else s for s in stages if id(s) not in absorbed]


def _part(col: str, producers: dict, raw_columns: set[str], absorbed: set[int]) -> tuple | None:
    """How one assembler input is built: a number column, or a category lookup table."""
    stage = producers.get(col)
    if stage is None or isinstance(stage, ImputerModel | Bucketizer):
        return (col, None)  # a number, raw or computed by an earlier stage
    if not isinstance(stage, StringIndexerModel | OneHotEncoderModel):
        return None  # a vector from another stage: not fused
    encoder = stage if isinstance(stage, OneHotEncoderModel) else None
    index_col = encoder.inputs[encoder.outputs.index(col)] if encoder else col
    indexer = producers.get(index_col)
    if not isinstance(indexer, StringIndexerModel):
        return None
    j = indexer.outputs.index(index_col)
    if indexer.inputs[j] not in raw_columns:
        return None
    table, width = {}, 1
    if encoder is None:
        table = {label: ((0, float(i)),) if i else () for i, label in enumerate(indexer.labels[j])}
    else:
        k = encoder.outputs.index(col)
        single = OneHotEncoderModel([index_col], [col], [encoder.sizes[k]],
                                    drop_last=encoder.drop_last,
                                    handle_invalid=encoder.handle_invalid)  # fmt: skip
        for position, label in enumerate(indexer.labels[j]):
            mini = {index_col: float(position)}
            single.apply_row(mini)  # the real encoder decides the sub-vector
            width, entries = mini[col]
            table[label] = tuple(entries.items())
    absorbed.update({id(indexer)} | ({id(encoder)} if encoder else set()))
    return (indexer.inputs[j], table, width)


def _absorbed_fully(stages: Sequence[Stage], absorbed: set[int], assembler: Stage) -> bool:
    """Every column of an absorbed stage must feed only the fused chain."""
    chain_outputs = {c for s in stages if id(s) in absorbed for c in s.outputs}
    for stage in stages:
        if id(stage) in absorbed or stage is assembler:
            continue
        if chain_outputs & set(stage.inputs):
            return False
    used = set(assembler.inputs) | {
        c for s in stages if id(s) in absorbed for c in s.inputs
    }  # every indexer/encoder output must be used by the chain, or fusion would lose it
    return chain_outputs <= used
