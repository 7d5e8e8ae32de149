"""The envelope: the fields every stored event carries around its payload.

The timeline record (``hub.outbound.timeline``) lists the ``ENVELOPE_FIELDS`` in fields of their
own and carries every other stored field in ``payload_json``. Of those others, the history
(``hub.cases.views.RecordedEvent``) lists ``ENVELOPE_IN_PAYLOAD`` on their own too, and shows
nothing of the event store's own bookkeeping (``STORE_FIELDS``): ``COMMON_FIELDS`` is all three.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.cases.hashing import canonical_json

#: Fields every event carries that the timeline record lists on their own.
ENVELOPE_FIELDS = frozenset(
    {
        "originator_id",
        "originator_version",
        "timestamp",
        "event_hash",
        "prev_hash",
        "hash_alg",
        "event_id",
        "actor_agency",
        "officer_id",
        "occurred_at",
    }
)
#: Fields every case event carries that the timeline record keeps inside ``payload_json`` (the
#: hash covers them) and the history lists on their own.
ENVELOPE_IN_PAYLOAD = ("correlation_id", "causation_id", "classification", "content_hash")
#: The event store's own fields (eventsourcing's): the topic of a created aggregate, and the
#: class version of an upcast event. Never an event's content.
STORE_FIELDS = frozenset({"originator_topic", "class_version"})
#: Fields every case event carries; the rest of an event is its payload (``RecordedEvent``).
COMMON_FIELDS = ENVELOPE_FIELDS | frozenset(ENVELOPE_IN_PAYLOAD) | STORE_FIELDS


def payload(state: Mapping[str, Any]) -> dict[str, Any]:
    """Every stored field of an event (``vars(event)``) but the envelope."""
    return {k: v for k, v in state.items() if k not in ENVELOPE_FIELDS}


def split(state: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A stored event's fields as (envelope, payload)."""
    envelope = {k: v for k, v in state.items() if k in ENVELOPE_FIELDS}
    return envelope, payload(state)


def payload_json(state: Mapping[str, Any]) -> str:
    """The payload as the timeline record carries it: canonical JSON (``hub.cases.hashing``)."""
    return canonical_json(payload(state)).decode("utf-8")


def history_payload(state: Mapping[str, Any]) -> dict[str, Any]:
    """The fields the history shows as an event's payload: all but ``COMMON_FIELDS``."""
    return {k: v for k, v in state.items() if k not in COMMON_FIELDS}
