"""MLflow's ``python_function`` flavour, backed by labkit's exported scorer: no JVM, no pickle.

This is the ``loader_module`` named in the ``MLmodel`` file labkit logs:
``mlflow.pyfunc.load_model`` calls :func:`_load_pyfunc` with the model's
``labkit/`` folder, which holds the exported ``scorer.json`` and its sha256.
The scorer is checked against that hash, then scores pandas DataFrames with
numpy. Nothing here imports pyspark or mlflow, so ``mlflow models serve
--env-manager local`` answers on a machine with no Java.

Examples
--------
>>> model = _load_pyfunc(str(model_dir / "labkit"))        # doctest: +SKIP
>>> model.predict(pd.DataFrame([row]))[["prediction", "label"]]  # doctest: +SKIP
   prediction  label
0         0.0  <=50K
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

__all__ = ["DATA_DIR", "SCORER_FILE", "SHA256_FILE", "ScorerModel", "_load_pyfunc"]

#: The folder inside an MLflow model that holds labkit's files, and the files themselves.
DATA_DIR, SCORER_FILE, SHA256_FILE = "labkit", "scorer.json", "scorer.sha256"
OUTPUT_COLUMNS = ("prediction", "label", "probability", "raw_prediction", "skipped")


class ScorerModel:
    """A labkit :class:`~labkit.export.Scorer` with the ``predict`` MLflow's pyfunc calls.

    Parameters
    ----------
    scorer : labkit.export.Scorer

    Examples
    --------
    >>> ScorerModel(load_scorer("scorer.json")).predict(frame).columns.tolist()  # doctest: +SKIP
    ['prediction', 'label', 'probability', 'raw_prediction', 'skipped']
    """

    def __init__(self, scorer: Any) -> None:
        self.scorer = scorer

    def predict(self, model_input: Any, params: dict[str, Any] | None = None) -> Any:
        """Score a pandas DataFrame (or a list of dicts, or one dict) as Spark would.

        Returns
        -------
        pandas.DataFrame
            One row per input row: ``prediction`` (None where Spark would drop the
            row), ``label``, ``probability`` and ``raw_prediction`` (lists, or None
            for a regressor) and ``skipped`` (why the row was dropped, else None).
        """
        import pandas as pd

        if isinstance(model_input, dict):
            model_input = [model_input]
        batch = self.scorer.predict_batch(model_input)
        rows = []
        for i in range(len(batch)):
            one = batch[i]
            prediction = one.prediction
            if prediction is not None and math.isnan(prediction):
                prediction = None
            rows.append(
                {
                    "prediction": prediction,
                    "label": one.label,
                    "probability": None if one.probability is None else list(one.probability),
                    "raw_prediction": None
                    if one.raw_prediction is None
                    else list(one.raw_prediction),
                    "skipped": one.skipped,
                }
            )
        return pd.DataFrame(rows, columns=list(OUTPUT_COLUMNS))

    def get_raw_model(self) -> Any:
        """The labkit scorer itself (``PyFuncModel.get_raw_model()`` returns it)."""
        return self.scorer


def _load_pyfunc(path: str, model_config: dict[str, Any] | None = None) -> ScorerModel:
    """MLflow's entry point: load the scorer in ``path`` (the model's ``labkit/`` folder).

    Raises
    ------
    labkit.errors.RegistryCorrupt
        When ``scorer.json`` is not the one that was logged (its sha256 differs).
    """
    from labkit.export import load_scorer
    from labkit.registry.provenance import verify_scorer

    folder = Path(path)
    scorer_path = folder / SCORER_FILE
    recorded = (folder / SHA256_FILE).read_text(encoding="utf-8").strip()
    verify_scorer("(MLflow model)", scorer_path, {"scorer_sha256": recorded}, folder / SHA256_FILE)
    return ScorerModel(load_scorer(scorer_path))
