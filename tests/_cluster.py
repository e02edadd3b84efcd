"""A throwaway Spark standalone cluster (one master, one worker) on 127.0.0.1.

The pip ``pyspark`` package has no ``start-master.sh``, but it does ship
``bin/spark-class``, which execs the JVM in place: the PID we start *is* the
master's (or worker's) JVM, so we can stop it by PID. Logs and work directories
go in a folder the caller owns (a pytest ``tmp_path``), so nothing is left behind.

Used by ``tests/test_cluster.py`` and ``benchmarks/scaling.py``::

    with StandaloneCluster(tmp_path) as cluster:
        env = {**os.environ, "LABKIT_SPARK_MASTER": cluster.master_url}
        subprocess.run([sys.executable, "script.py"], env=env, check=True)
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil

#: How long a master or worker may take to come up on a busy 2-core machine (a wait,
#: not a sleep: a daemon that dies fails at once).
START_TIMEOUT_S = 240.0
#: How long a JVM gets to exit after SIGTERM before it is killed.
STOP_TIMEOUT_S = 15.0


class ClusterStartError(RuntimeError):
    """A master or worker did not come up; the message carries its log's tail."""


def spark_class() -> Path:
    """Return the installed pyspark's ``bin/spark-class``."""
    import pyspark

    return Path(pyspark.__file__).resolve().parent / "bin" / "spark-class"


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tail(path: Path, lines: int = 30) -> str:
    """Return the last ``lines`` lines of a log file (empty if it does not exist)."""
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class _Daemon:
    """One JVM started from spark-class, with its log file."""

    name: str
    process: subprocess.Popen
    log: Path
    descendants: list[psutil.Process] = field(default_factory=list)


class StandaloneCluster:
    """One master and one worker on 127.0.0.1, on free ports, stopped by PID.

    Parameters
    ----------
    folder : Path
        Where logs (``logs/``), the worker's work directory (``work/``) and
        Spark's scratch space (``local/``) go.
    cores : int, default=2
        Cores the worker offers (the executor gets all of them, like ``local[2]``).
    memory : str, default="2g"
        Memory the worker offers to executors.

    Examples
    --------
    >>> with StandaloneCluster(tmp_path) as cluster:  # doctest: +SKIP
    ...     cluster.master_url
    'spark://127.0.0.1:40123'
    """

    def __init__(self, folder: Path, *, cores: int = 2, memory: str = "2g") -> None:
        self.folder = Path(folder)
        self.cores = cores
        self.memory = memory
        self.master_port = free_port()
        self.master_ui_port = free_port()
        self.daemons: list[_Daemon] = []

    @property
    def master_url(self) -> str:
        """The URL a SparkSession connects to."""
        return f"spark://127.0.0.1:{self.master_port}"

    @property
    def master_ui_url(self) -> str:
        """The master's web UI (its ``/json/`` page is the health check)."""
        return f"http://127.0.0.1:{self.master_ui_port}"

    def env(self) -> dict[str, str]:
        """Environment for the daemons: loopback only, and every file inside ``folder``."""
        return {
            **os.environ,
            "SPARK_LOCAL_IP": "127.0.0.1",
            "SPARK_LOG_DIR": str(self.folder / "logs"),
            "SPARK_WORKER_DIR": str(self.folder / "work"),
            "SPARK_LOCAL_DIRS": str(self.folder / "local"),
            "PYSPARK_PYTHON": sys.executable,
        }

    # -- starting -----------------------------------------------------------

    def start(self) -> StandaloneCluster:
        """Start the master, wait until it is ALIVE, then the worker, until it registers."""
        for sub in ("logs", "work", "local"):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)
        try:
            master = self._launch(
                "master",
                "org.apache.spark.deploy.master.Master",
                ["--host", "127.0.0.1", "--port", str(self.master_port),
                 "--webui-port", str(self.master_ui_port)],
            )  # fmt: skip
            self._wait_for(master, lambda state: state.get("status") == "ALIVE")
            worker = self._launch(
                "worker",
                "org.apache.spark.deploy.worker.Worker",
                [self.master_url, "--host", "127.0.0.1", "--port", str(free_port()),
                 "--webui-port", str(free_port()), "--cores", str(self.cores),
                 "--memory", self.memory, "--work-dir", str(self.folder / "work")],
            )  # fmt: skip
            self._wait_for(worker, lambda state: len(self.alive_workers(state)) == 1)
        except BaseException:
            self.stop()
            raise
        return self

    def _launch(self, name: str, main_class: str, args: list[str]) -> _Daemon:
        log = self.folder / "logs" / f"{name}.log"
        with open(log, "wb") as out:
            process = subprocess.Popen(
                [str(spark_class()), main_class, *args],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self.env(),
                cwd=self.folder,
            )
        daemon = _Daemon(name, process, log)
        self.daemons.append(daemon)
        return daemon

    def _wait_for(self, daemon: _Daemon, ready, timeout: float = START_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if daemon.process.poll() is not None:
                raise ClusterStartError(
                    f"The Spark {daemon.name} exited with status {daemon.process.returncode} "
                    f"while starting. Last lines of {daemon.log}:\n{tail(daemon.log)}"
                )
            state = self.master_state()
            if state is not None and ready(state):
                return
            time.sleep(0.3)
        raise ClusterStartError(
            f"The Spark {daemon.name} was not ready after {timeout:.0f} s. "
            f"Last lines of {daemon.log}:\n{tail(daemon.log)}"
        )

    # -- health -------------------------------------------------------------

    def master_state(self) -> dict | None:
        """The master's ``/json/`` status page as a dict, or None while it is not serving."""
        try:
            with urllib.request.urlopen(f"{self.master_ui_url}/json/", timeout=5) as response:
                return json.load(response)
        except (urllib.error.URLError, ConnectionError, TimeoutError, json.JSONDecodeError):
            return None

    @staticmethod
    def alive_workers(state: dict) -> list[dict]:
        """The workers the master reports as ALIVE."""
        return [w for w in state.get("workers", []) if w.get("state") == "ALIVE"]

    def pids(self) -> list[int]:
        """PIDs of the master and worker JVMs (the processes spark-class exec'd into)."""
        return [d.process.pid for d in self.daemons]

    # -- stopping -----------------------------------------------------------

    def stop(self) -> None:
        """Stop the worker, then the master, by PID: SIGTERM, then SIGKILL after a grace period.

        Executors the worker launched are children of the worker JVM; any that
        outlive it are killed by PID too.
        """
        for daemon in reversed(self.daemons):
            with contextlib.suppress(psutil.Error):
                daemon.descendants = psutil.Process(daemon.process.pid).children(recursive=True)
            _terminate(daemon.process)
            for child in daemon.descendants:
                _kill_leftover(child)

    def __enter__(self) -> StandaloneCluster:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def _terminate(process: subprocess.Popen) -> None:
    """SIGTERM ``process``, wait, SIGKILL if it is still there."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT_S)


def _kill_leftover(process: psutil.Process) -> None:
    """Kill a leftover child by PID; psutil refuses if the PID now belongs to someone else."""
    with contextlib.suppress(psutil.NoSuchProcess):
        process.kill()
