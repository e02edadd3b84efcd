"""A test set split off before tuning starts, that gives exactly one score."""

from __future__ import annotations

from typing import TYPE_CHECKING

from labkit.errors import BadGrid, HeldOutReused
from labkit.tuning.evaluation import auc_evaluator, evaluate

if TYPE_CHECKING:
    from pyspark.ml import PipelineModel
    from pyspark.ml.evaluation import Evaluator
    from pyspark.sql import DataFrame


class HeldOut:
    """A test set kept aside before tuning starts: it gives one score, then refuses.

    Every look at a test set that changes what you do next (another depth,
    another feature) turns it into one more validation set, and its score
    becomes as optimistic as the cross-validation score. Wrapping it makes the
    one honest look explicit.

    Parameters
    ----------
    frame : DataFrame
        The held-out rows, with the numeric label.
    name : str, default="test set"
        Used in messages.

    Examples
    --------
    >>> from labkit.pipeline import build_pipeline, index_label
    >>> train, test = hold_out(index_label(people, people_spec), fraction=0.25, seed=42)
    >>> score = test.evaluate(build_pipeline(people_spec).fit(train))
    >>> test.used
    True
    >>> test.evaluate(build_pipeline(people_spec, params={"maxDepth": 1}).fit(train))
    Traceback (most recent call last):
    labkit.errors.HeldOutReused: The test set already gave its one score (...). ...
    """

    def __init__(self, frame: DataFrame, *, name: str = "test set") -> None:
        self._frame = frame
        self.name = name
        self.score: float | None = None

    @property
    def used(self) -> bool:
        """True once :meth:`evaluate` has given its score."""
        return self.score is not None

    def evaluate(self, model: PipelineModel, evaluator: Evaluator | None = None) -> float:
        """Score ``model`` on the held-out rows; a second call raises :class:`HeldOutReused`."""
        evaluator = evaluator or auc_evaluator()
        if self.score is not None:
            raise HeldOutReused(
                f"The {self.name} already gave its one score ({self.score:.4f}). Scoring again, "
                "after changing anything because of that number, makes it one more validation "
                "set. Report the first score; to tune further, split a new test set off data "
                "the model has never seen."
            )
        self.score = evaluate(model, self._frame, evaluator)
        return self.score

    def __repr__(self) -> str:
        state = f"used, score {self.score:.4f}" if self.score is not None else "not used yet"
        return f"HeldOut({self.name!r}, {state})"


def hold_out(
    frame: DataFrame, *, fraction: float = 0.2, seed: int = 42, name: str = "test set"
) -> tuple[DataFrame, HeldOut]:
    """Split a test set off ``frame`` before tuning: (the rest, cached; the :class:`HeldOut`).

    Raises
    ------
    BadGrid
        When ``fraction`` is not strictly between 0 and 1.

    Examples
    --------
    >>> train, test = hold_out(people, fraction=0.2, seed=42)
    >>> test
    HeldOut('test set', not used yet)
    """
    if not 0 < fraction < 1:
        raise BadGrid(f"fraction must be between 0 and 1 (e.g. 0.2 for a fifth), got {fraction}.")
    rest, test = frame.randomSplit([1 - fraction, fraction], seed=seed)
    return rest.cache(), HeldOut(test.cache(), name=name)
