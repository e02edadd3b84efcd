"""What a scorer returns: :class:`Prediction` for one row, :class:`BatchPrediction` for many."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from labkit.export._base import np


class Prediction(NamedTuple):
    """What the pipeline says about one row (an immutable named tuple: cheap to build).

    Attributes
    ----------
    prediction : float or None
        Spark's ``prediction`` column: the class index (0.0, 1.0, ...) for a
        classifier, the value for a regressor; None when the row was skipped.
    probability : tuple of float or None
        Spark's ``probability`` column (classifiers), one entry per class.
    raw_prediction : tuple of float or None
        Spark's ``rawPrediction`` column (classifiers).
    label : str or None
        The predicted class's original text (e.g. ``">50K"``), from the
        pipeline's IndexToString or label StringIndexer; None for regressors.
    skipped : str or None
        Why Spark would have dropped the row (a stage with
        ``handleInvalid="skip"``); None for a scored row.
    """

    prediction: float | None
    probability: tuple[float, ...] | None = None
    raw_prediction: tuple[float, ...] | None = None
    label: str | None = None
    skipped: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The fields as a JSON-ready dict (tuples become lists)."""
        return {
            "prediction": self.prediction,
            "probability": None if self.probability is None else list(self.probability),
            "raw_prediction": None if self.raw_prediction is None else list(self.raw_prediction),
            "label": self.label,
            "skipped": self.skipped,
        }


@dataclass(frozen=True)
class BatchPrediction:
    """What the pipeline says about many rows, as numpy arrays in input order.

    Attributes
    ----------
    prediction : numpy.ndarray
        float64, shape (n,); NaN where the row was skipped.
    probability, raw_prediction : numpy.ndarray or None
        float64, shape (n, classes) for classifiers (NaN rows where skipped), else None.
    label : list of (str or None)
        The predicted classes' texts; None where skipped (and for regressors).
    skipped : dict of int to str
        Row position -> why Spark would have dropped that row.
    """

    prediction: Any
    probability: Any
    raw_prediction: Any
    label: list[str | None]
    skipped: dict[int, str]

    def __len__(self) -> int:
        return len(self.prediction)

    @property
    def kept(self) -> Any:
        """Boolean mask of the rows that were scored (not skipped)."""
        mask = np.ones(len(self), dtype=bool)
        mask[list(self.skipped)] = False
        return mask

    def __getitem__(self, i: int) -> Prediction:
        if i in self.skipped:
            return Prediction(None, skipped=self.skipped[i])
        return Prediction(
            float(self.prediction[i]),
            None if self.probability is None else tuple(self.probability[i].tolist()),
            None if self.raw_prediction is None else tuple(self.raw_prediction[i].tolist()),
            self.label[i],
        )

    def to_list(self) -> list[Prediction]:
        """One :class:`Prediction` per row."""
        return [self[i] for i in range(len(self))]
