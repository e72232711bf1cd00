"""The home lock: at most one process runs a node (or replays its chain) on a home at a time.

`HOME/node.lock` is locked with `flock(LOCK_EX | LOCK_NB)` by `Node.open` before the database is
opened, and released when the node closes (or when its process dies: the kernel drops the lock
with the file descriptor, so a crashed node never leaves a stale lock behind). A second node on
the same home fails at once with `node/home_in_use` instead of RocksDB's LOCK error deep in the
database constructor. The file holds the pid of the holder, for the message only.

Must never: delete the lock file of a running node (a new file would not be locked).
Concurrency: one `HomeLock` per process and home; `release` is idempotent.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from pathlib import Path

from finchain.node.config import ERR_HOME_IN_USE, NodeStartError

LOCK_FILE = "node.lock"


class HomeLock:
    """The held lock of one home; `release()` (or closing the process) gives it up."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def acquire_home_lock(home: Path) -> HomeLock:
    """Lock HOME for this process, or raise `node/home_in_use` naming the holder's pid."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        holder = _read_holder(fd)
        os.close(fd)
        if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            raise
        raise NodeStartError(
            ERR_HOME_IN_USE,
            f"{home} is in use by another node{holder} ({path} is locked); stop that node "
            "first, or give this one its own home",
        ) from None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return HomeLock(path, fd)


def validate_home_not_in_use(home: Path) -> None:
    """Raise `node/home_in_use` if a node runs on HOME now (e.g. before wiping it)."""
    if (home / LOCK_FILE).is_file():
        acquire_home_lock(home).release()


def _read_holder(fd: int) -> str:
    with contextlib.suppress(OSError, ValueError):
        text = os.pread(fd, 32, 0).decode().strip()
        if text:
            return f" (pid {int(text)})"
    return ""
