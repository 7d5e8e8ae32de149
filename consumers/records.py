"""What a view reads: one accepted event (``TimelineEntry``) or one rejection (``DeadLetterEntry``).

Every projection takes these plain, frozen records, never a Kafka message or a live aggregate,
so its logic is tested in memory. The hub's outbound contract (``hub.outbound``) defines them,
and how the relay's records read back into them; this module is the views' door to it. Two
adapters make them:

* ``entries_from_store(app)`` reads the hub's event store in notification order (what the relay
  publishes, and what ``casehub consumers rebuild`` and the auditor tools replay);
* ``entry_from_timeline_record(raw)`` / ``dead_letter_from_record(raw)`` decode a value from
  ``casehub.timeline`` / ``casehub.deadletter`` (Avro single-object encoding, ``hub.codec``).

Both produce the same entry for the same event, ``participants`` (the agencies it reached)
included: ids as lowercase hyphenated strings, times as aware UTC datetimes truncated to
milliseconds (the wire's ``timestamp-millis``), the payload as the canonical JSON data of
``hub.cases.hashing`` (dates as ISO strings). The hub's own facts (e.g.
``Case.DeadlineMissed``) name ``hub`` as their actor, as the relay publishes them.
"""

from __future__ import annotations

from datetime import datetime

from hub.outbound.deadletter import DeadLetterEntry
from hub.outbound.recipients import HUB
from hub.outbound.store import (
    StoreApplication,
    dead_letter_from_domain_event,
    dead_letters_from_store,
    entries_from_store,
    entry_from_domain_event,
    max_notification_id,
)
from hub.outbound.timeline import CASE, DIRECTORY, TimelineEntry, utc_millis
from hub.outbound.wire import dead_letter_from_record, entry_from_timeline_record

__all__ = [
    "CASE",
    "DIRECTORY",
    "HUB",
    "DeadLetterEntry",
    "StoreApplication",
    "TimelineEntry",
    "dead_letter_from_domain_event",
    "dead_letter_from_record",
    "dead_letters_from_store",
    "entries_from_store",
    "entry_from_domain_event",
    "entry_from_timeline_record",
    "iso",
    "max_notification_id",
    "utc_millis",
]


def iso(moment: datetime | None) -> str | None:
    """The stored form of a moment in a view: ISO-8601 UTC with milliseconds."""
    if moment is None:
        return None
    return utc_millis(moment).isoformat(timespec="milliseconds")
