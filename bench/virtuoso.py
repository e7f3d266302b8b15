"""Start and stop a Virtuoso (open source 7.2, Debian's package) on loopback,
for tests and benchmarks, the way ``bench.servers.OxigraphServer`` does.

``VirtuosoServer(folder).start()`` writes a ``virtuoso.ini`` into ``folder``
(database, HTTP port and SQL port on 127.0.0.1, free ports), runs
``virtuoso-t +foreground`` and waits until ``/sparql`` answers. The
executable comes from ``apt-get install virtuoso-opensource-7-bin`` (the
``virtuoso`` target of the Makefile; that package alone has no debconf
question), or from ``$VIRTUOSO_HOME/usr/bin`` after ``apt-get download
virtuoso-opensource-7-bin && dpkg-deb -x virtuoso-opensource-7-bin_*.deb
$VIRTUOSO_HOME`` (it needs ``libpcre3``).

The instance is for loopback tests: ``DirsAllowed = /`` lets its bulk loader
read the test's temporary files, and the ``dba`` password stays Virtuoso's
default.

Its HTTP server keeps the fronts' connections: each `kg serve` thread holds
one keep-alive connection to the engine (``kg.storage.remote``), and with
Virtuoso's defaults (``KeepAliveTimeout`` 10 s, a few dozen kept
connections, ``MaxKeepAlives``) a connection idle for 10 s, or the oldest
past the limit, is closed, so the next query on it fails and is sent again
on a new one (measured: of 40 idle connections, 13 were dropped at each
round). ``MaxKeepAlives = 128`` and ``KeepAliveTimeout = 120`` keep them.

Its vectored executor is set for many small queries: a page asks some
twenty selective queries, and with the default ``VectorSize`` (10,000
rows per operator batch) each cost the engine 2.5-3.5 ms of CPU;
``VectorSize = 1000`` with ``AdjustVectorSize = 1`` (batches grow for the
queries that scan) brought the same queries to 1.2-1.4 ms, and a full
scan was no slower (``python -m bench.balancer --direct`` measures it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path

from bench.servers import answers_ok, free_port, stop_process, wait_until_ready

INI = """[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
LiteMode = 0
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 16
CheckpointInterval = 60
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
DirsAllowed = /
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 4
VectorSize = 1000
AdjustVectorSize = 1

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {root}
MaxClientConnections = 16
ServerThreads = 16
MaxKeepAlives = 128
KeepAliveTimeout = 120
EnabledDavVSP = 0

[SPARQL]
ResultSetMaxRows = 10000000
MaxQueryExecutionTime = 300
MaxQueryCostEstimationTime = 0
"""


# The lines of INI that tune Virtuoso for the service (see the module doc);
# ``VirtuosoServer(tuned=False)`` leaves them out, to compare.
TUNING = ("VectorSize = 1000", "AdjustVectorSize = 1", "MaxKeepAlives = 128", "KeepAliveTimeout = 120")


def virtuoso_executable() -> str | None:
    """``virtuoso-t`` from ``$VIRTUOSO_HOME`` (an unpacked package) or ``PATH``."""
    home = os.environ.get("VIRTUOSO_HOME")
    if home and (Path(home) / "usr" / "bin" / "virtuoso-t").exists():
        return str(Path(home) / "usr" / "bin" / "virtuoso-t")
    return shutil.which("virtuoso-t") or (shutil.which("virtuoso-t", path="/usr/bin:/usr/sbin"))


def missing_reason() -> str | None:
    """Why Virtuoso cannot be started here, or None."""
    from kg.storage.virtuoso import isql_executable

    if virtuoso_executable() is None or isql_executable() is None:
        return ("Virtuoso is not installed: `make virtuoso` (root: apt-get install virtuoso-opensource-7-bin), "
                "or unpack the Debian package and set VIRTUOSO_HOME")
    return None


class VirtuosoServer:
    """A ``virtuoso-t`` process; ``query_url`` (``/sparql``) and ``isql``
    (``127.0.0.1:PORT`` of its SQL server, for ``kg load --isql``)."""

    def __init__(self, folder: str | Path, *, http_port: int | None = None, sql_port: int | None = None,
                 buffers: int = 20000, log: str | Path | None = None, tuned: bool = True):
        self.folder = Path(folder).resolve()
        self.http_port = http_port or free_port()
        self.sql_port = sql_port or free_port()
        self.buffers = buffers
        self.log = log
        self.tuned = tuned
        self.proc: subprocess.Popen | None = None
        self.query_url = f"http://127.0.0.1:{self.http_port}/sparql"
        self.isql = f"127.0.0.1:{self.sql_port}"

    def write_config(self) -> Path:
        db = self.folder / "db"
        db.mkdir(parents=True, exist_ok=True)
        ini = self.folder / "virtuoso.ini"
        text = INI.format(db=db, root=self.folder, sql_port=self.sql_port, http_port=self.http_port,
                          buffers=self.buffers, dirty=self.buffers * 3 // 4)
        if not self.tuned:
            text = "\n".join(line for line in text.split("\n") if line not in TUNING)
        ini.write_text(text)
        return ini

    def start(self, timeout: float = 120.0) -> "VirtuosoServer":
        exe = virtuoso_executable()
        if exe is None:
            raise RuntimeError(missing_reason() or "virtuoso-t is missing")
        ini = self.write_config()
        out = open(self.log, "ab") if self.log else open(self.folder / "virtuoso.out", "ab")
        env = dict(os.environ)
        if os.environ.get("VIRTUOSO_HOME"):  # an unpacked package: its libraries too
            lib = Path(os.environ["VIRTUOSO_HOME"]) / "usr" / "lib" / "x86_64-linux-gnu"
            env["LD_LIBRARY_PATH"] = f"{lib}:{env.get('LD_LIBRARY_PATH', '')}"
        self.proc = subprocess.Popen([exe, "+configfile", str(ini), "+foreground"], cwd=self.folder, stdout=out,
                                     stderr=subprocess.STDOUT, env=env)
        out.close()
        wait_until_ready(self.proc, self.answers, timeout, f"virtuoso-t (see {self.folder / 'db' / 'virtuoso.log'})")
        return self

    def answers(self) -> bool:
        return answers_ok(self.query_url + "?" + urllib.parse.urlencode({"query": "ASK {}"}))

    def stop(self) -> None:
        stop_process(self.proc, grace=30.0)

    def __enter__(self) -> "VirtuosoServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
