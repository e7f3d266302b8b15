"""The HTTP server of ``kg serve``: waitress, hardened against clients that
hold connections instead of using them.

waitress reads requests and writes responses on one asynchronous loop and
runs the app on a pool of threads only once a request has fully arrived.
With its defaults a few dozen hostile connections still stop the service
(README, "Production", has the measurements); this module closes each
way in:

- **Idle and slow senders**: a client has ``request_timeout`` seconds to
  send a whole request (headers and body) from its first byte, or its
  next one after connecting or after its last answer; a byte now and then
  does not extend it (waitress's own timeout restarts at every byte).
- **Many connections**: up to ``connection_limit`` (default 1,000, polled,
  not select()ed), at most ``connections_per_client`` of them from one
  address; more from that address are closed as soon as accepted.
- **Slow readers**: a response up to ``response_buffer_mb`` is handed to
  the loop (memory, then a temporary file) and the thread is free at once;
  a reader that takes nothing for ``send_timeout`` seconds is dropped.
- **Large bodies**: a declared ``Content-Length`` over ``max_body_bytes``
  is answered 413 before a byte of the body is read; a chunked body is cut
  at the limit; nothing beyond the limit is buffered, in memory or on disk.

One change for speed: waitress sends a response's header and its first
part of the body with one ``send`` (``OneWriteTask``) instead of two, which
the client would read with two wake-ups (measured: 0.04-0.05 ms of a 0.45
ms keep-alive answer).

The answers the server gives itself (413, 400 for a malformed request)
carry the same security headers as the app's (``server.headers``).
"""

from __future__ import annotations

import logging
import resource
import socket
import time

from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import ErrorTask, ThreadedTaskDispatcher, WSGITask
from waitress.adjustments import Adjustments
from waitress.utilities import RequestEntityTooLarge

from .headers import SECURITY_HEADERS

log = logging.getLogger("kg.http")

# File descriptors besides the connections: the listening socket, worker
# pipes, spooled results, dump files, logs.
SPARE_FILES = 256
# A connection may also hold a spooled request body or response.
FILES_PER_CONNECTION = 2
# After a 413 the rest of the body is read and dropped (never stored) for
# at most this long, so the client, still sending, gets the answer instead
# of a reset connection (nginx's "lingering close").
LINGER_SECONDS = 5.0


def printable(text: str) -> str:
    r"""``text`` with control characters escaped, for one log line.

    >>> printable("/id/a\nGET /forged 200")
    '/id/a\\x0aGET /forged 200'
    """
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}" for c in text)


class GuardedErrorTask(ErrorTask):
    """waitress's own error answers, with the service's security headers and
    a message that says what the limit is."""

    def execute(self):
        error = self.request.error
        if isinstance(error, RequestEntityTooLarge):
            limit = self.channel.server.max_body_bytes
            error.body = f"Request body is over the limit of {limit} bytes."
            self.channel.linger = True
        self.response_headers.extend(SECURITY_HEADERS.items())
        super().execute()


class OneWriteTask(WSGITask):
    """waitress's task, writing the response header together with the first
    bytes of the body (waitress writes each at once, in two ``send`` calls)."""

    def write(self, data):
        if self.wrote_header or type(data) is not bytes or not data:  # a file (wsgi.file_wrapper), or later parts
            return super().write(data)
        channel = self.channel
        held: list[bytes] = []
        channel.write_soon = held.append  # the header and the data, held for one write
        try:
            super().write(data)
        finally:
            del channel.write_soon
        return channel.write_soon(b"".join(held))


class GuardedChannel(HTTPChannel):
    """A connection whose request must arrive whole within the server's
    ``request_timeout`` (see ``GuardedServer.maintenance``)."""

    task_class = OneWriteTask
    error_task_class = GuardedErrorTask
    receiving_since = 0.0  # when the request being received began
    linger = False  # drop the unread body after the answer, then close
    draining_until = 0.0  # while dropping it: the time to stop

    def received(self, data):
        if self.request is None and data:
            self.receiving_since = time.time()
        return super().received(data)

    def handle_close(self):
        if self.linger and self.connected and not self.draining_until:
            self.linger = False
            try:
                self.socket.shutdown(socket.SHUT_WR)  # the answer is complete: FIN after it
            except OSError:
                return super().handle_close()
            self.will_close = False
            self.draining_until = time.time() + LINGER_SECONDS
            return None
        return super().handle_close()

    def readable(self):
        return True if self.draining_until else super().readable()

    def writable(self):
        return self.will_close if self.draining_until else super().writable()

    def handle_read(self):
        if not self.draining_until:
            return super().handle_read()
        try:
            data = self.socket.recv(self.adj.recv_bytes)
        except BlockingIOError:
            return None
        except OSError:
            data = b""
        if not data or time.time() > self.draining_until:
            super().handle_close()
        return None

    def overdue(self, now: float, request_timeout: float, send_timeout: float) -> str | None:
        """Why this connection should be closed now, or None."""
        if self.draining_until:
            return "still sends a refused body" if now > self.draining_until else None
        if self.total_outbufs_len:  # also while the app still writes an answer over response_buffer_mb
            return "reads too slowly" if now - self.last_activity > send_timeout else None
        if self.requests:  # the app is answering: its own time budget applies
            return None
        if self.request is not None:
            return "sends its request too slowly" if now - self.receiving_since > request_timeout else None
        return "is idle" if now - self.last_activity > request_timeout else None


class GuardedServer(TcpWSGIServer):
    """waitress's TCP server with a per-address connection cap and the
    timeouts of ``GuardedChannel``."""

    channel_class = GuardedChannel

    def __init__(self, application, socket_map: dict, dispatcher: ThreadedTaskDispatcher, sockinfo, *, per_client: int,
                 uncapped: frozenset[str], request_timeout: float, send_timeout: float, max_body_bytes: int, adj: Adjustments):
        self.per_client = per_client
        self.uncapped = uncapped
        self.request_timeout = request_timeout
        self.send_timeout = send_timeout
        self.max_body_bytes = max_body_bytes
        self.refused_logged: dict[str, float] = {}
        super().__init__(application, socket_map, dispatcher=dispatcher, adj=adj, sockinfo=sockinfo)

    def handle_accept(self):
        try:
            accepted = self.accept()
        except OSError:
            return
        if accepted is None:
            return
        conn, addr = accepted
        host = addr[0]
        if self.per_client and host not in self.uncapped and self.connections_from(host) >= self.per_client:
            conn.close()
            self._log_refused(host)
            return
        try:
            self.set_socket_options(conn)
        except OSError:
            conn.close()
            return
        self.channel_class(self, conn, self.fix_addr(addr), self.adj, map=self._map)

    def connections_from(self, host: str) -> int:
        return sum(1 for channel in list(self.active_channels.values()) if channel.addr and channel.addr[0] == host)

    def _log_refused(self, host: str) -> None:
        now = time.monotonic()
        if now - self.refused_logged.get(host, -60.0) >= 60.0:
            if len(self.refused_logged) > 10_000:  # many addresses: forget, do not grow
                self.refused_logged.clear()
            self.refused_logged[host] = now
            log.warning("%s has %d connections open (the most one address may have): closing more", host, self.per_client)

    def maintenance(self, now):
        """Close connections idle, slow to send their request, or not reading."""
        for channel in list(self.active_channels.values()):
            reason = channel.overdue(now, self.request_timeout, self.send_timeout) if isinstance(channel, GuardedChannel) else None
            if reason:
                log.debug("closing a connection from %s that %s", channel.addr[0] if channel.addr else "?", reason)
                # At once: a flag (will_close) would wait for the socket to
                # become writable, which a reader that takes nothing never lets
                # happen. A thread writing to it is woken and stops.
                channel.handle_close()


def _file_limit(connections: int) -> int:
    """The number of connections the process can hold files for, raising its
    soft limit on open files towards the hard one when it is too low."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = connections * FILES_PER_CONNECTION + SPARE_FILES
    if soft != resource.RLIM_INFINITY and soft < want:
        new = want if hard == resource.RLIM_INFINITY else min(want, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
            soft = new
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY:
        return connections
    return max(1, min(connections, (soft - SPARE_FILES) // FILES_PER_CONNECTION))


def create_server(app, config: dict) -> GuardedServer:
    """The hardened server for ``app`` on ``config``'s host and port."""
    limit = _file_limit(config["CONNECTION_LIMIT"])
    if limit < config["CONNECTION_LIMIT"]:
        log.warning("connection_limit lowered from %d to %d: the process may not open more files",
                    config["CONNECTION_LIMIT"], limit)
    max_body = config["MAX_BODY_BYTES"]
    options = dict(
        host=config["HOST"], port=config["PORT"], threads=config["THREADS"], ident="diplomacy-kg",
        clear_untrusted_proxy_headers=True,
        connection_limit=limit, asyncore_use_poll=True,
        # waitress refuses a body whose length is >= this: one byte over the app's limit.
        max_request_body_size=max_body + 1,
        outbuf_high_watermark=config["RESPONSE_BUFFER_MB"] * 1024 * 1024,
        # waitress's own idle timeout is a backstop; ours (maintenance) is stricter.
        channel_timeout=max(config["SEND_TIMEOUT"], config["REQUEST_TIMEOUT"]) + 60,
        cleanup_interval=1,
    )
    if config.get("TRUSTED_PROXY"):  # REMOTE_ADDR is then the client the proxy names
        options.update(trusted_proxy=config["TRUSTED_PROXY"], trusted_proxy_count=1,
                       trusted_proxy_headers={"x-forwarded-for", "x-forwarded-proto"})
    adj = Adjustments(**options)
    # The proxy's own connections are not capped per address: it caps per client.
    uncapped = frozenset(config.get("UNCAPPED_CLIENTS", "").split()) | ({config["TRUSTED_PROXY"]} if config.get("TRUSTED_PROXY") else set())
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(adj.threads)
    socket_map: dict = {}
    # One listening socket per address the host name resolves to (localhost:
    # 127.0.0.1 and ::1), all on one loop; the first one runs it.
    servers = [GuardedServer(app, socket_map, dispatcher, sockinfo, per_client=config["CONNECTIONS_PER_CLIENT"],
                             uncapped=uncapped, request_timeout=config["REQUEST_TIMEOUT"],
                             send_timeout=config["SEND_TIMEOUT"], max_body_bytes=max_body, adj=adj)
               for sockinfo in adj.listen]
    return servers[0]
