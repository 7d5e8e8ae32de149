"""The outbound contract: one envelope, one timeline entry, one rule of who an event reaches."""

from __future__ import annotations

from datetime import UTC

import pytest

from hub.cases.domainmodel import Case
from hub.outbound.envelope import (
    COMMON_FIELDS,
    ENVELOPE_FIELDS,
    ENVELOPE_IN_PAYLOAD,
    history_payload,
    payload,
    split,
)
from hub.outbound.recipients import event_recipients, participants_after
from hub.outbound.store import entries_from_store, entry_from_domain_event
from hub.outbound.timeline import TIMELINE_EVENT, stored_envelope
from hub.outbound.wire import entry_from_timeline_record
from hub.topics import TIMELINE, feed_topic
from relay_mapping import relay_records


@pytest.fixture(scope="module")
def published(story_app):
    """(notification id, stored event, records the relay would publish for it)."""
    return relay_records(story_app)


@pytest.fixture(scope="module")
def stored(story_app):
    return {e.notification_id: e for e in entries_from_store(story_app)}


def _timeline(records):
    return [r for r in records if r.topic == TIMELINE]


class TestEnvelope:
    def test_a_stored_event_splits_into_envelope_and_payload(self, published):
        """Envelope and payload are disjoint and together are the stored event."""
        for _, event, _ in published:
            envelope, rest = split(vars(event))
            assert set(envelope) <= ENVELOPE_FIELDS
            assert not set(envelope) & set(rest)
            assert envelope | rest == vars(event)

    def test_every_case_event_carries_the_whole_envelope(self, published):
        """The fields the timeline lists on their own are on every case event."""
        cases = [e for _, e, _ in published if isinstance(e, Case.Event)]
        assert cases
        for event in cases:
            assert set(vars(event)) >= ENVELOPE_FIELDS | set(ENVELOPE_IN_PAYLOAD)

    def test_the_history_payload_is_the_payload_less_the_common_fields(self, published):
        """What the history shows as payload: the timeline's payload without what it lists."""
        for _, event, _ in published:
            state = vars(event)
            assert history_payload(state) == history_payload(payload(state))
            assert not set(history_payload(state)) & COMMON_FIELDS

    def test_an_entry_gives_back_the_stored_envelope(self, published, stored):
        """``stored_envelope`` is the inverse of the record's envelope, at millisecond precision."""
        compared = 0
        for nid, event, _ in published:
            if not isinstance(event, Case.Event):
                continue
            back = stored_envelope(stored[nid], UTC)
            assert set(back) == ENVELOPE_FIELDS
            for name, value in back.items():
                original = getattr(event, name)
                if name in ("timestamp", "occurred_at"):
                    assert abs(value - original).total_seconds() < 0.001
                else:
                    assert value == original, name
            compared += 1
        assert compared >= 30


class TestTimelineEntry:
    def test_store_and_timeline_give_the_same_entry_participants_included(self, published, stored):
        """Every event reads back from its casehub.timeline bytes as the store adapter reads it,
        the agencies it reached included."""
        compared = 0
        for nid, _, records in published:
            timeline = _timeline(records)
            if nid not in stored:
                assert not timeline
                continue
            (record,) = timeline
            assert dict(record.headers)["casehub-record-type"] == TIMELINE_EVENT.encode()
            assert entry_from_timeline_record(record.value) == stored[nid]
            compared += 1
        assert compared == len(stored) > 40

    def test_a_replay_from_the_middle_gives_the_same_entries(self, story_app, stored):
        """Starting after a notification, the entries (participants too) are those of a full
        replay: a case's earlier events are read to know its participants."""
        middle = sorted(stored)[len(stored) // 2]
        later = list(entries_from_store(story_app, after=middle))
        assert later == [stored[n] for n in sorted(stored) if n > middle]


class TestRecipients:
    def test_participants_lists_the_feeds_an_event_reached(self, published, stored):
        """The record's participants are exactly the agencies whose feed carries the event."""
        for nid, _, records in published:
            if nid not in stored:
                continue
            feeds = {r.topic for r in records if r.topic != TIMELINE}
            assert feeds == {feed_topic(a) for a in stored[nid].participants}

    def test_without_the_case_an_event_reaches_the_agencies_it_names(self, published):
        """Standing alone (no participants known, no directory), a case event reaches the
        agencies it names and its author, never the hub."""
        for nid, event, _ in published:
            if isinstance(event, Case.Event):
                entry = entry_from_domain_event(nid, event)
                assert entry is not None
                assert list(entry.participants) == event_recipients([], vars(event))
                assert "hub" not in entry.participants

    def test_the_directory_decides_which_recipients_have_a_feed(self):
        """Recipients the directory does not know are left out, in order otherwise."""
        fields = {"notice_recipients": ["b", "ghost"], "addressee": "c", "actor_agency": "hub"}
        assert event_recipients(["a"], fields) == ["a", "b", "ghost", "c"]
        assert event_recipients(["a"], fields, {"a", "b", "c"}.__contains__) == ["a", "b", "c"]

    def test_participants_follow_the_case_rule(self, published):
        """Folding ``participants_after`` over a case's events gives the case's participants."""
        members: dict[object, list[str]] = {}
        cases: dict[object, Case] = {}
        for _, event, _ in published:
            if not isinstance(event, Case.Event):
                continue
            key = event.originator_id
            members[key] = participants_after(
                members.get(key, []), type(event).__name__, vars(event)
            )
            cases[key] = event.mutate(cases.get(key))
            assert members[key] == list(dict.fromkeys(cases[key].participants))
