"""The outbound entries read straight from the event store: what the relay publishes, no broker.

``entries_from_store(app)`` reads the hub's event store in notification order and gives, for
each case and directory event, the ``TimelineEntry`` its ``casehub.timeline`` record carries:
the record is built by the relay's own ``timeline_record``, with the agencies the relay would
send it to (the case's participants just after the event, from the case's state, and the agencies
the directory has admitted). ``dead_letters_from_store`` does the same for rejections. Used to
replay views (``casehub consumers rebuild``), by the auditor's tools and the assessment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol
from uuid import UUID

import orjson
from eventsourcing.utils import get_topic

from hub.cases.domainmodel import Case
from hub.cases.indexes import Rejection
from hub.directory.domainmodel import Directory
from hub.ids import DIRECTORY_ID
from hub.outbound.deadletter import DeadLetterEntry, dead_letter_entry, dead_letter_record
from hub.outbound.recipients import (
    CaseStates,
    directory_recipients,
    event_recipients,
    participants_of,
)
from hub.outbound.timeline import (
    TimelineEntry,
    directory_subject,
    timeline_entry,
    timeline_record,
)


class StoreApplication(Protocol):
    """The part of an eventsourcing application (the hub's ``CaseHub``) a replay reads."""

    @property
    def recorder(self) -> Any: ...

    @property
    def mapper(self) -> Any: ...


def entry_from_domain_event(
    notification_id: int,
    event: Any,
    *,
    members: Sequence[str] = (),
    is_agency: Callable[[str], bool] | None = None,
) -> TimelineEntry | None:
    """The ``TimelineEntry`` of a stored ``Case`` or ``Directory`` event; None for anything else.

    ``members``: the case's participants just after the event; ``is_agency``: the agencies the
    directory knows (None: any). With both, ``participants`` is exactly what the relay's
    record lists; ``entries_from_store`` gives both.
    """
    if isinstance(event, Case.Event):
        reached = event_recipients(members, vars(event), is_agency)
        record = timeline_record(
            notification_id,
            event,
            case_id=event.originator_id,
            agency_id=None,
            participants=reached,
        )
    elif isinstance(event, Directory.Event):
        subject = directory_subject(event)
        reached = directory_recipients(event, subject, is_agency)
        record = timeline_record(
            notification_id, event, case_id=None, agency_id=subject or None, participants=reached
        )
    else:
        return None
    # the payload's data as a decoded payload_json gives it, parsed the fast way
    return timeline_entry(record, orjson.loads(record["payload_json"]))


def _topics(*classes: type) -> tuple[str, ...]:
    """Topic prefixes of the stored events of these aggregates (others are not decoded)."""
    return tuple(f"{get_topic(c)}." for c in classes)


def _stored(
    app: StoreApplication, after: int, batch: int, topics: tuple[str, ...]
) -> Iterator[tuple[int, Any]]:
    start = after + 1
    while True:
        notifications = app.recorder.select_notifications(start=start, limit=batch)
        if not notifications:
            return
        for notification in notifications:
            if notification.topic.startswith(topics):
                yield notification.id, app.mapper.to_domain_event(notification)
        start = notifications[-1].id + 1


def _aggregate_at(app: StoreApplication, aggregate_id: UUID, version: int) -> Any:
    """An aggregate at ``version``, replayed from its stored events."""
    aggregate: Any = None
    for stored in app.recorder.select_events(aggregate_id, lte=version):
        aggregate = app.mapper.to_domain_event(stored).mutate(aggregate)
    return aggregate


def _admitted(app: StoreApplication) -> set[str]:
    """The agencies the directory has admitted (as the relay knows them when it starts)."""
    topic = get_topic(Directory.AgencyAdmitted)
    return {
        str(app.mapper.to_domain_event(stored).agency_id)
        for stored in app.recorder.select_events(DIRECTORY_ID)
        if stored.topic == topic
    }


def entries_from_store(
    app: StoreApplication, *, after: int = 0, batch: int = 500
) -> Iterator[TimelineEntry]:
    """Every case and directory event in the store, in notification order, after ``after``."""
    agencies = _admitted(app)
    cases = CaseStates(lambda case_id, version: _aggregate_at(app, case_id, version))
    for notification_id, event in _stored(app, after, batch, _topics(Case, Directory)):
        if isinstance(event, Directory.AgencyAdmitted):
            agencies.add(str(event.agency_id))
        members = participants_of(cases.after(event)) if isinstance(event, Case.Event) else ()
        entry = entry_from_domain_event(
            notification_id, event, members=members, is_agency=agencies.__contains__
        )
        if entry is not None:
            yield entry


def dead_letter_from_domain_event(notification_id: int, event: Any) -> DeadLetterEntry | None:
    """A ``DeadLetterEntry`` for a stored ``Rejection.Recorded``; None for anything else."""
    if not isinstance(event, Rejection.Recorded):
        return None
    return dead_letter_entry(dead_letter_record(notification_id, event))


def dead_letters_from_store(
    app: StoreApplication, *, after: int = 0, batch: int = 500
) -> Iterator[DeadLetterEntry]:
    """Every rejection in the store, in notification order, after ``after``."""
    for notification_id, event in _stored(app, after, batch, _topics(Rejection)):
        letter = dead_letter_from_domain_event(notification_id, event)
        if letter is not None:
            yield letter


def max_notification_id(app: StoreApplication) -> int:
    """The last notification id in the store (0 when empty)."""
    value = app.recorder.max_notification_id()
    return int(value or 0)
