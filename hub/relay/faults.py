"""Fault injection for the fault tests: ``CASEHUB_FAULT=<point>[@<n>][=exit|stop]``.

At the ``n``-th time (default the first) the named point is reached, the process either exits
at once with ``os._exit`` (``exit``, the default: no ``finally``, no flush, no Kafka or
database clean-up, the same as a ``kill -9`` at that line) or stops itself with ``SIGSTOP``
(``stop``: a paused instance, resumed by the test with ``SIGCONT``). Points:
``relay_before_send`` (notifications read from the committed store, nothing sent yet),
``relay_after_send`` (records sent inside the open Kafka transaction, not committed),
``relay_after_commit`` (Kafka transaction committed), ``ingest_before_write`` (a partition
batch decoded and in hand, its transaction not begun). Unset in production; checking it
costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal
import sys
from collections import Counter

ENV = "CASEHUB_FAULT"
#: The exit code of an injected crash, so a test can tell it from a real failure.
FAULT_EXIT_CODE = 86

_reached: Counter[str] = Counter()


def fault_point(name: str) -> None:
    spec = os.environ.get(ENV)
    if not spec:
        return
    spec, _, action = spec.partition("=")
    point, _, nth = spec.partition("@")
    if point != name:
        return
    _reached[name] += 1
    if _reached[name] != int(nth or "1"):
        return
    sys.stderr.write(f"casehub: injected fault {name} reached ({action or 'exit'})\n")
    sys.stderr.flush()
    if action == "stop":
        os.kill(os.getpid(), signal.SIGSTOP)
        return
    os._exit(FAULT_EXIT_CODE)
