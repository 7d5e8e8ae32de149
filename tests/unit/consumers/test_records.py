"""TimelineEntry: the same record from the event store and from the relay's timeline bytes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from consumers.records import (
    dead_letter_from_domain_event,
    dead_letter_from_record,
    entry_from_domain_event,
    entry_from_timeline_record,
    utc_millis,
)
from hub.codec import encode_record
from hub.errors import SchemaError
from hub.topics import DEADLETTER, TIMELINE
from relay_mapping import relay_records


@pytest.fixture(scope="module")
def published(story_app):
    """(notification id, stored event, records the relay would publish for it)."""
    return relay_records(story_app)


class TestTimelineEntry:
    def test_store_and_timeline_give_the_same_entry(self, published):
        """Every case and directory event decodes from casehub.timeline as the store reads it."""
        compared = 0
        for nid, event, records in published:
            stored = entry_from_domain_event(nid, event)
            timeline = [r for r in records if r.topic == TIMELINE]
            if stored is None:
                assert not timeline
                continue
            (record,) = timeline
            decoded = entry_from_timeline_record(record.value)
            assert replace(decoded, participants=()) == replace(stored, participants=())
            compared += 1
        assert compared > 40

    def test_store_and_deadletter_give_the_same_rejection(self, published):
        """Every rejection decodes from casehub.deadletter as the store reads it."""
        letters = 0
        for nid, event, records in published:
            stored = dead_letter_from_domain_event(nid, event)
            dead = [r for r in records if r.topic == DEADLETTER]
            if stored is None:
                assert not dead
                continue
            assert dead_letter_from_record(dead[0].value) == stored
            letters += 1
        assert letters >= 1

    def test_the_hubs_own_facts_name_the_hub(self, story_entries):
        """A missed deadline is recorded by the hub: actor "hub", no agency officer."""
        (missed,) = [e for e in story_entries if e.event_type == "Case.DeadlineMissed"]
        assert missed.actor_agency == "hub"
        assert missed.payload["agency"] == "natural-resources"
        assert missed.day("due_date").isoformat() == "2026-06-15"

    def test_times_are_utc_milliseconds(self):
        """Entries carry what the wire can: aware UTC times truncated to milliseconds."""
        moment = datetime(2026, 3, 2, 10, 0, 0, 123_456, tzinfo=UTC)
        assert utc_millis(moment).microsecond == 123_000
        with pytest.raises(ValueError, match="aware"):
            utc_millis(datetime(2026, 3, 2))  # noqa: DTZ001

    def test_a_record_of_another_type_is_refused(self):
        """Bytes of any record but TimelineEvent raise a SchemaError, never a wrong entry."""
        raw = encode_record(
            "casehub.hub.RelayPosition",
            {"notification_id": 1, "written_at": datetime.now(UTC), "relay_id": "r"},
        )
        with pytest.raises(SchemaError, match="TimelineEvent"):
            entry_from_timeline_record(raw)
