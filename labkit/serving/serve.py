"""Serve a registry's champion model over HTTP, without Spark.

Wires a :class:`~labkit.registry.Registry` to the
:class:`~labkit.serving.server.ModelServer`: the champion (and an optional
challenger with its share, shadow scoring and a control group) are loaded
from their exported ``scorer.json`` files; a promotion in the registry is
picked up within ``poll_seconds`` without a restart.

Examples
--------
Run it::

    labkit serve --registry models/ --port 8000 --challenger 1.1.0 --challenger-share 0.2 \\
        --shadow --log scoring.jsonl

then ``curl -s localhost:8000/models`` and
``curl -s -d '{"key": "u1", "row": {...}}' localhost:8000/predict``.
"""

from __future__ import annotations

import argparse
import math
import signal
import threading
from pathlib import Path
from typing import Any

from labkit.errors import InvalidRouting, ModelNotFound
from labkit.registry import Registry
from labkit.serving.log import ScoringLog
from labkit.serving.requests import NUMBER, STRING
from labkit.serving.router import Router, Versioned
from labkit.serving.server import Deployment, ModelServer, ServerLimits


def load_version(registry: Registry, version: str) -> Versioned:
    """Load one registry version's exported scorer (its sha256 checked), tagged with its version."""
    return Versioned(registry.load_scorer(version), version)


def input_schema(scorer: Any) -> dict[str, str]:
    """The fields a request row must have: name -> ``"number"`` or ``"string"``.

    Read from an exported scorer's ``input_schema`` (its required raw columns).

    Raises
    ------
    InvalidRouting
        When the model reads a column JSON cannot carry (a vector).
    """
    inner = getattr(scorer, "scorer", scorer)
    kinds = {"double": NUMBER, "string": STRING}
    schema = {}
    for column in inner.input_schema:
        if not column["required"]:
            continue
        if column["type"] not in kinds:
            raise InvalidRouting(
                f"the model reads {column['name']!r} as a {column['type']}; the server takes "
                "raw numbers and strings only. Export the whole pipeline, features included."
            )
        schema[column["name"]] = kinds[column["type"]]
    return schema


def registry_server(
    registry: Registry | str | Path,
    *,
    challenger: str | None = None,
    challenger_share: float = 0.0,
    shadow: bool = False,
    control_share: float = 0.0,
    log: ScoringLog | None = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    poll_seconds: float = 1.0,
    access_log: bool = False,
    limits: ServerLimits | None = None,
) -> ModelServer:
    """Build a server for ``registry``'s champion (not started: call ``start()`` or use ``with``).

    When the champion changes to the challenger's version, the challenger's
    slot empties (it won); any other new champion keeps the challenger.

    Raises
    ------
    ModelNotFound
        When the registry has no champion yet, or ``challenger`` is not a version.

    Examples
    --------
    >>> with registry_server("models/", port=0) as server:
    ...     print(server.url)  # doctest: +SKIP
    http://127.0.0.1:...
    """
    registry = registry if isinstance(registry, Registry) else Registry(registry)
    challenger_model = load_version(registry, challenger) if challenger else None

    def champion_version() -> str:
        version = registry.champion_version()
        if version is None:
            raise ModelNotFound(
                f"{registry.root} has no champion yet: promote a version first "
                "(`labkit models promote VERSION`)."
            )
        return version

    def load() -> Deployment:
        champion = load_version(registry, champion_version())
        rival = challenger_model
        if rival is not None and rival.version == champion.version:
            rival = None
        router = Router(
            champion,
            rival,
            challenger_share=challenger_share if rival else 0.0,
            shadow=shadow,
            control_share=control_share,
            log=log,
        )
        return Deployment(router=router, schema=_shared_schema(champion, rival))

    return ModelServer(
        load,
        champion_version,
        host=host,
        port=port,
        poll_seconds=poll_seconds,
        access_log=access_log,
        limits=limits,
    )


def _shared_schema(champion: Versioned, challenger: Versioned | None) -> dict[str, str]:
    schema = input_schema(champion)
    if challenger is not None and input_schema(challenger) != schema:
        raise InvalidRouting(
            f"champion {champion.version} and challenger {challenger.version} take different "
            "inputs; one request could not feed both. Retrain the challenger on the same columns."
        )
    return schema


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``labkit serve``, each checked as it is read."""
    parser.add_argument("--registry", required=True, type=Path, help="model registry folder")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=port_number, default=8000,
                        help="port, 1-65535 (0: any free port)")  # fmt: skip
    parser.add_argument("--challenger", help="registry version to phase in beside the champion")
    parser.add_argument("--challenger-share", type=share, default=0.0,
                        help="share of keys (0-1) it answers; needs --challenger")  # fmt: skip
    parser.add_argument("--shadow", action="store_true", help="also score with the other model")
    parser.add_argument("--control-share", type=share, default=0.0,
                        help="share of keys (0-1) that get no model")  # fmt: skip
    parser.add_argument("--log", type=Path, help="append a JSON line per scored row to this file")
    parser.add_argument("--poll-seconds", type=positive_seconds, default=1.0,
                        help="how often to look for a new champion (seconds, above 0)")  # fmt: skip
    parser.add_argument("--access-log", action="store_true", help="print each request to stderr")


def port_number(text: str) -> int:
    """``--port``: 1 to 65535, or 0 for any free port.

    Examples
    --------
    >>> port_number("8000")
    8000
    >>> port_number("99999")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: 99999 is not a port number (1-65535, or 0 for any free port).
    """
    try:
        port = int(text)
    except ValueError:
        port = None
    if port is None or not 0 <= port <= 65535:
        shown = text if port is not None else repr(text)
        raise argparse.ArgumentTypeError(
            f"{shown} is not a port number (1-65535, or 0 for any free port)."
        )
    return port


def positive_seconds(text: str) -> float:
    """``--poll-seconds``: a finite number above 0 (0 or less would busy-loop).

    Examples
    --------
    >>> positive_seconds("0.5")
    0.5
    """
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise argparse.ArgumentTypeError(f"{text} is not a number of seconds above 0, e.g. 1.")
    return seconds


def share(text: str) -> float:
    """``--challenger-share`` / ``--control-share``: a number from 0 to 1.

    Examples
    --------
    >>> share("0.2")
    0.2
    """
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text} is not a share (a number from 0 to 1).")
    return value


def run(args: argparse.Namespace) -> int:
    """Serve until SIGINT or SIGTERM, then finish requests in flight (briefly) and exit 0."""
    if args.challenger_share > 0 and not args.challenger:
        raise InvalidRouting(
            f"--challenger-share needs --challenger: {args.challenger_share} of the keys would "
            "go to no model. Name the version to phase in, e.g. --challenger 1.1.0."
        )
    log = ScoringLog(args.log) if args.log else None
    server = registry_server(
        args.registry,
        challenger=args.challenger,
        challenger_share=args.challenger_share,
        shadow=args.shadow,
        control_share=args.control_share,
        log=log,
        host=args.host,
        port=args.port,
        poll_seconds=args.poll_seconds,
        access_log=args.access_log,
    )
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    server.start()
    print(f"labkit serve: {server.url} (champion {_champion(server)})", flush=True)
    while not stop.wait(0.5):  # short waits keep the signal handler responsive
        pass
    server.shutdown()
    print("labkit serve: stopped", flush=True)
    return 0


def _champion(server: ModelServer) -> str:
    return server.deployment.router.champion.version
