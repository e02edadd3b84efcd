"""One quiet, laptop-tuned SparkSession per process.

Spark's defaults are made for a cluster: a web UI, 200 shuffle partitions,
progress bars and INFO logs. On a two-core laptop in JupyterLab they cost
seconds and fill notebooks with noise, so :func:`get_spark` turns them off.

The JVM writes straight to the process's file descriptors 1 and 2, past
Python's ``sys.stdout``. Inside Jupyter those lines land in whichever cell
happens to be running (or not, under nbval), so while the JVM starts we point
fds 1 and 2 at a log file; the JVM keeps that file for its whole life.

With ``$LABKIT_SPARK_REMOTE`` (or ``remote=``) set to a Spark Connect URL such
as ``sc://host:15002``, the session is a thin client of a server elsewhere:
no JVM starts here, so no Java is needed on this machine. The server is
checked first (reachable, same Spark version) so a mistake gets a clear error
instead of a minute of gRPC retries.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from labkit.errors import (
    ConfigError,
    ConnectServerUnreachable,
    ConnectVersionMismatch,
    JavaNotFound,
    JavaTooOld,
)

MIN_JAVA = 17
MASTER_ENV = "LABKIT_SPARK_MASTER"
REMOTE_ENV = "LABKIT_SPARK_REMOTE"
CONNECT_PORT = 15002
LOG_DIR_ENV = "LABKIT_LOG_DIR"
JVM_OPTIONS_ENV = "LABKIT_JVM_OPTIONS"
#: Java's quick client compiler only, and one GC thread: a laptop's Spark jobs are short, so
#: the optimising compiler's warm-up costs more CPU than it saves (about half a chapter's
#: CPU time, measured on 2 cores). Set $LABKIT_JVM_OPTIONS to "" for long jobs on big data.
FAST_START_JVM_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
_LOG4J_CONF = Path(__file__).with_name("conf") / "log4j2.properties"

#: Settings a Spark Connect client may change for its own session (the rest are the server's).
SESSION_CONF: dict[str, str] = {
    "spark.sql.shuffle.partitions": "4",
    "spark.sql.session.timeZone": "UTC",
}

#: Settings for a laptop: no UI, a few shuffle partitions, quiet logs.
LAPTOP_CONF: dict[str, str] = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.default.parallelism": "4",
    "spark.driver.memory": os.environ.get("LABKIT_DRIVER_MEMORY", "2g"),
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.driver.extraJavaOptions": (
        f"-Dlog4j.configurationFile=file:{_LOG4J_CONF} -Ddev.ludovic.netlib.blas.allowNative=false "
        + os.environ.get(JVM_OPTIONS_ENV, FAST_START_JVM_OPTIONS)
    ).strip(),
}

_JAVA_FIX = (
    "Install Java 17 or newer and make it the one Spark uses:\n"
    "  conda:          conda install -c conda-forge openjdk=17\n"
    "  Debian/Ubuntu:  sudo apt-get install openjdk-17-jre-headless\n"
    "  macOS:          brew install openjdk@17\n"
    "then point JAVA_HOME at it (export JAVA_HOME=/path/to/jdk) or put its bin/ on PATH."
)


@dataclass(frozen=True)
class JavaInfo:
    """The Java runtime Spark will start.

    Examples
    --------
    >>> java = check_java()
    >>> java.major >= 17
    True
    """

    executable: str
    version: str
    major: int


def find_java() -> str | None:
    """Return the ``java`` Spark will use: ``$JAVA_HOME/bin/java``, else the one on PATH."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        candidate = Path(java_home) / "bin" / "java"
        return str(candidate) if candidate.exists() else None
    return shutil.which("java")


def parse_java_version(text: str) -> tuple[str, int]:
    """Return (version string, major number) from ``java -version`` output.

    Examples
    --------
    >>> parse_java_version('openjdk version "17.0.15" 2025-04-15')
    ('17.0.15', 17)
    >>> parse_java_version('java version "1.8.0_392"')
    ('1.8.0_392', 8)
    """
    match = re.search(r'version "([^"]+)"', text)
    if not match:
        raise ValueError(f"no version in java -version output: {text[:200]!r}")
    version = match.group(1)
    parts = version.split(".")
    major = int(parts[1]) if parts[0] == "1" else int(re.match(r"\d+", parts[0]).group())
    return version, major


def check_java(minimum: int = MIN_JAVA) -> JavaInfo:
    """Check that a Java runtime of at least ``minimum`` is available.

    Raises
    ------
    JavaNotFound
        When neither ``$JAVA_HOME/bin/java`` nor ``java`` on PATH exists.
    JavaTooOld
        When the Java found is older than ``minimum``.
    """
    java = find_java()
    if java is None:
        where = (
            f"JAVA_HOME is set to {os.environ['JAVA_HOME']!r} but has no bin/java"
            if os.environ.get("JAVA_HOME")
            else "no `java` on PATH and JAVA_HOME is not set"
        )
        raise JavaNotFound(f"Spark needs Java {minimum}+, but {where}.\n{_JAVA_FIX}")
    result = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30)
    version, major = parse_java_version(result.stderr + result.stdout)
    if major < minimum:
        raise JavaTooOld(
            f"Spark 4 needs Java {minimum}+, but {java} is Java {version}.\n{_JAVA_FIX}"
        )
    return JavaInfo(executable=java, version=version, major=major)


def resolve_master(master: str | None = None) -> str:
    """Return the Spark master: the argument, else ``$LABKIT_SPARK_MASTER``, else ``local[*]``.

    Examples
    --------
    >>> resolve_master("local[2]")
    'local[2]'
    """
    return master or os.environ.get(MASTER_ENV) or "local[*]"


def jvm_log_path() -> Path:
    """Where the JVM's own stdout/stderr go: ``$LABKIT_LOG_DIR`` or the temp folder."""
    folder = Path(os.environ.get(LOG_DIR_ENV) or tempfile.gettempdir())
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"labkit-spark-{os.getpid()}.log"


@contextlib.contextmanager
def _fds_to(path: Path) -> Iterator[None]:
    """Point file descriptors 1 and 2 at ``path`` for the block, then restore them."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    with open(path, "ab") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
    try:
        yield
    finally:
        for fd, original in zip((1, 2), saved, strict=True):
            os.dup2(original, fd)
            os.close(original)


def resolve_remote(remote: str | None = None) -> str | None:
    """Return the Spark Connect URL: the argument, else ``$LABKIT_SPARK_REMOTE``, else None.

    Examples
    --------
    >>> resolve_remote("sc://spark.example.org:15002")
    'sc://spark.example.org:15002'
    """
    return remote or os.environ.get(REMOTE_ENV) or None


def parse_remote(url: str) -> tuple[str, int]:
    """Return (host, port) of a Spark Connect URL ``sc://host[:port][/;param=value...]``.

    Examples
    --------
    >>> parse_remote("sc://teacher-laptop:15002/;user_id=ada")
    ('teacher-laptop', 15002)
    >>> parse_remote("sc://10.0.0.5")
    ('10.0.0.5', 15002)
    """
    match = re.fullmatch(r"sc://(\[[^\]]+\]|[^:/;]+)(?::(\d+))?(?:/.*)?", url.strip())
    if not match:
        raise ConfigError(
            f"{url!r} is not a Spark Connect URL. Expected sc://HOST:PORT, "
            f"e.g. {REMOTE_ENV}=sc://teacher-laptop:{CONNECT_PORT}."
        )
    return match.group(1).strip("[]"), int(match.group(2) or CONNECT_PORT)


def check_connect_server(url: str, timeout: float = 5.0) -> None:
    """Raise :class:`ConnectServerUnreachable` unless something listens at ``url``'s host and port.

    A plain TCP connection, so a typo or a stopped server is reported in
    seconds instead of after the Connect client's retries.
    """
    host, port = parse_remote(url)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return
    except OSError as error:
        raise ConnectServerUnreachable(
            f"No Spark Connect server answers at {url} ({host}:{port}: {error}). "
            "Check the address with your instructor, that the server is running "
            "(`labkit connect-server` on the server machine), and that no firewall blocks "
            f"port {port}; or unset {REMOTE_ENV} to run Spark on this machine (needs Java)."
        ) from error


def check_versions(server: str, client: str) -> None:
    """Raise :class:`ConnectVersionMismatch` unless both Spark versions share major.minor.

    Examples
    --------
    >>> check_versions("4.3.0", "4.3.1")
    >>> check_versions("3.5.1", "4.3.0")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    labkit.errors.ConnectVersionMismatch: The Spark Connect server runs Spark 3.5.1 ...
    """
    if server.split(".")[:2] != client.split(".")[:2]:
        raise ConnectVersionMismatch(
            f"The Spark Connect server runs Spark {server} but this machine's pyspark is "
            f"{client}: ML models and plans differ between versions. Install the server's "
            f'version here (pip install "pyspark[connect]=={server}") or ask for a {client} server.'
        )


def is_connect(spark) -> bool:
    """True when ``spark`` is a Spark Connect client session (no ``sparkContext``, no JVM here)."""
    return type(spark).__module__.startswith("pyspark.sql.connect")


def get_spark(app_name: str = "labkit", master: str | None = None, *, remote: str | None = None):
    """Return this process's SparkSession, starting a quiet, laptop-tuned one if needed.

    Parameters
    ----------
    app_name : str, default="labkit"
        Name shown in the cluster manager.
    master : str, optional
        Spark master URL. Defaults to ``$LABKIT_SPARK_MASTER``, else ``local[*]``,
        so the same notebook runs unchanged against a cluster.
    remote : str, optional
        A Spark Connect URL (``sc://host:15002``). Defaults to
        ``$LABKIT_SPARK_REMOTE``; when set, this machine needs no Java.

    Returns
    -------
    spark : pyspark.sql.SparkSession

    Raises
    ------
    JavaNotFound, JavaTooOld
        When no suitable Java is installed; the message says how to install one.
    ConnectServerUnreachable, ConnectVersionMismatch
        With a remote: no server answers there, or it runs another Spark version.

    Examples
    --------
    >>> spark = get_spark()
    >>> spark.range(3).count()
    3
    """
    from pyspark.sql import SparkSession

    url = resolve_remote(remote)
    if url and master:
        raise ConfigError(
            f"Both a Spark master ({master}) and a Spark Connect server ({url}) were given: "
            f"pick one (unset {REMOTE_ENV} to use the master)."
        )
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    if url:
        return _connect(app_name, url)
    check_java()
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    # Workers must run the same Python as the driver, also in a venv.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName(app_name).master(resolve_master(master))
    for key, value in LAPTOP_CONF.items():
        builder = builder.config(key, value)
    with _fds_to(jvm_log_path()):
        spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _connect(app_name: str, url: str):
    """A Spark Connect client session to ``url``, checked and tuned like a local one."""
    import pyspark
    from pyspark.sql import SparkSession

    check_connect_server(url)
    spark = SparkSession.builder.remote(url).appName(app_name).getOrCreate()
    check_versions(spark.version, pyspark.__version__)
    for key, value in SESSION_CONF.items():
        spark.conf.set(key, value)
    return spark
