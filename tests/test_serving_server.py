"""The model server over real HTTP on 127.0.0.1, backed by a real registry of exported models."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from test_serving_router import saved_versions

from labkit.errors import ModelNotFound, ServingError
from labkit.registry import Registry
from labkit.serving import ScoringLog, read_scoring_log
from labkit.serving.log import plain_output
from labkit.serving.serve import registry_server

ROWS = 200


@pytest.fixture(scope="module")
def saved_models(adult_train, tmp_path_factory):
    """Version -> (Spark folder, JSON document): a logistic regression and a tree."""
    return saved_versions(adult_train, tmp_path_factory)


def make_registry(root: Path, saved_models, champion: str = "1.0.0") -> Registry:
    """A fresh registry holding both versions, ``champion`` promoted."""
    registry = Registry(root)
    for version, (model_dir, scorer_file) in saved_models.items():
        registry.add(model_dir, scorer_file, {"data_sha256": "adult", "params": {}},
                     version=version)  # fmt: skip
    registry.promote(champion, reason="test")
    return registry


@pytest.fixture(scope="module")
def rows(adult_test):
    return [r.asDict() for r in adult_test.drop("income").limit(ROWS).collect()]


@pytest.fixture(scope="module")
def scorers(saved_models):
    """Each version's scorer, loaded independently of the server, for expected answers."""
    from labkit.export import load_scorer

    return {version: load_scorer(doc) for version, (_, doc) in saved_models.items()}


@pytest.fixture
def server(tmp_path, saved_models):
    registry = make_registry(tmp_path / "registry", saved_models)
    with registry_server(registry, port=0, poll_seconds=0.05) as running:
        running.registry = registry
        yield running


def call(url: str, method: str, path: str, body: bytes | None = None, headers=None):
    """One HTTP request; returns (status, decoded JSON)."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def post(url: str, document) -> tuple[int, dict]:
    return call(url, "POST", "/predict", json.dumps(document).encode())


def same_output(sent, prediction) -> bool:
    """The server's answer equals the scorer's own prediction after a JSON round trip."""
    return sent == json.loads(json.dumps(plain_output(prediction)))


def test_single_row_is_answered_by_the_champion(server, rows, scorers):
    status, answer = post(server.url, {"key": "user-1", "row": rows[0]})
    assert status == 200
    assert answer["arm"] == "champion" and answer["version"] == "1.0.0"
    assert answer["key"] == "user-1"
    assert same_output(answer["output"], scorers["1.0.0"].predict(rows[0]))


def test_batch_is_answered_row_by_row_in_order(server, rows, scorers):
    status, answer = post(server.url, {"keys": [f"u{i}" for i in range(ROWS)], "rows": rows})
    assert status == 200
    assert [r["key"] for r in answer["results"]] == [f"u{i}" for i in range(ROWS)]
    expected = scorers["1.0.0"].predict_batch(rows).to_list()
    assert all(
        same_output(r["output"], e) for r, e in zip(answer["results"], expected, strict=True)
    )


def test_health_and_models_name_the_versions_in_play(server):
    assert call(server.url, "GET", "/healthz") == (
        200,
        {
            "status": "ok",
            "champion": "1.0.0",
            "registry_champion": "1.0.0",
            "reload_error": None,
            "pyspark_loaded": "pyspark" in sys.modules,
        },
    )
    status, models = call(server.url, "GET", "/models")
    assert status == 200
    assert models == {"champion": "1.0.0", "challenger": None, "challenger_share": 0.0,
                      "control_share": 0.0, "shadow": False}  # fmt: skip


def _bad(row: dict, **changes) -> dict:
    out = dict(row)
    for name, value in changes.items():
        if value is _DROP:
            out.pop(name.replace("_", "-"))
        else:
            out[name.replace("_", "-")] = value
    return out


_DROP = object()


@pytest.mark.parametrize(
    ("make_body", "status", "field", "message"),
    [
        (lambda r: b'{"row": {"age": 39,', 400, "body", "not valid JSON"),
        (lambda r: b"\xff\xfe", 400, "body", "not UTF-8"),
        (lambda r: b'{"row": {"age": NaN}}', 400, "row.age", "NaN is not valid JSON"),
        (lambda r: b"[1, 2]", 422, "body", "expected a JSON object, got list"),
        (lambda r: json.dumps({"key": "k"}).encode(), 422, "row", "missing field 'row'"),
        (
            lambda r: json.dumps({"row": _bad(r, age=_DROP)}).encode(),
            422,
            "row.age",
            r"missing field(s) ['age']",
        ),
        (
            lambda r: json.dumps({"row": _bad(r, age="39")}).encode(),
            422,
            "row.age",
            'expected a number, got string "39"',
        ),
        (
            lambda r: json.dumps({"row": _bad(r, workclass=7)}).encode(),
            422,
            "row.workclass",
            "expected a string (or null if unknown), got int 7",
        ),
        (
            lambda r: json.dumps({"row": {**r, "hours_per_week": 40}}).encode(),
            422,
            "row.hours_per_week",
            "Did you mean 'hours-per-week'?",
        ),
        (
            lambda r: json.dumps({"row": {**r, "income": ">50K"}}).encode(),
            422,
            "row.income",
            "unknown field 'income'",
        ),
        (
            lambda r: json.dumps({"rows": [r, _bad(r, age=None)]}).encode(),
            422,
            "rows[1].age",
            "expected a number, got null",
        ),
        (lambda r: json.dumps({"rows": []}).encode(), 422, "rows", "non-empty list"),
        (
            lambda r: json.dumps({"rows": [r], "keys": ["a", "b"]}).encode(),
            422,
            "keys",
            "expected a list of 1 keys",
        ),
        (lambda r: json.dumps({"row": r, "key": [1]}).encode(), 422, "key", "string or integer"),
    ],
)
def test_bad_requests_get_4xx_naming_the_field(server, rows, make_body, status, field, message):
    got_status, answer = call(server.url, "POST", "/predict", make_body(rows[0]))
    assert got_status == status
    assert answer["field"] == field
    assert message in answer["error"]


def test_wrong_paths_methods_and_missing_length(server):
    assert call(server.url, "GET", "/nope")[0] == 404
    assert call(server.url, "POST", "/nope", b"{}")[0] == 404
    assert call(server.url, "GET", "/predict")[0] == 405
    host, port = server.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.putrequest("POST", "/predict")
    connection.endheaders()
    response = connection.getresponse()
    assert response.status == 411
    assert json.loads(response.read())["field"] == "Content-Length"
    connection.close()


def test_champion_swaps_under_load_without_a_failed_request(server, rows, scorers):
    """Eight clients post for ~3 s; the registry promotes 1.1.0 half-way through."""
    outcomes: list[tuple[float, int, str | None, bool]] = []
    lock = threading.Lock()
    deadline = time.monotonic() + 3.0

    def client(number: int) -> None:
        i = 0
        while time.monotonic() < deadline:
            row = rows[(number * 31 + i) % ROWS]
            try:
                status, answer = post(server.url, {"key": f"c{number}-{i}", "row": row})
                version = answer.get("version")
                right = status == 200 and same_output(
                    answer["output"], scorers[version].predict(row)
                )
            except OSError as exc:  # a refused or reset connection is a dropped request
                status, version, right = -1, repr(exc), False
            with lock:
                outcomes.append((time.monotonic(), status, version, right))
            i += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    server.registry.promote("1.1.0", reason="challenger won")
    promoted_at = time.monotonic()
    for thread in threads:
        thread.join()

    failures = [o for o in outcomes if o[1] != 200 or not o[3]]
    assert not failures, failures[:5]
    versions = [o[2] for o in outcomes]
    assert versions.count("1.0.0") > 20 and versions.count("1.1.0") > 20, len(outcomes)
    # Within a few poll intervals of the promotion, only the new champion answers.
    late = [o[2] for o in outcomes if o[0] > promoted_at + 0.5]
    assert late and set(late) == {"1.1.0"}
    assert call(server.url, "GET", "/healthz")[1]["champion"] == "1.1.0"


def test_challenger_share_shadow_and_log_through_http(tmp_path, saved_models, rows, scorers):
    registry = make_registry(tmp_path / "registry", saved_models)
    log_path = tmp_path / "scoring.jsonl"
    keys = [f"user-{i}" for i in range(ROWS)]
    with registry_server(registry, challenger="1.1.0", challenger_share=0.3, shadow=True,
                         log=ScoringLog(log_path), port=0) as running:  # fmt: skip
        assert call(running.url, "GET", "/models")[1]["challenger"] == "1.1.0"
        answers = [
            post(running.url, {"key": k, "row": r})[1] for k, r in zip(keys, rows, strict=True)
        ]
    records = read_scoring_log(log_path)
    assert [r.key for r in records] == keys
    assert [r.input for r in records] == rows
    assert [r.arm for r in records] == [a["arm"] for a in answers]
    share = sum(a["arm"] == "challenger" for a in answers) / ROWS
    assert 0.2 < share < 0.4, share
    for record in records:
        other = "1.0.0" if record.version == "1.1.0" else "1.1.0"
        assert record.shadow_version == other
        assert same_output(record.shadow_output, scorers[other].predict(record.input))


def test_registry_without_champion_and_unknown_challenger_are_refused(tmp_path, saved_models):
    registry = Registry(tmp_path / "registry")
    model_dir, scorer_file = saved_models["1.0.0"]
    registry.add(model_dir, scorer_file, {"data_sha256": "adult", "params": {}}, version="1.0.0")
    with pytest.raises(ModelNotFound, match="no champion yet"):
        registry_server(registry, port=0)
    registry.promote("1.0.0")
    with pytest.raises(ModelNotFound, match="No version '2.0.0'"):
        registry_server(registry, port=0, challenger="2.0.0")


def test_labkit_serve_command_serves_without_spark_and_stops_cleanly(tmp_path, saved_models, rows):
    registry = make_registry(tmp_path / "registry", saved_models)
    command = [sys.executable, "-m", "labkit.cli", "serve", "--registry", str(registry.root),
               "--port", "0"]  # fmt: skip
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=env)  # fmt: skip
    try:
        first = process.stdout.readline()
        assert first.startswith("labkit serve: http://127.0.0.1:"), first + process.stderr.read()
        url = first.split()[2]
        status, health = call(url, "GET", "/healthz")
        assert status == 200 and health["champion"] == "1.0.0"
        assert health["pyspark_loaded"] is False
        assert post(url, {"key": "k", "row": rows[0]})[0] == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        assert process.stdout.read().strip() == "labkit serve: stopped"
    finally:
        if process.poll() is None:
            process.kill()
    with pytest.raises(OSError):
        call(url, "GET", "/healthz")


def test_a_broken_new_champion_keeps_the_old_one_serving(server, rows, scorers):
    """A promoted version whose scorer file was damaged on disk must not take the service down."""
    document = server.registry.get("1.1.0").scorer_path
    server.registry.promote("1.1.0", reason="damaged after the promotion")
    document.write_text(document.read_text()[:500])  # cut off, as by a full disk
    deadline = time.monotonic() + 10
    while call(server.url, "GET", "/healthz")[1]["reload_error"] is None:
        assert time.monotonic() < deadline, "the server never tried the new champion"
        time.sleep(0.05)
    health = call(server.url, "GET", "/healthz")[1]
    assert health["champion"] == "1.0.0" and health["registry_champion"] == "1.1.0"
    assert health["status"] == "degraded"
    assert health["reload_error"].startswith("RegistryCorrupt")  # its sha256 no longer matches
    status, answer = post(server.url, {"key": "k", "row": rows[0]})
    assert status == 200 and answer["version"] == "1.0.0"
    assert same_output(answer["output"], scorers["1.0.0"].predict(rows[0]))
    server.registry.rollback(reason="back to the working model")
    deadline = time.monotonic() + 10
    while call(server.url, "GET", "/healthz")[1]["reload_error"] is not None:
        assert time.monotonic() < deadline, "the error outlived the rollback"
        time.sleep(0.05)


def test_shutdown_finishes_a_request_in_flight(tmp_path, saved_models, rows, scorers):
    """A request whose body is still arriving when shutdown starts is answered, not dropped."""
    registry = make_registry(tmp_path / "registry", saved_models)
    running = registry_server(registry, port=0).start()
    body = json.dumps({"key": "k", "row": rows[0]}).encode()
    host, port = running.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.putrequest("POST", "/predict")
    connection.putheader("Content-Length", str(len(body)))
    connection.endheaders(body[:10])  # the handler is now waiting for the rest
    time.sleep(0.3)
    stopper = threading.Thread(target=running.shutdown)
    stopper.start()
    time.sleep(0.3)
    assert stopper.is_alive(), "shutdown returned while a request was still in flight"
    connection.send(body[10:])
    response = connection.getresponse()
    answer = json.loads(response.read())
    stopper.join(timeout=10)
    assert not stopper.is_alive()
    assert response.status == 200
    assert same_output(answer["output"], scorers["1.0.0"].predict(rows[0]))
    with pytest.raises(OSError):
        call(running.url, "GET", "/healthz")


def test_a_port_in_use_is_reported_with_the_fix(server):
    taken = server.port
    with pytest.raises(ServingError, match=rf"cannot listen on 127.0.0.1:{taken}: .*another port"):
        registry_server(server.registry, port=taken)
