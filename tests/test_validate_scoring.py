"""Metrics and shadow scores: Spark's figures checked against a plain computation."""

from __future__ import annotations

import numpy as np
import pytest

from labkit.export import export, load_scorer
from labkit.pipeline import adult_spec, fit_pipeline
from labkit.validate.checks_model import check_shadow, is_valid
from labkit.validate.config import ShadowRule
from labkit.validate.scoring import evaluate, prediction_distribution, shadow_scores

SPEC = adult_spec()


@pytest.fixture(scope="module")
def model(adult_train):
    return fit_pipeline(adult_train, SPEC, "decision_tree", params={"maxDepth": 4})


@pytest.fixture(scope="module")
def scored(model, adult_test):
    rows = model.transform(adult_test).select("income", "prediction", "probability").collect()
    labels = np.array([r["income"] == ">50K" for r in rows], dtype=float)
    return (
        labels,
        np.array([r["prediction"] for r in rows]),
        np.array([r["probability"][1] for r in rows]),
    )


def _rank_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """AUC as the Mann-Whitney statistic: ties count one half."""
    pos, neg = scores[labels == 1], scores[labels == 0]
    greater = (pos[:, None] > neg[None, :]).sum()
    ties = (pos[:, None] == neg[None, :]).sum()
    return (greater + 0.5 * ties) / (len(pos) * len(neg))


def test_evaluate_gives_the_exact_auc_and_accuracy(model, adult_test, scored):
    labels, predictions, probabilities = scored
    metrics = evaluate(model, adult_test, SPEC)
    assert metrics["auc"] == pytest.approx(_rank_auc(labels, probabilities), abs=1e-6)
    assert metrics["accuracy"] == pytest.approx((predictions == labels).mean(), abs=1e-6)
    assert metrics["positive_share"] == pytest.approx(predictions.mean(), abs=1e-6)


def test_shadow_scores_of_the_exported_scorer_match_spark(model, adult_test, scored, tmp_path):
    model.write().overwrite().save(str(tmp_path / "model"))
    scorer = load_scorer(export(tmp_path / "model", tmp_path / "scorer.json"))
    rows = [r.asDict() for r in adult_test.drop("income").collect()]
    scores = shadow_scores(scorer, rows, SPEC)
    _, predictions, probabilities = scored
    assert [s[0] for s in scores] == predictions.tolist()
    assert np.allclose([s[1] for s in scores], probabilities, atol=1e-12)
    same = check_shadow(scores, scores, ShadowRule())
    assert (same.verdict, same.figures["agreement"], same.figures["score_js"]) == ("pass", 1.0, 0.0)
    # A depth-4 tree has at most 16 leaves, so its scores pile up on a few values:
    distribution = prediction_distribution(scores)
    counts = np.unique(probabilities, return_counts=True)[1]
    assert distribution["top_score_share"] == round(counts.max() / len(rows), 6)
    assert distribution["invalid"] == 0 and sum(distribution["histogram"]) == len(rows)


def test_rows_a_scorer_cannot_score_count_as_invalid(model, adult_test, tmp_path):
    model.write().overwrite().save(str(tmp_path / "model"))
    scorer = load_scorer(export(tmp_path / "model", tmp_path / "scorer.json"))
    clean = [r.asDict() for r in adult_test.drop("income").limit(20).collect()]
    damaged = [*clean[:3], {**clean[3], "age": "forty"}, *clean[4:]]  # a value it must refuse
    scores = shadow_scores(scorer, damaged, SPEC)
    assert [i for i, s in enumerate(scores) if not is_valid(s)] == [3]
    result = check_shadow(shadow_scores(scorer, clean, SPEC), scores, ShadowRule())
    assert result.verdict == "fail" and result.figures["invalid"] == 1
    assert "1 rows got no valid score" in result.reason


def test_a_collapsed_candidate_is_caught_against_the_champions_plateaus():
    champion = [(float(p > 0.5), p) for p in np.linspace(0.01, 0.99, 400)]
    collapsed = [(0.0, 0.24)] * 300 + champion[300:]
    plateau = [(0.0, 0.3)] * 60 + champion[60:]
    rule = ShadowRule()
    result = check_shadow(champion, collapsed, rule)
    assert "75% of rows share one score (champion: 0%)" in result.reason
    assert result.figures["top_score_share"] == 0.75
    assert "share one score" not in check_shadow(champion, plateau, rule).reason  # 15%: allowed
