"""The model server against careless and hostile clients, on 127.0.0.1, without Spark.

Each case is what a crafted client did to ``labkit serve``: numbers JSON cannot
hold, brackets nested 100,000 deep, odd headers, other methods, silent and
slow connections, clients that hang up, and more connections or bytes than the
server should hold at once.
"""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
from _serving_fixtures import ROW, parse_response, raw, read_all, request, spark_free_registry

from labkit.serving import ScoringLog, read_scoring_log
from labkit.serving.serve import registry_server
from labkit.serving.server import ServerLimits


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    return spark_free_registry(tmp_path_factory.mktemp("hardening") / "registry")


@pytest.fixture
def server(registry, tmp_path):
    log = ScoringLog(tmp_path / "scoring.jsonl")
    limits = ServerLimits(max_connections=4, max_body_bytes=4096, max_bytes_in_flight=6000,
                          request_timeout=1.0, drain_seconds=2.0)  # fmt: skip
    with registry_server(registry, port=0, poll_seconds=3600, log=log, limits=limits) as running:
        running.log_path = log.path
        yield running


def post_text(url: str, text: str):
    return request(url, "POST", "/predict", text.encode())


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (
            '{"row": {"color": "red", "size": ' + str(10**400) + "}}",
            "row.size",
            "an integer of 401 digits is beyond the range of a double",
        ),
        (
            '{"row": {"color": "red", "size": ' + "7" * 5000 + "}}",
            "row.size",
            "an integer of 5,000 digits",
        ),
        (
            '{"rows": [{"color": "red", "size": 1}, {"color": "red", "size": 1e999}]}',
            "rows[1].size",
            "1e999 is beyond the range of a double",
        ),
        ('{"row": {"color": "red", "size": -Infinity}}', "row.size", "-Infinity is not valid JSON"),
        ('{"row": {"color": "red", "size": NaN}}', "row.size", "NaN is not valid JSON"),
        ("[" * 100_000 + "]" * 100_000, "body", "nested too deeply"),
        ('{"row": ' * 5_000 + "1" + "}" * 5_000, "body", "nested too deeply"),
    ],
    ids=["10**400", "5000 digits", "1e999", "-Infinity", "NaN", "100000 [", "5000 {"],
)
def test_numbers_json_cannot_hold_and_deep_nesting_get_400_naming_the_field(
    registry, body, field, message
):
    limits = ServerLimits(max_body_bytes=1_000_000)
    with registry_server(registry, port=0, poll_seconds=3600, limits=limits) as running:
        status, _, answer = post_text(running.url, body)
    assert status == 400, answer
    assert answer["field"] == field
    assert message in answer["error"]


def test_more_objects_than_a_batch_can_hold_get_413_unparsed(registry):
    body = '{"rows": [' + ",".join(["{}"] * 20_000) + "]}"
    with registry_server(registry, port=0, poll_seconds=3600) as running:
        status, _, answer = post_text(running.url, body)
    assert status == 413 and answer["field"] == "body"
    assert "20,001 JSON objects" in answer["error"]


def test_a_non_finite_prediction_is_422_naming_the_row_and_is_never_logged(server):
    overflowing = {"key": "k", "row": {"color": "red", "size": 1e308}}
    status, _, answer = request(server.url, "POST", "/predict", json.dumps(overflowing).encode())
    assert status == 422, answer
    assert answer["field"] == "row"
    assert "cannot score this row" in answer["error"]
    assert "raw_prediction" in answer["error"] and "size=1e+308" in answer["error"]
    batch = {"rows": [ROW, {"color": "blue", "size": -1e308}]}
    status, _, answer = request(server.url, "POST", "/predict", json.dumps(batch).encode())
    assert status == 422 and answer["field"] == "rows[1]", answer
    assert request(server.url, "POST", "/predict", json.dumps({"row": ROW}).encode())[0] == 200
    text = server.log_path.read_text()
    assert "NaN" not in text and "Infinity" not in text
    assert [r.input for r in read_scoring_log(server.log_path)] == [ROW]


@pytest.mark.parametrize(
    ("header", "status", "message"),
    [
        (b"Content-Length: \xb2\r\n", 400, "Content-Length"),
        (b"Content-Length: -5\r\n", 400, "Content-Length"),
        (b"Content-Length: 1e3\r\n", 400, "Content-Length"),
        (b"", 411, "Content-Length"),
    ],
    ids=["superscript two", "negative", "exponent", "missing"],
)
def test_a_bad_content_length_is_4xx_naming_the_header(server, header, status, message):
    answer = raw(server.url, b"POST /predict HTTP/1.0\r\n" + header + b"\r\n{}")
    got, _, document = parse_response(answer)
    assert got == status
    assert document["field"] == "Content-Length" and message in document["error"]


def test_an_oversized_body_gets_413_before_it_is_sent(server):
    head = b"POST /predict HTTP/1.0\r\nContent-Length: 20000000\r\n\r\n"
    started = time.monotonic()
    got, _, document = parse_response(raw(server.url, head, wait=5))
    assert got == 413 and document["field"] == "body"
    assert "20,000,000 bytes" in document["error"] and "4,096" in document["error"]
    assert time.monotonic() - started < 3  # answered without waiting for a body


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS", "BREW"])
def test_other_methods_get_a_json_405_with_allow(server, method):
    status, headers, answer = request(server.url, method, "/predict", b"{}")
    assert status == 405
    assert headers["Allow"] == "GET, POST"
    assert headers["Content-Type"] == "application/json"
    assert method in answer["error"] and answer["field"] == "method"


def test_get_predict_is_405_allowing_post(server):
    status, headers, answer = request(server.url, "GET", "/predict")
    assert status == 405 and headers["Allow"] == "POST"


def test_a_silent_client_is_dropped_after_the_timeout(server):
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as sock:
        started = time.monotonic()
        sock.sendall(b"POST /predict HTTP/1.0\r\nContent-Le")  # half a header, then nothing
        read_all(sock, wait=10)
        assert time.monotonic() - started < 5


def test_a_body_that_stops_arriving_gets_408(server):
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as sock:
        started = time.monotonic()
        sock.sendall(b'POST /predict HTTP/1.0\r\nContent-Length: 100\r\n\r\n{"row":')
        status, _, document = parse_response(read_all(sock, wait=10))
    assert status == 408 and document["field"] == "body"
    assert time.monotonic() - started < 5


def test_connections_beyond_the_cap_get_503_then_service_resumes(server):
    host, port = server.url.removeprefix("http://").split(":")
    silent = [socket.create_connection((host, int(port))) for _ in range(4)]
    try:
        time.sleep(0.2)
        status, headers, answer = request(server.url, "GET", "/healthz")
        assert status == 503 and "Retry-After" in headers
        assert "connections" in answer["error"]
    finally:
        for sock in silent:
            sock.close()
    deadline = time.monotonic() + 5
    while request(server.url, "GET", "/healthz")[0] != 200:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_bytes_in_flight_are_capped_with_503(server):
    """Two bodies of 3,000 bytes are still arriving: a third would pass the 6,000-byte budget."""
    host, port = server.url.removeprefix("http://").split(":")
    slow = []
    for _ in range(2):
        sock = socket.create_connection((host, int(port)))
        sock.sendall(b"POST /predict HTTP/1.0\r\nContent-Length: 3000\r\n\r\n{")
        slow.append(sock)
    try:
        time.sleep(0.2)
        status, headers, answer = request(server.url, "POST", "/predict", b" " * 3000)
        assert status == 503 and "Retry-After" in headers
        assert "bytes" in answer["error"] and answer["field"] == "body"
    finally:
        for sock in slow:
            sock.close()


def test_a_client_that_hangs_up_leaves_no_traceback(server, capfd):
    host, port = server.url.removeprefix("http://").split(":")
    body = json.dumps({"rows": [ROW] * 2000}).encode()
    for _ in range(3):
        sock = socket.create_connection((host, int(port)))
        sock.sendall(b"POST /predict HTTP/1.0\r\nContent-Length: %d\r\n\r\n" % len(body))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        sock.close()  # gone before the body: the handler's read fails, then its write
    time.sleep(1.5)
    assert request(server.url, "GET", "/healthz")[0] == 200
    assert "Traceback" not in capfd.readouterr().err


def test_health_says_degraded_when_the_registry_champion_is_not_served(registry, tmp_path):
    with registry_server(registry, port=0, poll_seconds=3600) as running:
        status, _, health = request(running.url, "GET", "/healthz")
        assert status == 200 and health["status"] == "ok"
        assert health["registry_champion"] == "1.0.0"
        registry.promote("1.1.0", reason="test")
        try:
            scorer = registry.get("1.1.0").scorer_path
            saved = scorer.read_bytes()
            scorer.write_bytes(saved[:200])  # damaged on disk after the promotion
            try:
                assert running.reload() is False
                status, _, health = request(running.url, "GET", "/healthz")
            finally:
                scorer.write_bytes(saved)
        finally:
            registry.rollback(reason="back")
    assert status == 200  # the old champion still answers: not a reason to pull the server
    assert health["status"] == "degraded"
    assert health["champion"] == "1.0.0" and health["registry_champion"] == "1.1.0"
    assert health["reload_error"]


def test_shutdown_is_bounded_when_a_request_never_finishes(registry):
    limits = ServerLimits(request_timeout=30.0, drain_seconds=1.0)
    running = registry_server(registry, port=0, poll_seconds=3600, limits=limits).start()
    host, port = running.url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)))
    sock.sendall(b"POST /predict HTTP/1.0\r\nContent-Length: 100\r\n\r\n{")  # in flight
    time.sleep(0.2)
    started = time.monotonic()
    stopper = threading.Thread(target=running.shutdown)
    stopper.start()
    stopper.join(timeout=10)
    sock.close()
    assert not stopper.is_alive()
    assert 0.8 < time.monotonic() - started < 5


def test_a_shadow_that_overflows_is_logged_as_its_error_and_the_answer_stands(tmp_path):
    from _export_specs import scorer_of, tree_specs
    from _serving_fixtures import overflowing_logistic

    from labkit.serving import Router, Versioned

    log = ScoringLog(tmp_path / "scoring.jsonl")
    tree, logistic = (
        Versioned(scorer_of(tree_specs()), "tree"),
        Versioned(overflowing_logistic(), "lr"),
    )
    router = Router(tree, logistic, shadow=True, log=log)
    scored = router.predict({"color": "red", "size": 1e308}, key="k")
    log.close()
    assert scored.version == "tree" and scored.shadow_output is None
    assert scored.shadow_error.startswith("NonFinitePrediction: row 0 of the batch: the model")
    assert read_scoring_log(log.path) == [scored]
