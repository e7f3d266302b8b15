"""A worker's acknowledgements: how many requests it has taken, in memory
shared with the parent.

The worker (``kg.storage.engine.worker``) counts each request it reads off
its pipe before running it; when a worker dies without answering, the pool
(``kg.storage.engine.pool``) compares the count with the requests it sent:
a request never taken is retried on another worker, one the worker was
running is not (it may be what killed it). Writing 8 bytes to a shared page
costs no system call and wakes nobody, where an acknowledgement message
would wake the parent while the worker starts on the query.

>>> acks = Acks()
>>> acks.read()
0
>>> acks.write(3); Acks(acks.fd).read()
3
"""

from __future__ import annotations

import mmap
import os
import struct
import tempfile

SIZE = 8


class Acks:
    """How many requests a worker has read: 8 bytes of memory shared with it.

    The worker counts each request it takes off the pipe before running it
    (``kg.storage.engine.worker.serve``); the parent compares the count with
    the requests it sent when the worker dies without answering.
    """

    def __init__(self, fd: int | None = None):
        self.fd = fd if fd is not None else _shared_fd(SIZE)
        self.map = mmap.mmap(self.fd, SIZE)
        self._final: int | None = None  # the count when the map was closed

    def read(self) -> int:
        if self._final is not None:
            return self._final
        return struct.unpack_from("<Q", self.map)[0]

    def write(self, count: int) -> None:
        struct.pack_into("<Q", self.map, 0, count)

    def close(self) -> None:
        if self._final is None:
            self._final = self.read()
            self.map.close()


def _shared_fd(size: int) -> int:
    """A file descriptor of ``size`` zero bytes a child process can map."""
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("kg-query-worker-acks")
    else:
        fh = tempfile.TemporaryFile()
        fd = os.dup(fh.fileno())
        fh.close()
    os.ftruncate(fd, size)
    return fd
