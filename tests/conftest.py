"""Shared fixtures: one SparkSession for the whole test process, the real Adult data."""

from __future__ import annotations

import pytest

from labkit import data
from labkit.session import get_spark


@pytest.fixture(scope="session")
def spark():
    """The process's one laptop-tuned SparkSession (starting Spark costs seconds)."""
    return get_spark("labkit-tests")


@pytest.fixture(scope="session")
def adult_train(spark):
    """adult.data as a cached DataFrame (32,561 rows)."""
    return data.load_adult(spark, "train").cache()


@pytest.fixture(scope="session")
def adult_test(spark):
    """adult.test as a cached DataFrame (16,281 rows)."""
    return data.load_adult(spark, "test").cache()
