"""The column spec: which columns feed a model, which one is the label, and its classes.

A :class:`ColumnSpec` is checked when it is made; :func:`check_columns` and
:func:`index_label` check a DataFrame against it. The label is indexed *outside*
any pipeline, with the class order the spec fixes, so a fitted pipeline never
reads the label and scores rows that have none.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any

from labkit.data import ADULT_CATEGORICAL, ADULT_LABEL, ADULT_NUMERIC
from labkit.errors import BadColumnSpec, MissingColumns, UnknownLabel

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


@dataclass(frozen=True)
class ColumnSpec:
    """Which columns feed the model, which one is the label, and its classes.

    Parameters
    ----------
    categorical : tuple of str
        String columns; each is indexed (and one-hot encoded for linear models).
    numeric : tuple of str
        Number columns, used as they are.
    label : str
        The column to predict, e.g. ``"income"``.
    classes : tuple of str
        The label's values; class ``i`` is ``classes[i]``, so the positive class
        of a yes/no problem goes last (it becomes 1.0).
    features_col, label_col, predicted_col : str
        Names of the assembled vector, the numeric label and the readable prediction.

    Examples
    --------
    >>> spec = ColumnSpec(categorical=["sex"], numeric=["age"], label="income",
    ...                   classes=["<=50K", ">50K"])
    >>> spec.inputs
    ('sex', 'age')
    """

    categorical: tuple[str, ...]
    numeric: tuple[str, ...]
    label: str
    classes: tuple[str, ...]
    features_col: str = "features"
    label_col: str = "label"
    predicted_col: str = "predicted_label"

    def __post_init__(self) -> None:
        for name in ("categorical", "numeric", "classes"):
            value = getattr(self, name)
            if isinstance(value, str):
                raise BadColumnSpec(
                    f"ColumnSpec.{name} must be a list of names, got the string "
                    f"{value!r}. Write [{value!r}] for a single one."
                )
            object.__setattr__(self, name, tuple(value))
        _check_spec(self)

    @property
    def inputs(self) -> tuple[str, ...]:
        """The columns a row must have to be scored (the label is not one of them)."""
        return self.categorical + self.numeric

    def to_dict(self) -> dict[str, Any]:
        """The spec as plain JSON-ready data (lists for tuples)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> ColumnSpec:
        """Build a spec from :meth:`to_dict` output or a config file section.

        Raises
        ------
        BadColumnSpec
            For unknown or missing keys, naming them.
        """
        known = [f.name for f in fields(cls)]
        unknown = sorted(set(raw) - set(known))
        if unknown:
            hints = [_did_you_mean(k, known) for k in unknown]
            raise BadColumnSpec(
                f"Unknown column spec key(s) {unknown}.{''.join(hints)} Known keys: {known}."
            )
        required = ["categorical", "numeric", "label", "classes"]
        missing = [k for k in required if k not in raw]
        if missing:
            raise BadColumnSpec(f"The column spec lacks {missing}; it needs {required}.")
        return cls(**raw)


def _check_spec(spec: ColumnSpec) -> None:
    if not spec.inputs:
        raise BadColumnSpec(
            "The column spec has no input columns: name at least one categorical or numeric column."
        )
    seen: set[str] = set()
    for column in spec.inputs:
        if column in seen:
            raise BadColumnSpec(
                f"Column {column!r} appears twice in the spec (categorical "
                f"and/or numeric): list each input column once."
            )
        seen.add(column)
    if spec.label in seen:
        raise BadColumnSpec(
            f"The label {spec.label!r} is also an input column: a model that "
            "reads the answer learns nothing. Remove it from the inputs."
        )
    if len(spec.classes) < 2 or len(set(spec.classes)) != len(spec.classes):
        raise BadColumnSpec(
            f"classes must list at least two distinct label values, got {list(spec.classes)}."
        )


def adult_spec() -> ColumnSpec:
    """The column spec of the UCI Adult data: predict ``income`` (``">50K"`` is class 1).

    Examples
    --------
    >>> spec = adult_spec()
    >>> spec.label, spec.classes, len(spec.inputs)
    ('income', ('<=50K', '>50K'), 14)
    """
    return ColumnSpec(
        categorical=ADULT_CATEGORICAL,
        numeric=ADULT_NUMERIC,
        label=ADULT_LABEL,
        classes=("<=50K", ">50K"),
    )


def _did_you_mean(name: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(options), n=1)
    return f" Did you mean {close[0]!r}?" if close else ""


def check_columns(df: DataFrame, spec: ColumnSpec, *, with_label: bool = False) -> None:
    """Raise :class:`MissingColumns` unless ``df`` has every input column (and the label).

    Examples
    --------
    >>> check_columns(people.drop("income"), people_spec)  # the label is not needed
    >>> check_columns(people.drop("age"), people_spec)
    Traceback (most recent call last):
    labkit.errors.MissingColumns: The DataFrame lacks column(s) ['age'] ...
    """
    wanted = spec.inputs + ((spec.label,) if with_label else ())
    missing = tuple(c for c in wanted if c not in df.columns)
    if missing:
        hints = "".join(_did_you_mean(c, df.columns) for c in missing)
        raise MissingColumns(
            f"The DataFrame lacks column(s) {list(missing)} named in the column spec.{hints} "
            f"It has {df.columns}. Rename the columns or fix the spec.",
            missing,
        )


def index_label(df: DataFrame, spec: ColumnSpec) -> DataFrame:
    """Add the numeric label column (``spec.label_col``, class ``i`` is ``spec.classes[i]``).

    The class order is fixed by the spec, not learnt from the data, so ``1.0``
    means the same class after every retrain.

    Raises
    ------
    MissingColumns
        When ``df`` has no label column.
    UnknownLabel
        When the label holds nulls or values outside ``spec.classes`` (counts given).

    Examples
    --------
    >>> labelled = index_label(people, people_spec)
    >>> sorted({(r["income"], r["label"]) for r in labelled.select("income", "label").collect()})
    [('<=50K', 0.0), ('>50K', 1.0)]
    """
    from pyspark.ml.feature import StringIndexerModel
    from pyspark.sql import functions as F

    if spec.label not in df.columns:
        raise MissingColumns(
            f"Fitting needs the label column {spec.label!r}, but the DataFrame has only "
            f"{df.columns}.{_did_you_mean(spec.label, df.columns)}",
            (spec.label,),
        )
    label = F.col(f"`{spec.label}`")
    strays = df.filter(label.isNull() | ~label.isin(*spec.classes)).groupBy(label).count().collect()
    if strays:
        found = ", ".join(f"{r[0]!r}: {r['count']:,} rows" for r in strays[:10])
        raise UnknownLabel(
            f"Column {spec.label!r} holds values outside classes {list(spec.classes)}: {found}. "
            "Clean those rows (e.g. strip a trailing '.' or drop unlabelled rows) or add the "
            "value to the spec's classes."
        )
    indexer = StringIndexerModel.from_labels(
        list(spec.classes), inputCol=spec.label, outputCol=spec.label_col
    )
    return indexer.transform(df)
