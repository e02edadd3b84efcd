"""Write what :func:`~labkit.init.sniff.sniff` found as a commented retrain config (TOML).

Every setting carries its evidence in a comment, and the file opens with what
the person must check before the first retrain.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import tomlkit

from labkit.init.sniff import FileFacts

_LAYOUT_ORDER = (
    "header", "sep", "quote", "escape", "null_value", "comment", "ignore_leading_whitespace",
    "ignore_trailing_whitespace", "encoding", "date_format", "timestamp_format", "multi_line",
)  # fmt: skip
_NONE = {
    "categorical": "none: no text column with few distinct values",
    "numeric": "none: no number column without missing values",
    "ignore": "none: nothing looked like an id, free text, a date or a gappy number",
}
#: Below this share of the rarer class, accuracy says little and its floor is the trivial score.
RARE_SHARE = 0.25
#: The share of each file kept back as fresh rows (retrain's default, written in the config).
FRESH_FRACTION = 0.2
_DEFAULTS = {"quote": '"', "encoding": "UTF-8", "ignore_trailing_whitespace": False}


def config_toml(facts: FileFacts, output: Path) -> str:
    """The config as TOML text; the data path is written relative to ``output``'s folder.

    Examples
    --------
    >>> text = config_toml(sniff("data/adult.data"), Path("adult.toml"))  # doctest: +SKIP
    """
    doc = tomlkit.document()
    seen = f"all {facts.rows:,} rows" if facts.complete else f"the first {facts.rows:,} rows"
    doc.add(tomlkit.comment(f"Written by `labkit init {facts.path.name}` from {seen}."))
    doc.add(tomlkit.comment("Every setting below is a guess with its evidence: check each one,"))
    doc.add(tomlkit.comment("then run `labkit retrain --config THIS_FILE --registry DIR`."))
    for note in facts.notes:
        doc.add(tomlkit.comment(f"NOTE: {note}"))
    doc.add(tomlkit.nl())
    doc.add("data", _data_table(facts, output))
    label = next((c for c in facts.columns if c.role.value == "label"), None)
    doc.add("spec", _spec_table(facts, label))
    doc.add("training", _training_table())
    doc.add("gate", _gate_table(facts, label))
    return tomlkit.dumps(doc)


def _commented(table, key: str, value: object, evidence: str) -> None:
    item = tomlkit.item(value)
    item.comment(evidence)
    table.add(key, item)


def _data_table(facts: FileFacts, output: Path):
    table = tomlkit.table()
    table.add(tomlkit.comment("How the file is written (Spark's CSV options, labkit's names)."))
    path = os.path.relpath(facts.path.resolve(), output.resolve().parent)
    _commented(table, "path", path, "the file inspected, from this config's folder (--data wins)")
    for key in _LAYOUT_ORDER:
        guess = facts.layout.get(key)
        if guess is None or guess.value is None or _DEFAULTS.get(key) == guess.value:
            continue
        _commented(table, key, guess.value, guess.evidence)
    columns = tomlkit.table()
    columns.add(tomlkit.comment("Every column in file order with its Spark type."))
    for c in facts.columns:
        kind = "string" if c.role.value == "label" else c.kind.value
        evidence = f"{c.kind.evidence}; {c.distinct:,} distinct, {c.nulls:,} missing; e.g. " + (
            ", ".join(repr(e) for e in c.examples) or "-"
        )
        _commented(columns, c.name, kind, evidence)
    table.add("columns", columns)
    return table


def _spec_table(facts: FileFacts, label):
    table = tomlkit.table()
    table.add(
        tomlkit.comment("What the model sees. Move a column between the lists as you see fit;")
    )
    table.add(tomlkit.comment("never keep a column that is only known after the label (a leak)."))
    if label is not None:
        (common, n_common), (rare, n_rare) = label.top[0], label.top[1]
        _commented(table, "label", label.name, label.role.evidence)
        why = (
            f"positive class last: {rare!r} is the rarer ({n_rare:,} rows against {n_common:,}); "
            "swap them if you want to detect the other"
        )
        _commented(table, "classes", [common, rare], why)
    else:
        _commented(table, "label", "", "NOT GUESSED: no column has exactly two values")
        table.add("classes", [])
    for role in ("categorical", "numeric", "ignore"):
        chosen = [c for c in facts.columns if c.role.value == role]
        if not chosen:
            _commented(table, role, [], _NONE[role])
            continue
        values = tomlkit.array()
        values.multiline(True)
        for c in chosen:
            values.add_line(c.name, comment=c.role.evidence)
        table.add(role, values)
    return table


def _training_table():
    table = tomlkit.table()
    table.add("model", "logistic_regression")
    table["model"].comment("or decision_tree, random_forest, gbt")
    table.add("params", tomlkit.inline_table())
    table["params"].comment("Spark parameters, e.g. { regParam = 0.01, maxIter = 100 }")
    table.add("fresh_fraction", FRESH_FRACTION)
    table["fresh_fraction"].comment("share of each file kept back to judge the model on new rows")
    return table


def _gate_table(facts: FileFacts, label):
    gate = tomlkit.table(is_super_table=True)
    if label is None:
        return gate
    (_, n_common), (_, n_rare) = label.top[0], label.top[1]
    majority = n_common / (n_common + n_rare)
    drop, noise = _max_drop(n_common + n_rare, majority)
    trivial = f"always answering {label.top[0][0]!r} scores {majority:.3f}"
    if 1 - majority >= RARE_SHARE:
        floor, why = min(0.99, round(majority + 0.02, 2)), f"{trivial}: demand a little more"
    else:
        floor = round(majority - drop, 2)
        why = (
            f"{trivial}, and the rarer class is only {1 - majority:.0%} of the rows: a model "
            "may trade a little accuracy to find it, not more than the noise below; judge by auc"
        )
    accuracy = tomlkit.table()
    _commented(accuracy, "min_value", floor, why)
    _commented(accuracy, "max_drop", drop, noise)
    auc = tomlkit.table()
    why = "0.5 is chance; raise it once you know what your model reaches"
    _commented(auc, "min_value", 0.7, why)
    _commented(auc, "max_drop", drop, "the same noise, to the nearest hundredth")
    metrics = tomlkit.table(is_super_table=True)
    metrics.add("accuracy", accuracy)
    metrics.add("auc", auc)
    quality = tomlkit.table(is_super_table=True)
    quality.add("metrics", metrics)
    gate.add("quality", quality)
    return gate


def _max_drop(labelled: int, majority: float) -> tuple[float, str]:
    """A drop against the champion this file can measure: two standard errors of accuracy.

    The fresh slice holds about ``FRESH_FRACTION`` of the labelled rows; a
    smaller drop than twice the standard error of an accuracy measured on it
    is noise, so the gate would hold good models by chance.

    Examples
    --------
    >>> _max_drop(6049, 0.861)[0], _max_drop(657, 0.65)[0]
    (0.02, 0.09)
    """
    fresh = max(1, round(labelled * FRESH_FRACTION))
    error = math.sqrt(majority * (1 - majority) / fresh)
    drop = max(0.01, math.ceil(2 * error * 100) / 100)
    why = (
        f"the fresh slice holds about {fresh:,} labelled rows, where accuracy's standard error "
        f"is about {error:.3f}: a smaller drop than twice that is noise"
    )
    return drop, why
