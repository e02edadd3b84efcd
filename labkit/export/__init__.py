"""Predict outside Spark: a saved Spark ML pipeline as a pure-Python scorer.

- :func:`load_scorer` reads the folder ``PipelineModel.write().save(path)``
  wrote (JSON metadata + parquet, no JVM) or an exported document, and returns
  a :class:`Scorer` with ``predict(row)`` and ``predict_batch(rows)``.
- :func:`export` writes one portable, validated JSON document.
- :func:`to_python_source` writes a standalone module (standard library only)
  defining ``predict(row)``.
- :func:`check_parity` compares a scorer with Spark's ``transform`` row by row
  (the only part that needs Spark).

Nothing used for scoring imports pyspark; numpy is needed for batches only.

Examples
--------
>>> from labkit.export import load_scorer          # doctest: +SKIP
>>> scorer = load_scorer("models/adult-tree")       # doctest: +SKIP
>>> scorer.predict({"age": 39, "workclass": "State-gov", ...}).label   # doctest: +SKIP
'<=50K'
"""

from labkit.export.codegen import to_python_source
from labkit.export.document import export
from labkit.export.parity import Mismatch, ParityReport, check_parity
from labkit.export.scorer import BatchPrediction, Prediction, Scorer, load_scorer

__all__ = [
    "BatchPrediction",
    "Mismatch",
    "ParityReport",
    "Prediction",
    "Scorer",
    "check_parity",
    "export",
    "load_scorer",
    "to_python_source",
]
