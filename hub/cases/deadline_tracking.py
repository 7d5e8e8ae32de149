"""The deadline index kept beside the cases, and the scheduler's use of it.

Every command that changes a case's open deadlines mirrors the change into the per-day index
(``hub.cases.deadline_index``: a ``DeadlineCalendar`` of the days that have entries, one
``DeadlineDay`` per day), in the command's transaction. The scheduler reads the index, not the
cases: ``record_missed`` visits only the days before today, and ``open_deadlines`` lists every
unmet deadline without loading a case.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from hub.cases.casestate import Deadline
from hub.cases.context import HUB_AGENCY, Meta
from hub.cases.deadline_index import DeadlineCalendar, DeadlineDay
from hub.cases.domainmodel import Case
from hub.cases.hashing import content_hash
from hub.cases.unitofwork import UnitOfWork, load_or_none
from hub.cases.views import Accepted, DeadlineView, Outcome
from hub.ids import DEADLINE_INDEX_ID
from hub.rules.clocks import local_date

#: Who records a missed deadline: the hub's scheduler.
SCHEDULER = "scheduler"


def open_deadlines_of(case: Case) -> dict[str, Deadline]:
    """The case's open deadlines by key, as the index keeps them."""
    return {
        d.key: Deadline(d.kind, d.target_id, d.agency, d.due_date, d.provisional)
        for d in case.open_deadlines()
    }


def sync(uow: UnitOfWork, case: Case, before: dict[str, Deadline]) -> list[Aggregate]:
    """Mirror the case's open deadlines into the per-day index; the index aggregates touched.

    ``before``: ``open_deadlines_of(case)`` before the command (empty for a new case).
    """
    after = open_deadlines_of(case)
    days: dict[date, DeadlineDay] = {}
    for key, was in before.items():
        now = after.get(key)
        if now is None or now.due_date != was.due_date:
            bucket = days.setdefault(was.due_date, uow.deadline_day(was.due_date))
            bucket.close_entry(case.id, key)
    for key, now_open in after.items():
        prior = before.get(key)
        if prior is None or prior.due_date != now_open.due_date:
            bucket = days.setdefault(now_open.due_date, uow.deadline_day(now_open.due_date))
            bucket.open_entry(case.id, key, now_open.kind, now_open.target_id, now_open.agency)
    if not days:
        return []
    calendar = uow.deadline_calendar()
    for day, bucket in days.items():
        calendar.sync_day(day, bool(bucket.entries))
    return [*days.values(), calendar]


def record_missed(uow: UnitOfWork, now: datetime) -> list[Outcome]:
    """Record DeadlineMissed once for every open deadline whose due day ended before ``now``."""
    today = local_date(now)
    outcomes: list[Outcome] = []
    calendar = uow.get(DEADLINE_INDEX_ID, DeadlineCalendar)
    days = [d for d in calendar.days if d < today] if calendar is not None else []
    for day in days:
        bucket = uow.deadline_day(day)
        for entry in list(bucket.entries.values()):
            if entry.missed:
                continue
            case = uow.get(entry.case_id, Case)
            deadline = case.deadlines.get(entry.key) if case is not None else None
            if case is None or deadline is None or deadline.due_date != day:
                continue
            if not deadline.is_late:
                meta = _scheduler_meta(now, deadline)
                case.record_deadline_missed(
                    meta, deadline.kind, deadline.target_id, deadline.agency
                )
                outcomes.append(Accepted(meta.event_id, case.id, case.version, case.chain_head))
            bucket.mark_missed(entry.case_id, entry.key)
            uow.collect(case, bucket)
    return outcomes


def open_deadlines(load: Callable[[UUID], Any]) -> list[DeadlineView]:
    """Every unmet deadline, from the index (no case is loaded), by due date.

    ``load``: the repository's ``get``.
    """
    calendar = load_or_none(load, DEADLINE_INDEX_ID)
    if not isinstance(calendar, DeadlineCalendar):
        return []
    views: list[DeadlineView] = []
    for day in calendar.days:
        bucket = load_or_none(load, DeadlineDay.start(day).id)
        if isinstance(bucket, DeadlineDay):
            views.extend(
                DeadlineView(
                    e.case_id,
                    e.kind,
                    e.target_id,
                    e.agency,
                    day,
                    e.missed,
                    state="overdue" if e.missed else "open",
                )
                for e in bucket.entries.values()
            )
    return views


def _scheduler_meta(now: datetime, deadline: Deadline) -> Meta:
    payload = {
        "kind": deadline.kind,
        "target_id": deadline.target_id,
        "agency": deadline.agency,
        "due_date": deadline.due_date,
    }
    return Meta(
        event_id=uuid4(),
        actor_agency=HUB_AGENCY,
        actor_role=HUB_AGENCY,
        officer_id=SCHEDULER,
        occurred_at=now,
        recorded_at=now,
        content_hash=content_hash(payload),
    )
