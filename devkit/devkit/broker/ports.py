"""Is a TCP port free on the broker's address, and if not, who holds it?"""

from __future__ import annotations

import errno
import re
import shutil
import socket
import subprocess

from hub.errors import SetupError

_SS_USER = re.compile(r'\(\("(?P<name>[^"]+)",pid=(?P<pid>\d+)')


def port_is_free(host: str, port: int) -> bool:
    """True when nothing listens on ``host:port`` (a bind would succeed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno in {errno.EADDRINUSE, errno.EACCES}:
                return False
            raise
    return True


def port_holder(port: int) -> str | None:
    """``name (pid N)`` of the process listening on ``port``, from ``ss -ltnp``; None if unknown."""
    ss = shutil.which("ss")
    if ss is None:
        return None
    try:
        out = subprocess.run(
            [ss, "-Hltnp", f"sport = :{port}"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = _SS_USER.search(out)
    if match is None:
        return None
    return f"{match['name']} (pid {match['pid']})"


def port_in_use_message(port: int, what: str, setting: str) -> str:
    holder = port_holder(port)
    by = f"by {holder}" if holder else "by another process (run `ss -ltnp` to see which)"
    return f"port {port} ({what}) is already in use {by}; stop it or set {setting} to another port"


def require_free(host: str, ports: list[tuple[int, str, str]]) -> None:
    """Raise ``SetupError`` naming the first of ``(port, what, setting)`` that is taken."""
    for port, what, setting in ports:
        if not port_is_free(host, port):
            raise SetupError(port_in_use_message(port, what, setting))
