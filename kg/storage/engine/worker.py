"""A query worker: one process, one read-only store, one query at a time.

Started by ``kg.storage.engine.pool`` as ``python -m kg.storage.engine.worker``. It reads
requests (dicts) from one pipe and answers on another; the parent kills it
with SIGKILL when a query runs past its budget, which releases its CPU at
once. It dies with its parent (PR_SET_PDEATHSIG), so a killed server never
leaves workers behind; its address space is capped and it may not open
IPv4 / IPv6 sockets (seccomp), so no query can exhaust the machine or reach
the network. Results small enough are sent inline; larger ones
are spooled to a file the parent streams and deletes.
"""

from __future__ import annotations

import ctypes
import errno
import io
import os
import re
import resource
import signal
import socket
import sys
from multiprocessing.connection import Connection

import pyoxigraph as ox

from kg.model.errors import BadQuery, Forbidden, KGError
from kg.storage.engine.acks import Acks
from kg.storage.results import write_boolean, write_solutions, write_triples, table
from kg.storage.store import Store

INLINE_LIMIT = 256 * 1024
DISK_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.ENOENT, errno.EFBIG, errno.EACCES})
PR_SET_PDEATHSIG = 1
_POSITION = re.compile(r"error at (\d+):(\d+)")


def die_with_parent(parent_pid: int) -> None:
    """Ask Linux to SIGKILL this process when its parent dies."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent_pid:
        os._exit(0)


class Spool(io.RawIOBase):
    """A write-only sink: memory first, a file in ``spool_dir`` past a size."""

    def __init__(self, spool_dir: str, name: str):
        self.buffer = io.BytesIO()
        self.path = os.path.join(spool_dir, name)
        self.file = None

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        if self.file is None and self.buffer.tell() + len(data) > INLINE_LIMIT:
            self.file = open(self.path, "wb")
            self.file.write(self.buffer.getvalue())
            self.buffer = io.BytesIO()
        (self.file or self.buffer).write(data)
        return len(data)

    def finish(self) -> dict:
        if self.file is None:
            return {"inline": self.buffer.getvalue(), "path": None}
        self.file.close()
        return {"inline": None, "path": self.path}

    def discard(self) -> None:
        if self.file is not None:
            self.file.close()
            os.unlink(self.path)


def syntax_error(exc: SyntaxError) -> BadQuery:
    """The parser's message, with line and column when it gives them."""
    message = str(exc)
    detail = {}
    match = _POSITION.search(message)
    if match:
        detail = {"line": int(match.group(1)), "column": int(match.group(2))}
    return BadQuery(f"SPARQL syntax error: {message}", detail=detail)


def protocol_dataset(request: dict) -> tuple[list[str] | None, list[str] | None]:
    """(default graphs, named graphs) of the request's dataset, or (None, None).

    As the SPARQL 1.1 Protocol says (2.1.4), ``default-graph-uri`` and
    ``named-graph-uri`` together make the whole dataset: naming only named
    graphs leaves the default graph empty, naming only default graphs
    leaves no named graph (like ``FROM`` / ``FROM NAMED`` in a query).
    """
    default_graphs = list(request.get("default_graphs") or [])
    named_graphs = list(request.get("named_graphs") or [])
    if not default_graphs and not named_graphs:
        return None, None
    return default_graphs, named_graphs


def run(store: Store, request: dict, spool: Spool) -> dict:
    """Run one request; return what the parent needs to answer it."""
    default_graphs, named_graphs = protocol_dataset(request)
    try:
        result = store.query(
            request["query"],
            union_default_graph=request.get("union"),
            default_graphs=default_graphs,
            named_graphs=named_graphs,
            base_iri=request.get("base_iri"),
        )
    except SyntaxError as exc:
        raise syntax_error(exc) from None
    fmt, max_rows = request["format"], request["max_rows"]
    if fmt == "table":
        return {"table": table(result, max_rows=max_rows), "rows": None}
    if isinstance(result, ox.QueryBoolean):
        write_boolean(bool(result), spool, fmt)
        rows = 1
    elif isinstance(result, ox.QuerySolutions):
        rows = write_solutions(result, spool, fmt, max_rows=max_rows)
    else:
        rows = write_triples(result, spool, fmt, max_rows=max_rows, prefixes=request.get("prefixes"))
    return {**spool.finish(), "rows": rows}


def blocked_connection(exc: BaseException) -> Forbidden | None:
    """The error for a query the engine tried to answer over the network.

    The sandbox (``deny_network``) makes opening a socket fail with EACCES;
    the engine reports that as an ``OSError`` with no file name (a file the
    worker cannot open has one), or refuses the port itself. Either way only
    a SERVICE call can cause it, and the client should hear why.
    """
    if not isinstance(exc, OSError) or exc.filename is not None:
        return None
    message = str(exc)
    if "Permission denied" not in message and "not allowed for HTTP" not in message:
        return None
    return Forbidden(
        "The query tried to connect to another server (a federated SERVICE call) and was stopped: "
        "this endpoint never connects out. Query only this dataset.",
        detail={"refused": "SERVICE", "engine": message},
    )


def error_reply(exc: BaseException) -> tuple:
    """The reply to the parent for a failed request: a typed error's name, message, detail."""
    if isinstance(exc, KGError):
        return ("error", type(exc).__name__, exc.message, exc.detail)
    if isinstance(exc, SyntaxError):
        err = syntax_error(exc)
        return ("error", "BadQuery", err.message, err.detail)
    blocked = blocked_connection(exc)
    if blocked is not None:
        return ("error", "Forbidden", blocked.message, blocked.detail)
    if isinstance(exc, OSError) and exc.errno in DISK_ERRORS:
        # A full, read-only or vanished spool directory: the server's fault, and
        # the message names no server path.
        return ("error", "EngineUnavailable",
                f"The server could not write this query's result to its disk ({os.strerror(exc.errno)}); "
                "try again later, or ask for a smaller result (add a LIMIT).", {"disk": errno.errorcode.get(exc.errno, "")})
    if type(exc) is RuntimeError:
        # pyoxigraph reports a query it cannot evaluate (a function it does not
        # know, such as a misspelt xsd: cast) as a plain RuntimeError.
        return ("error", "BadQuery", f"The query cannot be evaluated: {exc}", {})
    return ("error", "EngineError", f"{type(exc).__name__}: {exc}", {})


def serve(store: Store, inbox: Connection, outbox: Connection, spool_dir: str, acks=None) -> None:
    """Answer requests until the parent closes the pipe. Each request is
    counted in ``acks`` (``kg.storage.engine.pool.Acks``) before it runs: the
    parent retries a request the worker never took, and only that one."""
    outbox.send(("ready", os.getpid()))
    number = 0
    while True:
        try:
            request = inbox.recv()
        except EOFError:
            return
        number += 1
        if acks is not None:
            acks.write(number)
        spool = Spool(spool_dir, f"{os.getpid()}-{number}.out")
        try:
            outbox.send(("ok", run(store, request, spool)))
        except Exception as exc:  # every failure is reported to the parent, which owns the error path
            spool.discard()
            outbox.send(error_reply(exc))


class _ArgCmp(ctypes.Structure):
    """libseccomp's ``struct scmp_arg_cmp``."""

    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("datum_a", ctypes.c_uint64), ("datum_b", ctypes.c_uint64)]


def deny_network() -> bool:
    """Forbid this process to open IPv4 / IPv6 sockets (seccomp, via libseccomp).

    Defence in depth behind the query guard: even a SERVICE the guard missed
    cannot connect anywhere. Returns False where libseccomp is missing.
    """
    try:
        lib = ctypes.CDLL("libseccomp.so.2")
    except OSError:
        return False
    allow, deny = 0x7FFF0000, 0x00050000 | errno.EACCES  # SCMP_ACT_ALLOW, SCMP_ACT_ERRNO(EACCES)
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint, ctypes.POINTER(_ArgCmp)]
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    ctx = lib.seccomp_init(allow)
    if not ctx:
        return False
    try:
        syscall = lib.seccomp_syscall_resolve_name(b"socket")
        for family in (socket.AF_INET, socket.AF_INET6):
            rule = _ArgCmp(0, 4, int(family), 0)  # argument 0 == family (SCMP_CMP_EQ)
            if lib.seccomp_rule_add_array(ctx, deny, syscall, 1, ctypes.byref(rule)) != 0:
                return False
        return lib.seccomp_load(ctx) == 0
    finally:
        lib.seccomp_release(ctx)


def limit_memory(megabytes: int) -> None:
    """Cap this process's address space: a query that needs more fails here,
    not on the whole machine (0: no cap)."""
    if megabytes > 0:
        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def main(argv: list[str]) -> None:
    store_path, parent_pid, fd_in, fd_out, spool_dir, union, memory_mb, acks_fd = argv
    die_with_parent(int(parent_pid))
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    limit_memory(int(memory_mb))
    if not deny_network():
        print("kg query worker: libseccomp unavailable, network not sandboxed (the query guard still applies)", file=sys.stderr)
    inbox = Connection(int(fd_in), writable=False)
    outbox = Connection(int(fd_out), readable=False)
    acks = Acks(int(acks_fd))
    store = Store.open(store_path, read_only=True, union_default_graph=union == "1")
    serve(store, inbox, outbox, spool_dir, acks)


if __name__ == "__main__":
    main(sys.argv[1:])
