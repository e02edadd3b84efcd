"""Data profiles from Spark, checked against pandas on the same rows; distances by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from labkit.data import ADULT_CATEGORICAL, ADULT_LABEL, ADULT_NUMERIC
from labkit.validate.profile import (
    MISSING,
    DataProfile,
    js_distance,
    linf_distance,
    profile_adult,
)


@pytest.fixture(scope="module")
def train_profile(adult_train):
    return profile_adult(adult_train)


@pytest.fixture(scope="module")
def test_profile(adult_test, train_profile):
    return profile_adult(adult_test, reference=train_profile)


@pytest.fixture(scope="module")
def train_pandas(adult_train):
    return adult_train.toPandas()


def test_counts_match_pandas(train_profile, train_pandas):
    assert train_profile.rows == len(train_pandas)
    assert train_profile.labels == train_pandas[ADULT_LABEL].value_counts().to_dict()
    for column in ADULT_CATEGORICAL:
        expected = train_pandas[column].fillna(MISSING).value_counts().to_dict()
        assert train_profile.categories[column] == expected, column
    assert train_profile.columns["age"] == "int" and train_profile.columns["sex"] == "string"


def test_histograms_match_numpy_with_the_same_edges(train_profile, train_pandas):
    for column in ADULT_NUMERIC:
        hist = train_profile.histograms[column]
        bins = [-np.inf, *hist.edges, np.inf]
        expected, _ = np.histogram(train_pandas[column].to_numpy(dtype=float), bins=bins)
        assert hist.counts == expected.tolist(), column
        assert hist.missing == 0 and hist.total == len(train_pandas)


def test_decile_edges_are_distinct_and_sorted(train_profile, train_pandas):
    edges = train_profile.histograms["capital-gain"].edges
    assert edges == sorted(set(edges))
    # capital-gain is zero for most people: its deciles collapse to very few edges.
    assert len(edges) < len(train_profile.histograms["age"].edges)
    assert (train_pandas["capital-gain"] == 0).mean() > 0.9


def test_a_profile_with_a_reference_reuses_its_edges(train_profile, test_profile):
    for column in ADULT_NUMERIC:
        assert test_profile.histograms[column].edges == train_profile.histograms[column].edges


def test_profile_round_trips_through_json_ready_dicts(test_profile):
    assert DataProfile.from_dict(test_profile.to_dict()) == test_profile


def test_linf_is_the_largest_share_change():
    a, b = {"x": 30, "y": 70}, {"x": 50, "y": 40, "z": 10}
    assert linf_distance(a, b) == pytest.approx(max(abs(0.3 - 0.5), abs(0.7 - 0.4), 0.1))
    assert linf_distance(a, a) == 0.0


def test_js_distance_matches_its_definition():
    p, q = np.array([0.1, 0.6, 0.3]), np.array([0.3, 0.3, 0.4])
    m = (p + q) / 2
    kl = lambda a, b: float(np.sum(a * np.log2(a / b)))  # noqa: E731
    expected = math.sqrt(0.5 * kl(p, m) + 0.5 * kl(q, m))
    assert js_distance([10, 60, 30], [30, 30, 40]) == pytest.approx(expected, abs=1e-12)
    assert js_distance([1, 0], [0, 1]) == 1.0  # disjoint: the maximum
    assert js_distance({"a": 2}, {"a": 5}) == 0.0
