"""The relay applies the access policy per feed; the timeline stays complete."""

from __future__ import annotations

import json

import pytest

from devkit.testing.consumers import CONFIDENTIAL_STRINGS
from hub.codec import decode_record
from hub.ids import case_id_for
from hub.relay.records import TIMELINE_EVENT, CaseStates, RecordMapper
from hub.topics import TIMELINE, feed_topic

CONF_CASE = str(case_id_for("market-regulation", "MR-CONF-1"))
INT_CASE = str(case_id_for("market-regulation", "MR-INT-1"))


@pytest.fixture(scope="module")
def published(classified_app, policy):
    """Every record the relay would publish, by topic: (key, decoded value)."""
    app = classified_app
    agencies = {a.agency_id for a in app.directory().agencies}
    mapper = RecordMapper(
        CaseStates(lambda case_id, version: app.repository.get(case_id, version=version)),
        sender_of=lambda _id, _version: "",
        is_agency=agencies.__contains__,
        policy=policy,
    )
    by_topic: dict[str, list[dict]] = {}
    for n in app.recorder.select_notifications(start=1, limit=10_000):
        for record in mapper.records(n.id, app.mapper.to_domain_event(n)):
            if dict(record.headers)["casehub-record-type"] != TIMELINE_EVENT.encode():
                continue
            value = decode_record(record.value, agency_events_only=False).record
            by_topic.setdefault(record.topic, []).append(value)
    return by_topic


def _case_records(published, topic, case_id):
    return [r for r in published.get(topic, []) if str(r["case_id"]) == case_id]


def _text(records):
    return json.dumps(records, default=str, ensure_ascii=False)


def test_the_timeline_carries_the_confidential_case_whole(published):
    """The hub's own timeline is complete: the secret strings are there."""
    text = _text(_case_records(published, TIMELINE, CONF_CASE) + published[TIMELINE])
    for secret in CONFIDENTIAL_STRINGS:
        assert secret in text


@pytest.mark.parametrize("agency", ["market-regulation", "procuratorate"])
def test_cleared_participants_read_the_confidential_case(published, agency):
    """Participants cleared for CONFIDENTIAL get every event whole."""
    records = _case_records(published, feed_topic(agency), CONF_CASE)
    assert [r["event_type"] for r in records] == ["Case.Registered", "Case.InformationShared"]
    text = _text(records)
    assert CONFIDENTIAL_STRINGS[0] in text
    assert "CONF-SHARE-7Q" in text
    assert not any(json.loads(r["payload_json"]).get("masked") for r in records)


@pytest.mark.parametrize(
    ("agency", "events"),
    [
        # a participant cleared for INTERNAL only: every event, masked
        ("justice-bureau", ["Case.Registered", "Case.InformationShared"]),
        # cleared, but a mere notice recipient: the registration (the notice), masked
        ("rule-of-law-office", ["Case.Registered"]),
        # not cleared, not taking part: the notice, masked
        ("natural-resources", ["Case.Registered"]),
    ],
)
def test_everyone_else_gets_metadata_only(published, agency, events):
    """No title, summary or notice text reaches them; ids, agencies, dates and level do."""
    records = _case_records(published, feed_topic(agency), CONF_CASE)
    assert [r["event_type"] for r in records] == events
    text = _text(records)
    for secret in CONFIDENTIAL_STRINGS:
        assert secret not in text
    registered = json.loads(records[0]["payload_json"])
    assert registered["masked"] is True
    assert registered["classification"] == "CONFIDENTIAL"
    assert registered["case_number"] == "MR-CONF-1"
    assert registered["major"]["notice_id"] == "TB-CONF-1"
    assert registered["notice_due_date"]
    assert records[0]["actor_officer"] is None
    assert records[0]["event_id"] is not None
    assert records[0]["event_hash"]


def test_a_confidential_item_in_an_internal_case_is_masked_for_the_uncleared(published):
    """The event's own level counts: the justice bureau reads the case, not that item."""
    records = _case_records(published, feed_topic("justice-bureau"), INT_CASE)
    by_type = {r["event_type"]: json.loads(r["payload_json"]) for r in records}
    assert by_type["Case.Registered"]["title"] == "INT-TITLE"
    assert by_type["Case.InformationShared"]["masked"] is True
    assert "CONF-EVENT-9Z" not in _text(records)
    procuratorate = _text(_case_records(published, feed_topic("procuratorate"), INT_CASE))
    assert "CONF-EVENT-9Z" in procuratorate


def test_public_and_internal_cases_are_unchanged(published):
    """Below CONFIDENTIAL nothing is masked for agencies cleared for the level."""
    pub = str(case_id_for("natural-resources", "NR-PUB-1"))
    for agency in ("natural-resources", "procuratorate", "justice-bureau"):
        (record,) = _case_records(published, feed_topic(agency), pub)
        assert json.loads(record["payload_json"])["title"] == "PUB-TITLE"
