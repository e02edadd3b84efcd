"""A Spark Connect server for a workshop room: ``labkit connect-server``.

Attendees' laptops then need no Java: with ``LABKIT_SPARK_REMOTE=sc://HOST:PORT``
their notebooks send plans to this server, which runs them on its own cores
(the pip package of pyspark ships the server; it needs Java 17+ on this
machine only). The server runs in the foreground until Ctrl-C (or SIGTERM).

Sizing: every attendee session shares one driver JVM, so give it memory for
all of them (``--driver-memory``; measured figures are in the README's
"Instructors" section) and all the machine's cores (``--master local[*]``).
Data and saved models are read and written *by the server*: keep them in a
folder both the server and the attendees see at the same path.

Examples
--------
>>> command = server_command(port=15002, host="0.0.0.0", master="local[8]", driver_memory="16g")
>>> command[command.index("--class") + 1]
'org.apache.spark.sql.connect.service.SparkConnectServer'
>>> "spark.connect.grpc.binding.port=15002" in command
True
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from labkit.errors import ConnectServerUnreachable
from labkit.session import CONNECT_PORT, LAPTOP_CONF, REMOTE_ENV, check_java

SERVER_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"
#: Client-side settings are each session's own; these are the server's.
_SERVER_ONLY = ("spark.sql.shuffle.partitions", "spark.driver.memory")


def spark_home() -> Path:
    """The pip-installed pyspark's folder, which holds ``bin/spark-submit``."""
    import pyspark

    return Path(pyspark.__file__).resolve().parent


def server_command(
    *,
    port: int = CONNECT_PORT,
    host: str = "127.0.0.1",
    master: str = "local[*]",
    driver_memory: str = "4g",
) -> list[str]:
    """The ``spark-submit`` command line that runs a quiet Connect server."""
    conf = {key: value for key, value in LAPTOP_CONF.items() if key not in _SERVER_ONLY}
    conf |= {
        "spark.connect.grpc.binding.address": host,
        "spark.connect.grpc.binding.port": str(port),
        "spark.sql.shuffle.partitions": "4",
    }
    command = [
        str(spark_home() / "bin" / "spark-submit"),
        "--class",
        SERVER_CLASS,
        "--name",
        "labkit Spark Connect server",
        "--master",
        master,
        "--driver-memory",
        driver_memory,
    ]
    for key, value in conf.items():
        command += ["--conf", f"{key}={value}"]
    return command


def wait_for_port(host: str, port: int, *, timeout: float, process: subprocess.Popen) -> float:
    """Wait until ``host:port`` accepts connections; return the seconds it took.

    Raises
    ------
    ConnectServerUnreachable
        When the server process exits first, or ``timeout`` passes.
    """
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise ConnectServerUnreachable(
                f"The Spark Connect server exited with code {process.returncode} before "
                f"listening on {host}:{port}: see its log for the reason (often the port is taken)."
            )
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1):
            return time.monotonic() - started
        time.sleep(0.25)
    raise ConnectServerUnreachable(
        f"The Spark Connect server did not listen on {host}:{port} within {timeout:.0f} s."
    )


class ConnectServer:
    """A Spark Connect server in a child process, stopped when the block ends.

    Used by the tests and by ``labkit connect-server``. ``url`` is what
    clients set as ``LABKIT_SPARK_REMOTE``.

    Parameters
    ----------
    port : int
        Port to listen on.
    log : Path
        File that receives the server's own output.
    host, master, driver_memory : str
        Where to listen, the server's Spark master, and its JVM heap.
    start_timeout : float, default=180
        Seconds to wait for the port to open (a loaded machine is slow).
    cwd : Path, optional
        The server's working directory: Spark resolves *relative* paths that
        clients send (``spark.read.csv("scratch/x.csv")``) against it, not
        against the client's. Defaults to the current directory.
    """

    def __init__(
        self,
        port: int,
        log: Path,
        *,
        host: str = "127.0.0.1",
        master: str = "local[2]",
        driver_memory: str = "2g",
        start_timeout: float = 180.0,
        cwd: Path | None = None,
    ) -> None:
        self.host, self.port, self.log = host, port, Path(log)
        self._command = server_command(
            port=port, host=host, master=master, driver_memory=driver_memory
        )
        self._timeout = start_timeout
        self.cwd = cwd
        self.process: subprocess.Popen | None = None
        self.start_seconds = 0.0

    @property
    def url(self) -> str:
        """The ``sc://host:port`` address clients connect to."""
        return f"sc://{self.host}:{self.port}"

    def start(self) -> ConnectServer:
        """Start the server and wait until it listens."""
        check_java()
        env = {k: v for k, v in os.environ.items() if k not in ("SPARK_LOCAL_IP", REMOTE_ENV)}
        if self.host != "0.0.0.0":
            env["SPARK_LOCAL_IP"] = self.host
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                self._command,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=self.cwd,
                start_new_session=True,
            )
        try:
            self.start_seconds = wait_for_port(
                self.host if self.host != "0.0.0.0" else "127.0.0.1",
                self.port,
                timeout=self._timeout,
                process=self.process,
            )
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self, grace: float = 20.0) -> None:
        """Stop the server (SIGTERM to its process group, then SIGKILL after ``grace`` s)."""
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(grace)

    def __enter__(self) -> ConnectServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``connect-server`` sub-command's options."""
    parser.add_argument(
        "--host",
        default="0.0.0.0",
        help="address to listen on (default: every interface, for a room)",
    )
    parser.add_argument("--port", type=_port, default=CONNECT_PORT, help="default: 15002")
    parser.add_argument("--master", default="local[*]", help="default: all of this machine's cores")
    parser.add_argument(
        "--driver-memory",
        default="8g",
        help="JVM heap shared by every attendee session (default: 8g)",
    )
    parser.add_argument(
        "--log",
        type=Path,
        default=Path("labkit-connect-server.log"),
        help="the server's own log (default: ./labkit-connect-server.log)",
    )


def _port(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 1-65535, got {value}")
    return value


def run(args: argparse.Namespace) -> int:
    """Start the server, print what attendees type, and wait for Ctrl-C."""
    server = ConnectServer(
        args.port, args.log, host=args.host, master=args.master, driver_memory=args.driver_memory
    )
    server.start()
    name = socket.gethostname() if args.host == "0.0.0.0" else args.host
    print(
        f"Spark Connect server listening on {args.host}:{args.port} "
        f"(started in {server.start_seconds:.0f} s; log: {args.log}).\n"
        f"Attendees: export LABKIT_SPARK_REMOTE=sc://{name}:{args.port} && make lab\n"
        "Stop with Ctrl-C.",
        flush=True,
    )
    try:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        server.process.wait()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.stop()
    return 0
