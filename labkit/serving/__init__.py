"""Rolling models out: routing, shadow scoring, scoring logs, action bands and a server.

Nothing here imports pyspark: a web process scores with exported models only.

- :class:`Router` sends each key to the champion, a phased-in challenger or a
  control group, stably by hash, and can shadow-score the other model.
- :class:`ScoringLog` / :func:`read_scoring_log` write and read one JSON line per
  scored row: exactly what the model saw, which version answered, what it said.
- :func:`compare_arms` turns a log (and outcomes joined back) into a report.
- :class:`ActionBands` maps probabilities to actions without gaps or overlaps.
- ``labkit serve`` (:mod:`labkit.serving.server`) serves a registry's champion over HTTP.
"""

from labkit.serving.bands import DEFAULT_ACTIONS, ActionBands, Band
from labkit.serving.compare import (
    ArmSummary,
    Comparison,
    compare_arms,
    positive_score,
    scores_by_arm,
)
from labkit.serving.log import (
    ARMS,
    Scored,
    ScoringLog,
    ScoringRecords,
    iter_scoring_log,
    read_scoring_log,
)
from labkit.serving.router import Router, Scorer, Versioned, assign_arm

__all__ = [
    "ARMS",
    "DEFAULT_ACTIONS",
    "ActionBands",
    "ArmSummary",
    "Band",
    "Comparison",
    "Router",
    "Scored",
    "Scorer",
    "ScoringLog",
    "ScoringRecords",
    "Versioned",
    "assign_arm",
    "compare_arms",
    "iter_scoring_log",
    "positive_score",
    "read_scoring_log",
    "scores_by_arm",
]
