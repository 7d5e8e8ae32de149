"""The records the relay would publish for a stored story: what the views' and the outbound
contract's tests compare their readings with, and (``publish_story``) put on their own topics."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from hub.kafka.clients import transactional_producer
from hub.relay.records import CaseStates, OutRecord, RecordMapper
from hub.topics import DEADLETTER, TIMELINE


def relay_records(app: Any) -> list[tuple[int, Any, list[OutRecord]]]:
    """(notification id, stored event, its records) for every notification of ``app``'s store,
    in order, mapped as the relay maps them for the agencies of its directory."""
    agencies = {a.agency_id for a in app.directory().agencies}
    mapper = RecordMapper(
        CaseStates(lambda case_id, version: app.repository.get(case_id, version=version)),
        sender_of=lambda _id, _version: "",
        is_agency=agencies.__contains__,
    )
    out = []
    for notification in app.recorder.select_notifications(start=1, limit=10_000):
        event = app.mapper.to_domain_event(notification)
        out.append((notification.id, event, mapper.records(notification.id, event)))
    return out


def publish_story(
    app: Any, settings: Any, topics: dict[str, str], *, client_id: str, abort_last: bool = False
) -> None:
    """Publish ``app``'s timeline and dead-letter records, as the relay maps them, to the
    topics named by ``topics["timeline"]`` and ``topics["deadletter"]`` in one transaction;
    with ``abort_last``, then one aborted transaction (read_committed readers never see it)."""
    rename = {TIMELINE: topics["timeline"], DEADLETTER: topics["deadletter"]}
    producer = transactional_producer(
        settings, transactional_id=f"t-{uuid4().hex}", client_id=client_id
    )
    producer.init_transactions(30)
    producer.begin_transaction()
    for _, _, records in relay_records(app):
        for record in records:
            if record.topic in rename:
                producer.produce(rename[record.topic], key=record.key, value=record.value)
                producer.poll(0)
    producer.commit_transaction(30)
    if abort_last:
        producer.begin_transaction()
        producer.produce(topics["timeline"], key=b"x", value=b"never committed")
        producer.flush(30)
        producer.abort_transaction(30)
