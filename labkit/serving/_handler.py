"""One HTTP request of the model server: read it within limits, answer it in strict JSON.

Everything a client can get wrong is answered with a 4xx naming the field or
header at fault (its status taken from the error class's ``http_status``);
what the server cannot take right now is a 503 with ``Retry-After``; a client
that hangs up or goes quiet is dropped without a traceback.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import time
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any

from labkit import _json
from labkit.errors import BadRequest, InvalidJson, LabkitError, ServerBusy
from labkit.serving.log import plain_output
from labkit.serving.requests import parse_predict_request

#: Which method each endpoint takes.
ENDPOINTS = {"/predict": "POST", "/healthz": "GET", "/models": "GET"}
#: Slowest body upload accepted, on top of the request timeout (bytes per second).
MIN_UPLOAD_RATE = 100_000
#: After refusing a body unread, read and drop what the client still sends for this long,
#: so it sees the answer instead of a reset connection.
LINGER_SECONDS = 1.0


class Handler(BaseHTTPRequestHandler):
    """Answers ``/predict``, ``/healthz`` and ``/models``; see :mod:`labkit.serving.server`."""

    server_version = "labkit-serve"
    # HTTP/1.0: one request per connection, so no idle keep-alive connection holds a slot.
    protocol_version = "HTTP/1.0"

    def setup(self) -> None:
        self.timeout = self.server.limits.request_timeout  # type: ignore[attr-defined]
        self._unread_body = False
        super().setup()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_"):  # any method but GET and POST
            return self._method_not_allowed
        raise AttributeError(name)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        with self._in_flight():
            model_server = self.server.model_server  # type: ignore[attr-defined]
            if self.path == "/healthz":
                self._send(HTTPStatus.OK, model_server.health())
            elif self.path == "/models":
                self._send(HTTPStatus.OK, model_server.deployment.router.versions())
            else:
                self._wrong_path_or_method()

    def do_POST(self) -> None:  # noqa: N802
        with self._in_flight():
            if self.path != "/predict":
                self._wrong_path_or_method()
                return
            try:
                self._send(HTTPStatus.OK, self._answer_predict())
            except LabkitError as error:
                headers = {"Retry-After": "1"} if isinstance(error, ServerBusy) else None
                self._error(error.http_status, str(error), getattr(error, "field", None), headers)
            except Exception as error:  # noqa: BLE001 - answer 500 rather than drop the connection
                self._error(500, f"{type(error).__name__}: {error}", None)

    def _answer_predict(self) -> dict[str, Any]:
        length = self._content_length()
        if not self.server.take_bytes(length):  # type: ignore[attr-defined]
            self._unread_body = True
            raise ServerBusy(
                f"body: {length:,} more bytes would pass the "
                f"{self.server.limits.max_bytes_in_flight:,} bytes of requests this server "  # type: ignore[attr-defined]
                "holds at once. Retry in a moment, or send smaller batches.",
                "body",
            )
        try:
            body = self._read_body(length)
            return self._predict(body)
        finally:
            self.server.give_bytes(length)  # type: ignore[attr-defined]

    def _content_length(self) -> int:
        text = self.headers.get("Content-Length")
        if text is None:
            raise BadRequest(
                "Content-Length: missing; send the header with the JSON body.",
                "Content-Length",
                411,
            )
        if not (text.isascii() and text.strip().isdigit()):
            raise BadRequest(
                f"Content-Length: {text!r} is not a number of bytes (e.g. 'Content-Length: 57').",
                "Content-Length",
            )
        length = int(text)
        limit = self.server.limits.max_body_bytes  # type: ignore[attr-defined]
        if length > limit:
            self._unread_body = True
            raise BadRequest(
                f"body: {length:,} bytes; the limit is {limit:,}. Split the batch.", "body", 413
            )
        return length

    def _read_body(self, length: int) -> bytes:
        limits = self.server.limits  # type: ignore[attr-defined]
        deadline = time.monotonic() + limits.request_timeout + length / MIN_UPLOAD_RATE
        body = bytearray()
        while len(body) < length:
            try:
                chunk = self.rfile.read1(min(65536, length - len(body)))
            except TimeoutError:
                chunk = None
            if chunk is None or time.monotonic() > deadline:
                self._unread_body = True
                raise BadRequest(
                    f"body: {len(body):,} of {length:,} bytes arrived within the time allowed; "
                    "send the whole body at once.",
                    "body",
                    408,
                )
            if not chunk:
                raise BadRequest(f"body: the connection closed after {len(body):,} of {length:,} "
                                 "bytes.", "body")  # fmt: skip
            body += chunk
        return bytes(body)

    def _predict(self, body: bytes) -> dict[str, Any]:
        deployment = self.server.model_server.deployment  # type: ignore[attr-defined]
        request = parse_predict_request(body, deployment.schema)  # read once: old or new
        scored = deployment.router.predict_batch(request.rows, keys=request.keys)
        answers = [
            {"key": s.key, "arm": s.arm, "version": s.version, "output": s.output,
             "request_id": s.request_id}
            for s in scored
        ]  # fmt: skip
        return {"results": answers} if request.batch else answers[0]

    def _wrong_path_or_method(self) -> None:
        allowed = ENDPOINTS.get(self.path)
        if allowed is None:
            self._error(404, f"no endpoint {self.path!r}; try GET /models, GET /healthz or "
                             "POST /predict.", "path")  # fmt: skip
        else:
            self._error(405, f"use {allowed} for {self.path}, not {self.command}.", "method",
                        {"Allow": allowed})  # fmt: skip

    def _method_not_allowed(self) -> None:
        self._unread_body = True
        message = f"method {self.command} is not served; GET /healthz or /models, POST /predict."
        self._error(405, message, "method", {"Allow": "GET, POST"})

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The base class's errors (bad request line, huge headers, timeouts) in JSON too."""
        self.close_connection = True
        self._unread_body = True
        self._error(code, message or explain or HTTPStatus(code).phrase, None)

    def _error(self, status: int, message: str, field: str | None,
               headers: dict[str, str] | None = None) -> None:  # fmt: skip
        self._send(status, {"error": message, "field": field}, headers)

    def _send(self, status: int, document: dict[str, Any],
              headers: dict[str, str] | None = None) -> None:  # fmt: skip
        try:
            body = _json.dumps(document, default=_plain).encode("utf-8")
        except InvalidJson as error:  # an output the router let through: say so, never send NaN
            status, body = 500, _json.dumps({"error": str(error), "field": None}).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
        except (ConnectionError, TimeoutError):
            self.close_connection = True  # the client left; nothing to tell it
            return
        if self._unread_body:
            _linger(self.connection)

    @contextlib.contextmanager
    def _in_flight(self) -> Iterator[None]:
        self.server.request_started()  # type: ignore[attr-defined]
        try:
            yield
        finally:
            self.server.request_finished()  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base signature
        if getattr(self.server, "access_log", False):
            sys.stderr.write(f"{self.address_string()} {format % args}\n")


def refuse_connection(connection: socket.socket, max_connections: int) -> None:
    """Answer 503 on a connection the server has no slot for, without a thread."""
    document = {"error": f"server busy: {max_connections} connections already open. Retry in a "
                         "moment.", "field": None}  # fmt: skip
    body = _json.dumps(document).encode("utf-8")
    head = (f"HTTP/1.0 503 Service Unavailable\r\nContent-Type: application/json\r\n"
            f"Retry-After: 1\r\nContent-Length: {len(body)}\r\n\r\n")  # fmt: skip
    with contextlib.suppress(OSError):
        connection.settimeout(0.05)
        with contextlib.suppress(TimeoutError):
            connection.recv(65536)  # the request, if it came: unread data would reset the answer
        connection.sendall(head.encode("latin-1") + body)
        connection.shutdown(socket.SHUT_WR)


def _linger(connection: socket.socket) -> None:
    """Drop what the client still sends (an unread body) for a moment, so it reads the answer."""
    deadline = time.monotonic() + LINGER_SECONDS
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_WR)
        while (left := deadline - time.monotonic()) > 0:
            connection.settimeout(left)
            if not connection.recv(65536):
                break


def _plain(value: Any) -> Any:
    plain = plain_output(value)
    if plain is value:
        raise TypeError(f"cannot send {type(value).__name__} as JSON")
    return plain
