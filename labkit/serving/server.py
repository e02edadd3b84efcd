"""A small JSON model server on the standard library's ``ThreadingHTTPServer``.

Endpoints::

    POST /predict   one row {"key", "row"} or a batch {"keys", "rows"} -> outputs
    GET  /healthz   {"status": "ok", "champion": version}
    GET  /models    the versions in play, the challenger's share, shadow on/off

The server holds one :class:`~labkit.serving.Router` at a time. A watcher
thread asks the model source every ``poll_seconds`` which version is
champion; when it changes, the new model is loaded *beside* the old one and
the router reference is swapped in one assignment. A request reads the
reference once, so it is answered entirely by the old router or entirely by
the new one, and none is dropped. Handler threads are not daemons, so a
shutdown waits for requests in flight.

Why the standard library: scoring an exported model is pure Python holding
the GIL for microseconds, so an async framework would add dependencies
(an ASGI server and a framework) without adding throughput on one process;
``http.server`` is always there, and the whole request path stays readable.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from labkit.errors import BadRequest, LabkitError, ServingError
from labkit.serving.requests import parse_predict_request
from labkit.serving.router import Router

#: Bodies larger than this are refused with 413 before they are read.
MAX_BODY_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Deployment:
    """What the server is serving: the router and the input schema its models share."""

    router: Router
    schema: dict[str, str]


class ModelServer:
    """Serve a deployment over HTTP and swap it when the champion changes.

    Parameters
    ----------
    load : callable
        Returns the current :class:`Deployment`; called at start and whenever
        ``champion_version`` reports a new version.
    champion_version : callable
        Returns the champion's version; cheap, called every ``poll_seconds``.
    host : str, default="127.0.0.1"
    port : int, default=8000
        0 picks a free port (see :attr:`port` after construction).
    poll_seconds : float, default=1.0
        How often to look for a newly promoted champion.
    access_log : bool, default=False
        Print one line per request to stderr.

    Examples
    --------
    See :func:`labkit.serving.serve.registry_server`, which builds one from a registry.
    """

    def __init__(
        self,
        load: Callable[[], Deployment],
        champion_version: Callable[[], str],
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        poll_seconds: float = 1.0,
        access_log: bool = False,
    ) -> None:
        self._load = load
        self._champion_version = champion_version
        self.poll_seconds = poll_seconds
        self.deployment = load()
        self.reload_error: str | None = None
        self._failed_version: str | None = None
        self._stop = threading.Event()
        try:
            self._httpd = ThreadingHTTPServer((host, port), _Handler)
        except OSError as exc:
            raise ServingError(
                f"cannot listen on {host}:{port}: {exc.strerror}. Is another server using the "
                "port? Stop it, or pick another port (0 picks a free one)."
            ) from exc
        self._httpd.daemon_threads = False  # shutdown waits for requests in flight
        self._httpd.model_server = self  # type: ignore[attr-defined]
        self._httpd.access_log = access_log  # type: ignore[attr-defined]
        self._threads: list[threading.Thread] = []

    @property
    def port(self) -> int:
        """The port actually bound (useful with ``port=0``)."""
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:8000``."""
        host = self._httpd.server_address[0]
        return f"http://{host}:{self.port}"

    def reload(self) -> bool:
        """Load and swap in a new deployment if the champion changed; return whether it did.

        A failure to load keeps the current deployment serving and is kept in
        :attr:`reload_error` (shown by ``GET /healthz``).
        """
        wanted = None
        try:
            wanted = self._champion_version()
            if wanted == self.deployment.router.champion.version:
                self.reload_error = self._failed_version = None  # e.g. rolled back
                return False
            if wanted == self._failed_version:
                return False  # registry versions never change: loading it again would fail again
            fresh = self._load()
        except Exception as exc:  # noqa: BLE001 - a bad new model must not stop serving
            self.reload_error = f"{type(exc).__name__}: {exc}"
            self._failed_version = wanted
            return False
        self.deployment = fresh  # one assignment: each request sees old or new, never half
        self.reload_error = self._failed_version = None
        return True

    def start(self) -> ModelServer:
        """Serve and watch in background threads; return at once (for tests and notebooks)."""
        serve = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                 name="labkit-serve-http")  # fmt: skip
        watch = threading.Thread(target=self._watch, name="labkit-serve-watch")
        for thread in (serve, watch):
            thread.start()
            self._threads.append(thread)
        return self

    def shutdown(self) -> None:
        """Stop accepting requests, finish those in flight, close the socket and the log."""
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()  # joins the handler threads
        for thread in self._threads:
            thread.join()
        log = self.deployment.router.log
        if log is not None:
            log.close()

    def __enter__(self) -> ModelServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown()

    def _watch(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            self.reload()

    def health(self) -> dict[str, Any]:
        """The ``GET /healthz`` document."""
        return {
            "status": "ok",
            "champion": self.deployment.router.champion.version,
            "reload_error": self.reload_error,
            # The promise of this server: it scores without a JVM in the process.
            "pyspark_loaded": "pyspark" in sys.modules,
        }


class _Handler(BaseHTTPRequestHandler):
    server_version = "labkit-serve"
    # HTTP/1.0: one request per connection, so no idle keep-alive thread can
    # hold a shutdown open.
    protocol_version = "HTTP/1.0"

    @property
    def model_server(self) -> ModelServer:
        return self.server.model_server  # type: ignore[attr-defined]

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path == "/healthz":
            self._send(HTTPStatus.OK, self.model_server.health())
        elif self.path == "/models":
            self._send(HTTPStatus.OK, self.model_server.deployment.router.versions())
        elif self.path == "/predict":
            self._error(HTTPStatus.METHOD_NOT_ALLOWED, "use POST for /predict", "method")
        else:
            self._error(HTTPStatus.NOT_FOUND, f"no endpoint {self.path!r}; see GET /models", "path")

    def do_POST(self) -> None:  # noqa: N802
        if self.path != "/predict":
            self._error(HTTPStatus.NOT_FOUND, f"no endpoint {self.path!r}; POST /predict", "path")
            return
        try:
            self._send(HTTPStatus.OK, self._predict(self._read_body()))
        except BadRequest as error:
            self._error(error.http_status, str(error), error.field)
        except LabkitError as error:  # a scorer refusing a value the schema let through
            self._error(HTTPStatus.UNPROCESSABLE_ENTITY, str(error), getattr(error, "field", None))
        except Exception as error:  # noqa: BLE001 - answer 500 rather than drop the connection
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, f"{type(error).__name__}: {error}", None)

    def _read_body(self) -> bytes:
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            raise BadRequest("body: send a Content-Length header with the JSON body.", "body", 411)
        if int(length) > MAX_BODY_BYTES:
            raise BadRequest(
                f"body: {int(length):,} bytes; the limit is {MAX_BODY_BYTES:,}. Split the batch.",
                "body",
                413,
            )
        return self.rfile.read(int(length))

    def _predict(self, body: bytes) -> dict[str, Any]:
        deployment = self.model_server.deployment  # read once: old or new, never mixed
        request = parse_predict_request(body, deployment.schema)
        scored = deployment.router.predict_batch(request.rows, keys=request.keys)
        answers = [
            {
                "key": s.key,
                "arm": s.arm,
                "version": s.version,
                "output": s.output,
                "request_id": s.request_id,
            }
            for s in scored
        ]
        return {"results": answers} if request.batch else answers[0]

    def _error(self, status: int, message: str, field: str | None) -> None:
        self._send(status, {"error": message, "field": field})

    def _send(self, status: int, document: dict[str, Any]) -> None:
        body = json.dumps(document, default=_plain).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base signature
        if getattr(self.server, "access_log", False):
            sys.stderr.write(f"{self.address_string()} {format % args}\n")


def _plain(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"cannot send {type(value).__name__} as JSON")
