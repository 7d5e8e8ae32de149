"""Process-wide settings of a long-running hub process (``casehub serve``, ``consumers run``).

**The garbage collector.** CPython's cyclic collector runs a young collection every 700 net
container allocations and, every 100 of those, a full one over every live object. The relay
and ingest allocate a few dozen containers per event (decoded events, records, dicts) and keep
thousands of aggregates in their caches, so with the defaults a third of the relay's time went
to collections (bench: mapping 143 µs an event, 107 µs with the settings below) and a full
collection paused ``casehub serve`` 52-112 ms now and then (the latency figure's p99).

What is loaded at start (modules, schemas, the directory) lives as long as the process:
``gc.freeze()`` moves it out of every collection. Young collections run every 50,000
allocations (a few milliseconds each); full ones rarely, and CPython skips a full collection
anyway until the objects surviving since the last one exceed a quarter of the long-lived ones.
Reference counting frees everything that is not in a cycle at once, so memory stays bounded.
"""

from __future__ import annotations

import gc

#: (young, middle, full): allocations per young collection, young collections per middle
#: one, middle collections per full one.
GC_THRESHOLDS = (50_000, 20, 20)


def tune_garbage_collector() -> None:
    """Call once the process has loaded what it keeps (after wiring, before the loops)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
