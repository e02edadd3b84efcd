"""A small JSON model server on the standard library's ``ThreadingHTTPServer``.

Endpoints::

    POST /predict   one row {"key", "row"} or a batch {"keys", "rows"} -> outputs
    GET  /healthz   {"status": "ok" | "degraded", "champion", "registry_champion", ...}
    GET  /models    the versions in play, the challenger's share, shadow on/off

The server holds one :class:`~labkit.serving.Router` at a time. A watcher
thread asks the model source every ``poll_seconds`` which version is
champion; when it changes, the new model is loaded *beside* the old one and
the router reference is swapped in one assignment. A request reads the
reference once, so it is answered entirely by the old router or entirely by
the new one, and none is dropped.

A client cannot hold the server: every connection has a read timeout, the
connections and the request bytes held at once are capped (:class:`ServerLimits`;
beyond them the answer is 503 with ``Retry-After``), a body over the size
limit is refused with 413 before it is read, and a shutdown waits for
requests in flight for at most ``drain_seconds``. Every answer, errors
included, is strict JSON (:mod:`labkit._json`) with the status of the error's
class (``http_status``).

Why the standard library: scoring an exported model is pure Python holding
the GIL for microseconds, so an async framework would add dependencies
(an ASGI server and a framework) without adding throughput on one process;
``http.server`` is always there, and the whole request path stays readable.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from typing import Any

from labkit.errors import ServingError
from labkit.serving._handler import Handler, refuse_connection
from labkit.serving.router import Router


@dataclass(frozen=True)
class Deployment:
    """What the server is serving: the router and the input schema its models share."""

    router: Router
    schema: dict[str, str]


@dataclass(frozen=True)
class ServerLimits:
    """What one client, or all of them together, may hold of the server.

    Parameters
    ----------
    max_connections : int, default=64
        Connections handled at once; more get 503 at once.
    max_body_bytes : int, default=4 MiB
        Largest request body (about 15,000 Adult rows); a larger one gets 413 unread.
    max_bytes_in_flight : int, default=16 MiB
        Request bodies being received or parsed at once; past it, 503.
    request_timeout : float, default=10.0
        Seconds a connection may wait for each part of a request (headers, body).
    drain_seconds : float, default=5.0
        How long a shutdown waits for requests in flight.

    Examples
    --------
    >>> ServerLimits(max_connections=8).max_body_bytes
    4194304
    """

    max_connections: int = 64
    max_body_bytes: int = 4 * 1024 * 1024
    max_bytes_in_flight: int = 16 * 1024 * 1024
    request_timeout: float = 10.0
    drain_seconds: float = 5.0


class ModelServer:
    """Serve a deployment over HTTP and swap it when the champion changes.

    Parameters
    ----------
    load : callable
        Returns the current :class:`Deployment`; called at start and whenever
        ``champion_version`` reports a new version.
    champion_version : callable
        Returns the champion's version; cheap, called every ``poll_seconds``
        and by ``GET /healthz``.
    host : str, default="127.0.0.1"
    port : int, default=8000
        0 picks a free port (see :attr:`port` after construction).
    poll_seconds : float, default=1.0
        How often to look for a newly promoted champion.
    access_log : bool, default=False
        Print one line per request to stderr.
    limits : ServerLimits, optional
        Timeouts and caps (defaults: :class:`ServerLimits`).

    Examples
    --------
    >>> import json, urllib.request
    >>> from labkit.serving import Router, Versioned
    >>> class Half:
    ...     def predict(self, row): return {"probability": 0.5}
    ...     def predict_batch(self, rows): return [self.predict(r) for r in rows]
    >>> deployment = Deployment(Router(Versioned(Half(), "1")), {"age": "number"})
    >>> with ModelServer(lambda: deployment, lambda: "1", port=0) as server:
    ...     with urllib.request.urlopen(server.url + "/healthz") as answer:
    ...         json.load(answer)["status"]
    'ok'
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
        limits: ServerLimits | None = None,
    ) -> None:
        self._load = load
        self._champion_version = champion_version
        self.poll_seconds = poll_seconds
        self.limits = limits or ServerLimits()
        self.deployment = load()
        self.reload_error: str | None = None
        self._failed_version: str | None = None
        self._stop = threading.Event()
        try:
            self._httpd = _HTTPServer((host, port), self.limits)
        except OSError as exc:
            raise ServingError(
                f"cannot listen on {host}:{port}: {exc.strerror}. Is another server using the "
                "port? Stop it, or pick another port (0 picks a free one)."
            ) from exc
        self._httpd.model_server = self
        self._httpd.access_log = access_log
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
        :attr:`reload_error` (shown by ``GET /healthz``, which then says ``degraded``).
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
                                 name="labkit-serve-http", daemon=True)  # fmt: skip
        watch = threading.Thread(target=self._watch, name="labkit-serve-watch", daemon=True)
        for thread in (serve, watch):
            thread.start()
            self._threads.append(thread)
        return self

    def shutdown(self) -> None:
        """Stop accepting, wait up to ``drain_seconds`` for requests in flight, close the log."""
        self._stop.set()
        if self._threads:
            self._httpd.shutdown()
        self._httpd.server_close()  # stop accepting: new clients are refused by the OS
        self._httpd.drain(self.limits.drain_seconds)
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
        """The ``GET /healthz`` document: ``degraded`` when the registry's champion is not served.

        ``reload_error`` then says why (the new champion failed to load, or the
        registry could not be read); ``champion`` is the version answering.
        """
        served = self.deployment.router.champion.version
        try:
            wanted: str | None = self._champion_version()
            source_error = None
        except Exception as exc:  # noqa: BLE001 - health must answer whatever the registry does
            wanted, source_error = None, f"{type(exc).__name__}: {exc}"
        healthy = wanted == served and self.reload_error is None
        return {
            "status": "ok" if healthy else "degraded",
            "champion": served,
            "registry_champion": wanted,
            "reload_error": self.reload_error or source_error,
            # The promise of this server: it scores without a JVM in the process.
            "pyspark_loaded": "pyspark" in sys.modules,
        }


class _HTTPServer(ThreadingHTTPServer):
    """Daemon handler threads, a connection cap, a budget of body bytes, a bounded drain."""

    daemon_threads = True  # a silent client must not keep the process alive
    block_on_close = False  # server_close() must not join them either: drain() is bounded

    def __init__(self, address: tuple[str, int], limits: ServerLimits) -> None:
        super().__init__(address, Handler)
        self.limits = limits
        self.model_server: ModelServer | None = None
        self.access_log = False
        self._slots = threading.BoundedSemaphore(limits.max_connections)
        self._lock = threading.Condition()
        self._bytes_in_flight = 0
        self._requests_in_flight = 0

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            refuse_connection(request, self.limits.max_connections)
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except Exception:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            return  # the client went away or went quiet: nothing to report
        sys.stderr.write(f"labkit serve: {client_address[0]}: {type(error).__name__}: {error}\n")

    def take_bytes(self, count: int) -> bool:
        """Reserve ``count`` body bytes of the budget; False when it would be exceeded."""
        with self._lock:
            if self._bytes_in_flight + count > self.limits.max_bytes_in_flight:
                return False
            self._bytes_in_flight += count
            return True

    def give_bytes(self, count: int) -> None:
        with self._lock:
            self._bytes_in_flight -= count

    def request_started(self) -> None:
        with self._lock:
            self._requests_in_flight += 1

    def request_finished(self) -> None:
        with self._lock:
            self._requests_in_flight -= 1
            self._lock.notify_all()

    def drain(self, seconds: float) -> bool:
        """Wait up to ``seconds`` for requests in flight; return whether all finished."""
        with self._lock:
            return self._lock.wait_for(lambda: self._requests_in_flight == 0, timeout=seconds)
