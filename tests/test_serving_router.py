"""Router, scoring log and comparison report, with real models fitted on the Adult data."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from labkit.errors import BadScoringLog, InvalidRouting
from labkit.pipeline import adult_spec, fit_pipeline
from labkit.serving import (
    Router,
    Scored,
    ScoringLog,
    Versioned,
    assign_arm,
    compare_arms,
    positive_score,
    read_scoring_log,
    scores_by_arm,
)
from labkit.serving.log import plain_output

ROWS = 600  # test rows routed per test: enough for every arm, quick to score


#: The two versions every serving test uses: (model kind, Spark params).
VERSIONS = {
    "1.0.0": ("logistic_regression", {"regParam": 0.01}),
    "1.1.0": ("decision_tree", {"maxDepth": 5}),
}


def saved_versions(adult_train, tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """Fit, save and export each of :data:`VERSIONS` once per test session.

    Returns version -> (saved Spark folder, exported JSON document). The files
    live under the session's base temp folder, so the server tests reuse them.
    """
    from labkit.export import export

    folder = tmp_path_factory.getbasetemp() / "serving-models"
    saved = {}
    for version, (kind, params) in VERSIONS.items():
        model_dir, document = folder / version, folder / f"{version}.json"
        if not document.exists():
            fit_pipeline(adult_train, adult_spec(), kind, params=params).save(str(model_dir))
            export(model_dir, document)
        saved[version] = (model_dir, document)
    return saved


@pytest.fixture(scope="module")
def models(adult_train, tmp_path_factory):
    """Champion: logistic regression; challenger: a depth-5 tree, loaded without Spark."""
    from labkit.export import load_scorer

    saved = saved_versions(adult_train, tmp_path_factory)
    return tuple(Versioned(load_scorer(document), v) for v, (_, document) in saved.items())


@pytest.fixture(scope="module")
def rows(adult_test):
    """Test rows as plain dicts without the label, the way a web request sends them."""
    return [r.asDict() for r in adult_test.drop("income").limit(ROWS).collect()]


@pytest.fixture(scope="module")
def labels(adult_test):
    return [int(r["income"] == ">50K") for r in adult_test.limit(ROWS).collect()]


def keys_for(count: int) -> list[str]:
    return [f"user-{i}" for i in range(count)]


def said(model, row) -> dict:
    """What ``model`` itself answers for ``row``, as the router returns it (plain data)."""
    return plain_output(model.predict(row))


def close(a: dict | None, b: dict | None) -> bool:
    """Same class and label; probabilities equal to 1e-12 (numpy batches vs the row path)."""
    if a is None or b is None:
        return a is b
    return (a["prediction"], a["label"]) == (b["prediction"], b["label"]) and a[
        "probability"
    ] == pytest.approx(b["probability"], abs=1e-12)


# -- assignment ------------------------------------------------------------------------


def test_assignment_is_stable_and_close_to_the_requested_share():
    keys = keys_for(20_000)
    first = [assign_arm(k, challenger_share=0.2) for k in keys]
    again = [assign_arm(k, challenger_share=0.2) for k in reversed(keys)][::-1]
    assert first == again
    share = first.count("challenger") / len(keys)
    spread = math.sqrt(0.2 * 0.8 / len(keys))
    assert abs(share - 0.2) < 4 * spread, share


def test_shares_of_three_arms_match_and_a_new_salt_draws_a_new_split():
    keys = keys_for(20_000)
    arms = [assign_arm(k, challenger_share=0.3, control_share=0.1) for k in keys]
    for arm, expected in (("control", 0.1), ("challenger", 0.3), ("champion", 0.6)):
        share = arms.count(arm) / len(keys)
        assert abs(share - expected) < 4 * math.sqrt(expected * (1 - expected) / len(keys))
    other = [assign_arm(k, challenger_share=0.3, control_share=0.1, salt="exp-2") for k in keys]
    same = sum(a == b for a, b in zip(arms, other, strict=True)) / len(keys)
    # Independent splits agree with probability 0.1^2 + 0.3^2 + 0.6^2 = 0.46.
    assert abs(same - 0.46) < 0.02, same


def test_raising_the_share_keeps_every_key_that_had_the_challenger():
    keys = keys_for(5_000)
    before = {k for k in keys if assign_arm(k, challenger_share=0.2) == "challenger"}
    after = {k for k in keys if assign_arm(k, challenger_share=0.5) == "challenger"}
    assert before < after
    assert len(after) > len(before) * 2


# -- answers and shadows -----------------------------------------------------------------


def test_answer_comes_from_the_assigned_model_and_shadow_does_not_change_it(models, rows):
    champion, challenger = models
    keys = keys_for(len(rows))
    plain = Router(champion, challenger, challenger_share=0.2)
    shadowed = Router(champion, challenger, challenger_share=0.2, shadow=True)
    by_arm = {"champion": champion, "challenger": challenger}
    seen = set()
    for row, key in zip(rows, keys, strict=True):
        answer, with_shadow = plain.predict(row, key=key), shadowed.predict(row, key=key)
        model, other = by_arm[answer.arm], by_arm[_other(answer.arm)]
        assert answer.version == model.version
        assert answer.output == said(model, row)
        assert with_shadow.output == answer.output and with_shadow.arm == answer.arm
        assert answer.shadow_output is None and answer.shadow_version is None
        assert with_shadow.shadow_output == said(other, row)
        assert with_shadow.shadow_version == other.version
        seen.add(answer.arm)
    assert seen == {"champion", "challenger"}


def test_batch_answers_equal_single_answers(models, rows):
    champion, challenger = models
    router = Router(champion, challenger, challenger_share=0.3, shadow=True, control_share=0.1)
    keys = keys_for(len(rows))
    batch = router.predict_batch(rows, keys=keys)
    single = [router.predict(row, key=key) for row, key in zip(rows, keys, strict=True)]
    assert [b.arm for b in batch] == [s.arm for s in single]
    for b, s in zip(batch, single, strict=True):
        assert close(b.output, s.output)
        assert close(b.shadow_output, s.shadow_output)
    assert {b.batch_size for b in batch if b.arm == "champion"} == {
        sum(b.arm == "champion" for b in batch)
    }


def test_control_arm_gets_no_model_but_the_champion_shadows_it(models, rows):
    champion, challenger = models
    router = Router(champion, challenger, challenger_share=0.2, control_share=0.2, shadow=True)
    control = [
        s for s in router.predict_batch(rows, keys=keys_for(len(rows))) if s.arm == "control"
    ]
    assert control, "expected some control keys among the test rows"
    for record in control:
        assert record.output is None and record.version is None
        assert record.shadow_version == champion.version
        assert close(record.shadow_output, said(champion, record.input))


class BrokenModel:
    """A shadow model that always fails: the point of the test is that nobody notices."""

    version = "9.9.9"

    def predict(self, row):
        raise RuntimeError("model file corrupted")

    def predict_batch(self, rows):
        raise RuntimeError("model file corrupted")


def test_a_failing_shadow_never_fails_the_request(models, rows):
    champion, _ = models
    router = Router(champion, BrokenModel(), challenger_share=0.0, shadow=True)
    single = router.predict(rows[0], key="user-0")
    batch = router.predict_batch(rows, keys=keys_for(len(rows)))
    for record, row in zip([single, *batch], [rows[0], *rows], strict=True):
        assert close(record.output, said(champion, row))
        assert record.shadow_output is None
        assert record.shadow_error == "RuntimeError: model file corrupted"
        assert record.shadow_version == "9.9.9"


def test_the_log_keeps_the_input_as_fed_even_if_the_model_changes_its_dict(models, rows):
    champion, _ = models

    class Scribbler(Versioned):
        """The real champion, but it writes into the rows it is given."""

        def predict(self, row):
            row["age"] = -1
            return self.scorer.predict(row)

        def predict_batch(self, batch):
            for row in batch:
                row["age"] = -1
            return self.scorer.predict_batch(batch)

    router = Router(Scribbler(champion.scorer, "1.0.0"))
    single = router.predict(rows[0], key="user-0")
    batch = router.predict_batch(rows[:5], keys=keys_for(5))
    assert single.input == rows[0]
    assert [r.input for r in batch] == rows[:5]
    assert rows[0]["age"] != -1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"challenger_share": 1.5}, r"challenger_share must be a number from 0 to 1, got 1.5"),
        ({"challenger_share": 0.6, "control_share": 0.6}, r"more than 1"),
        ({"challenger_share": True}, r"got True"),
    ],
)
def test_bad_shares_are_rejected(models, kwargs, message):
    champion, challenger = models
    with pytest.raises(InvalidRouting, match=message):
        Router(champion, challenger, **kwargs)


def test_a_share_without_a_challenger_and_a_model_without_version_are_rejected(models):
    champion, _ = models
    with pytest.raises(InvalidRouting, match="no challenger was given"):
        Router(champion, challenger_share=0.2)
    with pytest.raises(InvalidRouting, match=r"no version string.*Versioned\(scorer, '1'\)"):
        Router(champion.scorer)
    with pytest.raises(InvalidRouting, match=r"\(object\) has no predict\(\) method"):
        Router(object())


def test_rows_and_keys_must_pair_up(models, rows):
    with pytest.raises(InvalidRouting, match="got 3 rows but 2 keys"):
        Router(models[0]).predict_batch(rows[:3], keys=["a", "b"])


# -- the log -----------------------------------------------------------------------------


def test_log_round_trips_every_record_with_its_exact_input(models, rows, tmp_path):
    champion, challenger = models
    path = tmp_path / "logs" / "scoring.jsonl"
    with ScoringLog(path) as log:
        router = Router(champion, challenger, challenger_share=0.2, shadow=True, log=log)
        written = [
            router.predict(row, key=key) for row, key in zip(rows[:50], keys_for(50), strict=True)
        ]
        written += router.predict_batch(rows[50:], keys=keys_for(len(rows))[50:])
    back = read_scoring_log(path)
    assert back == written
    assert [r.input for r in back] == rows
    assert len(path.read_text().splitlines()) == len(rows)
    assert all(r.time.tzinfo is not None for r in back)


def test_log_appends_rather_than_overwrites(models, rows, tmp_path):
    path = tmp_path / "scoring.jsonl"
    for _ in range(2):
        with ScoringLog(path) as log:
            Router(models[0], log=log).predict(rows[0], key="k")
    assert len(read_scoring_log(path)) == 2


def _good_line() -> dict:
    return {"ts": "2026-11-21T07:00:00.000+00:00", "request_id": "r", "key": "k",
            "arm": "champion", "version": "1.0.0", "input": {"age": 3}, "output": 0.5,
            "latency_ms": 0.1}  # fmt: skip


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("version"), r"line 2: missing field\(s\) \['version'\]"),
        (
            lambda d: d.update(latency_ms="fast"),
            r"line 2: field 'latency_ms' should be int or float",
        ),
        (lambda d: d.update(arm="treatment"), r"line 2: field 'arm' is 'treatment'"),
        (lambda d: d.update(colour="red"), r"line 2: unknown field\(s\) \['colour'\]"),
        (lambda d: d.update(ts="yesterday"), r"line 2: field 'ts' is 'yesterday'"),
        (lambda d: d.update(input=[1, 2]), r"line 2: field 'input' should be dict"),
    ],
)
def test_bad_log_lines_are_named_by_file_line_and_field(tmp_path, change, message):
    bad = _good_line()
    change(bad)
    path = tmp_path / "scoring.jsonl"
    path.write_text(json.dumps(_good_line()) + "\n" + json.dumps(bad) + "\n")
    with pytest.raises(BadScoringLog, match=message) as caught:
        read_scoring_log(path, strict=True)
    assert str(path) in str(caught.value)


def test_a_line_cut_off_mid_write_is_reported(tmp_path):
    path = tmp_path / "scoring.jsonl"
    path.write_text(json.dumps(_good_line()) + "\n" + json.dumps(_good_line())[:40])
    with pytest.raises(BadScoringLog, match=r"line 2: not valid JSON .*cut off while writing"):
        read_scoring_log(path, strict=True)


# -- the comparison ----------------------------------------------------------------------


def test_comparison_figures_match_a_direct_count(models, rows, labels):
    champion, challenger = models
    router = Router(champion, challenger, challenger_share=0.3, control_share=0.2, shadow=True)
    keys = keys_for(len(rows))
    records = router.predict_batch(rows, keys=keys)
    outcomes = dict(zip(keys, labels, strict=True))
    report = compare_arms(records, outcomes=outcomes)

    for arm in ("champion", "challenger", "control"):
        mine = [r for r in records if r.arm == arm]
        summary = report.arms[arm]
        assert summary.requests == len(mine)
        assert summary.outcomes == len(mine)
        assert summary.outcome_rate == pytest.approx(sum(outcomes[r.key] for r in mine) / len(mine))
    assert report.arms["control"].score_mean is None
    assert report.arms["champion"].versions == ("1.0.0",)

    pairs = [(positive_score(r.output), positive_score(r.shadow_output))
             for r in records if r.arm != "control"]  # fmt: skip
    assert report.shadow_pairs == len(pairs)
    agree = sum((a >= 0.5) == (b >= 0.5) for a, b in pairs) / len(pairs)
    assert report.agreement == pytest.approx(agree)
    assert 0.7 < report.agreement < 1.0  # two different real models: mostly, not always, agree
    assert report.shadow_errors == 0

    scores = scores_by_arm(records)
    assert set(scores) == {"champion", "challenger"}
    assert report.arms["challenger"].score_mean == pytest.approx(
        sum(scores["challenger"]) / len(scores["challenger"])
    )
    diff, low, high = report.uplift("champion")
    assert diff == pytest.approx(
        report.arms["champion"].outcome_rate - report.arms["control"].outcome_rate
    )
    assert low < diff < high
    assert "champion" in str(report) and f"{report.agreement:.3f}" in str(report)
    table = report.rows()
    assert [row["arm"] for row in table] == ["champion", "challenger", "control"]
    assert table[0]["requests"] == report.arms["champion"].requests


def test_comparison_counts_shadow_errors_and_needs_outcomes_for_uplift(models, rows):
    router = Router(models[0], BrokenModel(), shadow=True)
    records = router.predict_batch(rows[:20], keys=keys_for(20))
    report = compare_arms(records)
    assert report.shadow_errors == 20 and report.shadow_pairs == 0 and report.agreement is None
    with pytest.raises(KeyError):
        report.uplift("champion")  # no control arm in this log


def test_positive_score_reads_the_common_output_shapes():
    assert positive_score(0.3) == 0.3
    assert positive_score({"probability": None, "skipped": "null age"}) is None
    assert positive_score({"probability": [0.9, 0.1]}) == 0.1
    assert positive_score({"probability": 0.7}) == 0.7
    with pytest.raises(TypeError, match="cannot find a probability"):
        positive_score({"label": ">50K"})


def _other(arm: str) -> str:
    return "challenger" if arm == "champion" else "champion"


def test_scored_records_are_json_lines():
    record = Scored(**_good_line())
    assert "\n" not in record.to_json()
    assert Scored.from_json(record.to_json()) == record
