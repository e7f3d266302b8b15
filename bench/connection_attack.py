"""Connection-level attacks on a running service, and the latency of cheap
queries while they last (tests/test_connections.py, tests/test_proxy.py,
and the figures in the README's "Production" section).

``idle(...)`` opens connections that send nothing; ``slow_readers(...)``
opens connections that ask for a large result and never read it;
``cheap_latencies(...)`` sends cheap queries one after another from
another loopback address and returns each one's status and time. Every
loop is bounded in count and in time; only 127.0.0.x addresses are used.

Run it against a service to measure::

    python -m bench.connection_attack http://127.0.0.1:5000/ --idle 150 --slow 10
"""

from __future__ import annotations

import argparse
import http.client
import socket
import time
import urllib.parse
from dataclasses import dataclass

CHEAP_QUERY = "ASK { }"
BLOB = "http://example.org/vocab/blob"
# Every blob of the data ``write_blob_data`` makes: 20 MB of SPARQL JSON.
BIG_QUERY = f"SELECT ?o WHERE {{ ?s <{BLOB}> ?o }}"


def write_blob_data(path, blobs: int = 40, size: int = 512 * 1024) -> None:
    """An N-Triples file of ``blobs`` literals of ``size`` bytes each."""
    with open(path, "w", encoding="ascii") as fh:
        for i in range(blobs):
            fh.write(f'<http://example.org/thing/{i}> <{BLOB}> "{str(i) * (size // len(str(i)))}" .\n')


def _connect(host: str, port: int, source: str, timeout: float = 5.0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    sock.bind((source, 0))
    sock.connect((host, port))
    return sock


def idle(host: str, port: int, count: int, sources: tuple[str, ...] = ("127.0.0.2",)) -> list[socket.socket]:
    """``count`` open connections that send nothing, spread over ``sources``;
    a connection the server refuses or closes at once is not kept."""
    opened = []
    for i in range(count):
        try:
            opened.append(_connect(host, port, sources[i % len(sources)]))
        except OSError:
            continue
    return opened


def slow_readers(host: str, port: int, count: int, path: str, first_source: int = 10,
                 one_by_one: bool = False) -> list[socket.socket]:
    """``count`` connections that ask for ``path`` and never read the answer
    (a tiny receive buffer, so the server cannot push it all into the kernel),
    each from its own address 127.0.0.<first_source + i> so that no
    per-client query cap turns them away. ``one_by_one``: each waits (up to
    30 s) for its answer to begin before the next asks, so that the big
    queries never wait for each other (the fair-share rule would stop them)."""
    opened = []
    for i in range(count):
        if one_by_one and opened:
            answering(opened[-1:], timeout=30.0)
        source = f"127.0.0.{first_source + i}"
        try:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.settimeout(5.0)
            sock.bind((source, 0))
            sock.connect((host, port))
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                         "Accept: application/sparql-results+json\r\n\r\n".encode())
            opened.append(sock)
        except OSError:
            continue
    return opened


def sparql_path(query: str, prefix: str = "/sparql") -> str:
    return prefix + "?" + urllib.parse.urlencode({"query": query})


@dataclass
class Answer:
    status: int  # 0: no answer (refused, reset or timed out)
    seconds: float


def cheap_latencies(host: str, port: int, count: int, *, source: str = "127.0.0.5", timeout: float = 10.0,
                    path: str | None = None, pause: float = 0.05, budget: float = 60.0) -> list[Answer]:
    """``count`` cheap queries in a row from ``source``, each on a new
    connection, for at most ``budget`` seconds in all."""
    path = path or sparql_path(CHEAP_QUERY)
    answers = []
    stop = time.monotonic() + budget
    for _ in range(count):
        if time.monotonic() > stop:
            break
        started = time.monotonic()
        conn = http.client.HTTPConnection(host, port, timeout=timeout, source_address=(source, 0))
        try:
            conn.request("GET", path, headers={"Accept": "application/sparql-results+json"})
            resp = conn.getresponse()
            body = resp.read()
            status = resp.status if b"boolean" in body or resp.status != 200 else -1
        except OSError:
            status = 0
        finally:
            conn.close()
        answers.append(Answer(status, time.monotonic() - started))
        time.sleep(pause)
    return answers


def p95(answers: list[Answer]) -> float:
    times = sorted(a.seconds for a in answers)
    return times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]


def close_all(socks: list[socket.socket]) -> None:
    for sock in socks:
        try:
            sock.close()
        except OSError:
            pass


def attack(url: str, idle_count: int, slow_count: int, cheap: int, *, big_path: str | None = None,
           idle_sources: tuple[str, ...] = ("127.0.0.2", "127.0.0.3", "127.0.0.4"), settle: float = 1.0) -> dict:
    """Open the idle connections and slow readers, then time ``cheap`` queries."""
    parts = urllib.parse.urlsplit(url)
    host, port = parts.hostname, parts.port
    prefix = parts.path.rstrip("/")
    # A result is sent only once its query has finished: when every slow
    # reader has the first bytes of its answer, what is measured next is the
    # connections, not query workers still busy with the big queries.
    held_slow = slow_readers(host, port, slow_count, big_path or sparql_path(BIG_QUERY, prefix + "/sparql"), one_by_one=True)
    answering(held_slow, timeout=30.0)
    slow_ok = sum(1 for s in held_slow if _peek(s, 12) == b"HTTP/1.1 200")
    held_idle = idle(host, port, idle_count, idle_sources)
    try:
        time.sleep(settle)
        answers = cheap_latencies(host, port, cheap, path=sparql_path(CHEAP_QUERY, prefix + "/sparql"))
    finally:
        open_idle = sum(1 for s in held_idle if _still_open(s))
        close_all(held_idle)
        close_all(held_slow)
    ok = [a for a in answers if a.status == 200]
    return {"idle_opened": len(held_idle), "idle_still_open": open_idle, "slow_opened": len(held_slow), "slow_answered_200": slow_ok,
            "cheap": len(answers), "ok": len(ok), "p95_s": round(p95(answers), 3),
            "max_s": round(max(a.seconds for a in answers), 3), "statuses": sorted({a.status for a in answers})}


def answering(socks: list[socket.socket], timeout: float) -> bool:
    """Wait (at most ``timeout`` seconds) until every socket has bytes to read."""
    waiting = list(socks)
    stop = time.monotonic() + timeout
    while waiting and time.monotonic() < stop:
        waiting = [s for s in waiting if not _has_bytes(s)]
        time.sleep(0.1)
    return not waiting


def _has_bytes(sock: socket.socket) -> bool:
    try:
        return bool(sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT))
    except BlockingIOError:
        return False
    except OSError:
        return True


def _peek(sock: socket.socket, size: int) -> bytes:
    """The first ``size`` bytes waiting on ``sock``, left there."""
    try:
        return sock.recv(size, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except OSError:
        return b""


def _still_open(sock: socket.socket) -> bool:
    """True while the server has not closed the connection."""
    try:
        sock.setblocking(False)
        return sock.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--idle", type=int, default=150)
    parser.add_argument("--slow", type=int, default=10)
    parser.add_argument("--cheap", type=int, default=40)
    args = parser.parse_args()
    print(attack(args.url, args.idle, args.slow, args.cheap))


if __name__ == "__main__":
    main()
