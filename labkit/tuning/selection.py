"""Choosing among candidates: the one-standard-error rule.

Differences smaller than the fold-to-fold wobble are noise; among the
candidates within one standard error of the best, take the simplest.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from labkit.errors import BadGrid

if TYPE_CHECKING:
    import pandas as pd


def simplest_within_one_se(
    table: pd.DataFrame, *, simpler: Sequence[str], larger_is_better: bool = True
) -> int:
    """Index of the simplest row whose ``mean`` is within one ``se`` of the best row's.

    Rows are ordered by the ``simpler`` columns in turn (smaller is simpler;
    a ``-`` before the name means larger is simpler); ties go to the better mean,
    then to the earlier row. When the best row is also the simplest, it is chosen.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per candidate with the ``simpler`` columns, ``mean`` and ``se``.
    simpler : sequence of str
        Column names, most important first, e.g. ``["maxDepth", "-minInfoGain"]``.
    larger_is_better : bool, default=True
        False for error metrics (RMSE, log loss).

    Returns
    -------
    index : int
        The chosen row's index label.

    Raises
    ------
    BadGrid
        When a needed column is missing, or ``table`` is empty.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"maxDepth": [2, 4, 8], "mean": [0.80, 0.85, 0.86],
    ...                       "se": [0.01, 0.01, 0.02]})
    >>> simplest_within_one_se(table, simpler=["maxDepth"])
    1
    """
    names = [name.removeprefix("-") for name in simpler]
    missing = [c for c in [*names, "mean", "se"] if c not in table.columns]
    if missing:
        raise BadGrid(
            f"The candidate table lacks column(s) {missing}; it has {list(table.columns)}."
        )
    if table.empty:
        raise BadGrid("The candidate table has no rows: cross-validate at least one candidate.")
    sign = 1 if larger_is_better else -1
    best = (table["mean"] * sign).idxmax()
    bar = table.at[best, "mean"] * sign - table.at[best, "se"]
    # A hair of tolerance so a candidate exactly on the bar is not lost to float rounding.
    eligible = table[table["mean"] * sign >= bar - 1e-12]
    keys = {
        f"_key{i}": -eligible[n] if s.startswith("-") else eligible[n]
        for i, (s, n) in enumerate(zip(simpler, names, strict=True))
    }
    ranked = eligible.assign(**keys, _worse=-eligible["mean"] * sign)
    ranked = ranked.sort_values([*keys, "_worse"], kind="stable")
    return int(ranked.index[0])
