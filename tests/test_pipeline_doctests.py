"""The docstring examples of labkit.pipeline and labkit.tuning run as written.

The examples share one small DataFrame, ``people``: 40 rows whose income
follows age exactly (over 40 earns ``>50K``), so every fit takes a moment and
every score is exact. ``people_spec`` is its column spec.
"""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "labkit.pipeline.spec",
    "labkit.pipeline.build",
    "labkit.pipeline.features",
    "labkit.tuning.evaluation",
    "labkit.tuning.selection",
    "labkit.tuning.cv",
    "labkit.tuning.holdout",
    "labkit.tuning.plot",
]


@pytest.fixture(scope="module")
def people(spark):
    rows = [
        (
            "Female" if age % 2 else "Male",
            age,
            30 + 10 * (age % 3),
            ">50K" if age >= 40 else "<=50K",
        )
        for age in range(20, 60)
    ]
    frame = spark.createDataFrame(rows, "sex string, age int, `hours-per-week` int, income string")
    return frame.cache()


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, spark, people):
    from labkit.pipeline import ColumnSpec

    module = importlib.import_module(name)
    people_spec = ColumnSpec(
        categorical=["sex"],
        numeric=["age", "hours-per-week"],
        label="income",
        classes=["<=50K", ">50K"],
    )
    globs = {**vars(module), "spark": spark, "people": people, "people_spec": people_spec}
    result = doctest.testmod(module, globs=globs, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0
