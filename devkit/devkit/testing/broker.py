"""The broker as a test session uses it: shared by concurrent sessions, stopped by the last one.

Several pytest sessions (developers, tiers run side by side) may use the one local broker. Each
session holds a lease (a file named after its pid); the broker is started by the first session
that finds none running and stopped by the last session to leave, and only if a test session
started it: a broker started by hand (``casehub broker up``) is left running.
"""

from __future__ import annotations

import fcntl
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from devkit.broker.config import STARTED_BY_TESTS, Profile, cluster_spec, profile_dir
from devkit.broker.local import broker_down, broker_up
from hub.settings import Settings


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def session_broker(settings: Settings, profile: Profile = "single") -> Iterator[str]:
    """Yield a one-node profile's ``host:port``, starting it if needed, under a lease."""
    home = profile_dir(settings, profile)
    [node] = cluster_spec(settings, profile)
    lock, leases = home / "sessions.lock", home / "sessions"
    lease = leases / str(os.getpid())
    with _locked(lock):
        leases.mkdir(parents=True, exist_ok=True)
        lease.touch()
        if not _listening(node.host, node.port):
            try:
                broker_up(settings, profile)
            except BaseException:
                lease.unlink(missing_ok=True)
                raise
            (home / STARTED_BY_TESTS).touch()
    try:
        yield node.bootstrap
    finally:
        with _locked(lock):
            lease.unlink(missing_ok=True)
            others = []
            for other in leases.iterdir():
                if other.name.isdigit() and _alive(int(other.name)):
                    others.append(other)
                else:
                    other.unlink(missing_ok=True)
            if not others and (home / STARTED_BY_TESTS).exists():
                broker_down(settings, profile)
                (home / STARTED_BY_TESTS).unlink(missing_ok=True)
