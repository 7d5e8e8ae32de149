"""The records the relay would publish for a stored story, without Kafka: what the views'
and the outbound contract's tests compare their readings with."""

from __future__ import annotations

from typing import Any

from hub.relay.records import CaseStates, OutRecord, RecordMapper


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
