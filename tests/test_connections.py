"""Connections that cannot starve `kg serve` (issue: idle connections, slow
readers, bodies before limits, forged log lines), against a real server on
127.0.0.1. Attackers use 127.0.0.2-127.0.0.19, the cheap queries 127.0.0.5.
Every loop is bounded in count and time."""

from __future__ import annotations

import logging
import os
import select
import socket
import threading
import time

import pytest

from bench.connection_attack import BIG_QUERY, answering, attack, cheap_latencies, idle, slow_readers, sparql_path, write_blob_data
from conftest import LiveServer
from server import create_app

LIMIT = 1024 * 1024  # max_body_bytes, the default


@pytest.fixture(scope="module")
def blobs(tmp_path_factory):
    path = tmp_path_factory.mktemp("blobs") / "blobs.nt"
    write_blob_data(path)  # 40 literals of 512 KiB: a 20 MB result
    return path


@pytest.fixture(scope="module")
def patient(blobs):
    """Defaults, except that an idle connection may stay a minute: the
    attack then runs against the connection limit and the threads, not the
    timeout that would otherwise close the idle connections first."""
    server = LiveServer(["--data", str(blobs)], env={"KG_REQUEST_TIMEOUT": "60"})
    yield server
    server.stop()


@pytest.fixture(scope="module")
def strict(blobs):
    """Short timeouts, a small per-address cap and a 1 MiB answer buffer
    (a 20 MB answer then keeps its thread writing), to see them act."""
    server = LiveServer(["--data", str(blobs)], env={"KG_REQUEST_TIMEOUT": "2", "KG_CONNECTIONS_PER_CLIENT": "5", "KG_SEND_TIMEOUT": "2",
                                                     "KG_RESPONSE_BUFFER_MB": "1"})
    yield server
    server.stop()


def closed_by_server(sock: socket.socket, within: float) -> bool:
    """True when the server closes ``sock`` within ``within`` seconds."""
    sock.settimeout(within)
    try:
        while True:
            if not sock.recv(65536):
                return True
    except socket.timeout:
        return False
    except OSError:
        return True


def test_idle_connections_and_slow_readers_do_not_starve_cheap_queries(patient):
    """150 connections that send nothing (waitress's default limit was 100)
    and 10 clients reading nothing of a 20 MB result (8 of them held all 8
    threads): cheap queries from another address still answer, p95 < 1 s."""
    result = attack(patient.url, idle_count=150, slow_count=10, cheap=30)
    assert result["idle_opened"] == 150 and result["idle_still_open"] == 150, result
    assert result["slow_opened"] == result["slow_answered_200"] == 10, result
    assert result["ok"] == result["cheap"] == 30, result
    assert result["p95_s"] < 1.0, result


def test_a_request_must_arrive_whole_within_the_timeout(strict):
    """One byte every half second used to keep a connection for ever."""
    host, port = "127.0.0.1", strict.port
    silent = idle(host, port, 1, ("127.0.0.2",))[0]
    trickler = idle(host, port, 1, ("127.0.0.3",))[0]
    started = time.monotonic()
    closed = False
    for byte in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * 40:
        try:
            trickler.send(bytes([byte]))
        except OSError:
            closed = True
            break
        if time.monotonic() - started > 15:
            break
        time.sleep(0.5)
    assert closed or closed_by_server(trickler, 5), "a trickled request kept its connection"
    assert time.monotonic() - started < 15
    assert closed_by_server(silent, 5), "a silent connection stayed open"
    # the server itself is fine
    assert [a.status for a in cheap_latencies(host, port, 3)] == [200, 200, 200]
    silent.close()
    trickler.close()


def test_connections_per_address_are_capped(strict):
    host, port = "127.0.0.1", strict.port
    mine = idle(host, port, 8, ("127.0.0.6",))
    try:
        time.sleep(0.5)  # well within the 2 s request timeout
        readable, _, _ = select.select(mine, [], [], 0.2)
        refused = [s for s in readable if closed_by_server(s, 0.1)]
        assert len(refused) == 3, "the 6th to 8th connections from one address are closed at once"
        answers = cheap_latencies(host, port, 3, source="127.0.0.7")
        assert [a.status for a in answers] == [200, 200, 200], "another address is served"
    finally:
        for s in mine:
            s.close()


def test_a_reader_that_takes_nothing_is_dropped(strict):
    """10 clients that ask for a 20 MB result (over the 1 MiB buffer: each
    holds an HTTP thread while its answer is written) and read none of it
    lose their connections after send_timeout (2 s here), and the threads
    serve others again. Reading an answer afterwards ends early."""
    socks = slow_readers("127.0.0.1", strict.port, 10, sparql_path(BIG_QUERY), first_source=30, one_by_one=True)
    try:
        assert len(socks) == 10
        assert answering(socks, timeout=30), "the 9th and 10th readers found no free thread"
        assert all(s.recv(12, socket.MSG_PEEK) == b"HTTP/1.1 200" for s in socks)
        time.sleep(4)  # send_timeout, the next maintenance pass, and margin
        assert [a.status for a in cheap_latencies("127.0.0.1", strict.port, 3, timeout=20)] == [200, 200, 200]
        sock = socks[0]
        sock.settimeout(10)
        received = 0
        try:
            while chunk := sock.recv(1 << 20):
                received += len(chunk)
        except OSError:
            pass
    finally:
        for sock in socks:
            sock.close()
    assert received < 20 * 1024 * 1024, received


def raw_post(port: int, head: bytes, body_chunks=(), source: str = "127.0.0.8") -> tuple[bytes, float]:
    """Send ``head`` and the ``body_chunks`` (stopping when the server closes),
    then read the answer; (answer, seconds until its first byte)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))
    answer = bytearray()
    started = time.monotonic()
    first = None
    try:
        sock.sendall(head)
        sock.setblocking(False)
        for chunk in body_chunks:
            try:
                answer += sock.recv(65536)
                first = first or time.monotonic()
                break
            except BlockingIOError:
                pass
            try:
                sock.sendall(chunk)
            except (BlockingIOError, OSError):
                break
        sock.settimeout(10)
        while True:
            data = sock.recv(65536)
            if not data:
                break
            first = first or time.monotonic()
            answer += data
    except OSError:
        pass
    finally:
        sock.close()
    return bytes(answer), (first or time.monotonic()) - started


def test_a_declared_body_over_the_limit_is_refused_before_it_is_sent(patient):
    """600 MB declared, not one byte of it sent: the 413 comes at once
    (waitress used to wait for the whole body, then the app refused it)."""
    head = (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: 600000000\r\n\r\n")
    answer, seconds = raw_post(patient.port, head)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert f"over the limit of {LIMIT} bytes".encode() in answer
    assert b"X-Content-Type-Options: nosniff" in answer and b"Content-Security-Policy:" in answer
    assert seconds < 5


def test_a_chunked_body_is_cut_at_the_limit(patient):
    """A chunked upload that never ends is answered 413 once it passes the
    limit, and the server never holds more than the limit of it on disk."""
    head = (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n")
    chunk = b"10000\r\n" + b"x" * 0x10000 + b"\r\n"
    biggest = []
    stop = threading.Event()

    def watch():  # the largest file the server process holds open meanwhile
        while not stop.is_set():
            biggest.append(max(open_file_sizes(patient.proc.pid), default=0))
            time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        answer, _ = raw_post(patient.port, head, [chunk] * 200)  # up to 13 MB, never the last chunk
    finally:
        stop.set()
        watcher.join()
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert max(biggest) <= LIMIT + 0x10000, f"a {max(biggest)} byte file was held"


def open_file_sizes(pid: int) -> list[int]:
    sizes = []
    folder = f"/proc/{pid}/fd"
    for name in os.listdir(folder):
        try:
            st = os.stat(os.path.join(folder, name))
        except OSError:
            continue
        if st.st_mode & 0o170000 == 0o100000:  # regular files
            sizes.append(st.st_size)
    return sizes


def test_an_oversized_body_sent_anyway_gets_the_413(patient):
    """A client that sends its 3 MB body regardless reads the 413, not a
    reset connection (the rest of the body is drained, not stored)."""
    head = (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: 3145728\r\n\r\n")
    sock = socket.create_connection(("127.0.0.1", patient.port), timeout=10, source_address=("127.0.0.9", 0))
    try:
        sock.sendall(head + b"x" * 3145728)
        answer = sock.recv(65536)
    finally:
        sock.close()
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]


def test_access_log_escapes_control_characters(caplog):
    """``%0A`` in a path used to start a forged line in the access log."""
    from test_pages import fixture_store

    client = create_app({"STORE_OBJECT": fixture_store(), "TESTING": True}).test_client()
    with caplog.at_level(logging.INFO, logger="kg.access"):
        client.get("/id/person/x%0AGET%20/admin%20200%201ms%0D%1B[31m")
    lines = [r.getMessage() for r in caplog.records if r.name == "kg.access"]
    assert len(lines) == 1
    line = lines[0]
    assert "\n" not in line and "\r" not in line and "\x1b" not in line
    assert line.startswith("GET /id/person/x\\x0aGET /admin 200 1ms\\x0d\\x1b[31m 404 "), line


@pytest.mark.parametrize("request_bytes,status", [
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", b"400"),
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 300_000 + b"\r\n\r\n", b"431"),
    (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n", b"413"),
])
def test_the_servers_own_answers_carry_the_security_headers(patient, request_bytes, status):
    """Answers waitress gives before the app sees a request."""
    from server.headers import SECURITY_HEADERS

    answer, _ = raw_post(patient.port, request_bytes)
    head = answer.split(b"\r\n\r\n", 1)[0].decode()
    assert head.startswith("HTTP/1.") and head.split()[1] == status.decode(), head
    for name, value in SECURITY_HEADERS.items():
        assert f"\r\n{name}: {value}" in head, name
