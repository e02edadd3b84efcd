"""Cross-validation that shows every candidate, picks a simple one, and keeps the test set out.

:func:`cross_validate` (:mod:`.cv`) scores every grid point on every fold and
keeps what a person needs to choose: every fold's score, the spread, the
measured fit time, and a progress line per candidate.
:func:`simplest_within_one_se` (:mod:`.selection`) applies the one-standard-error
rule: among the candidates whose mean is within one standard error of the best,
take the simplest, because the difference is noise and the simple one is
cheaper to run and easier to read. :func:`auc_evaluator` and :func:`evaluate`
(:mod:`.evaluation`) score from ``probability``, :func:`plot_cv` (:mod:`.plot`)
draws the candidates.

The test set is split off before any of this (:func:`hold_out`, :mod:`.holdout`)
and wrapped in a :class:`HeldOut` that gives exactly one score.
"""

from labkit.tuning.cv import FOLD_COL, SCORE_COLUMNS, CVResult, cross_validate
from labkit.tuning.evaluation import auc_evaluator, check_evaluator, evaluate
from labkit.tuning.holdout import HeldOut, hold_out
from labkit.tuning.plot import plot_cv
from labkit.tuning.selection import simplest_within_one_se

__all__ = [
    "FOLD_COL",
    "SCORE_COLUMNS",
    "CVResult",
    "HeldOut",
    "auc_evaluator",
    "check_evaluator",
    "cross_validate",
    "evaluate",
    "hold_out",
    "plot_cv",
    "simplest_within_one_se",
]
