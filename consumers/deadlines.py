"""Deadlines: every obligation with a due day (notice acknowledgments, assistance responses,
recommendation replies), open or met, and the misses on the record.

The view stores DATES (due day, when met, the due day recorded as missed), never "days
remaining": what depends on today is computed when read (``read``, with ``hub.rules.clocks``),
so a view built yesterday is still right today. One row per obligation, keyed by case, kind,
item and owing agency, as ``hub.cases.deadlines`` keys them. Beside the rows, the view keeps
what its readers need to name things (``consumers.references``): each case's reference
(``cases``) and the agencies' directory names (``agencies``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from consumers.records import TimelineEntry, iso
from consumers.references import AGENCIES, CASE_REFS, agency_changes, case_changes
from consumers.store import Change, Patch, Put, Row, Table, Value, View, ViewStore
from hub.rules.calendar import WorkingDayCalendar
from hub.rules.clocks import days_remaining, local_date, working_days_late

NOTICE = "NOTICE_ACKNOWLEDGMENT"
ASSISTANCE = "ASSISTANCE_RESPONSE"
REPLY = "RECOMMENDATION_REPLY"
OPEN, MET, CANCELLED = "OPEN", "MET", "CANCELLED"

ITEMS = Table(
    "items",
    (
        "case_id",
        "kind",
        "target_id",
        "agency",
        "opened_ref",
        "opened_at",
        "due_date",
        "provisional",
        "status",
        "closed_ref",
        "closed_at",
        "missed_due_date",
        "missed_ref",
        "missed_at",
    ),
    key=("case_id", "kind", "target_id", "agency"),
    int_columns=frozenset({"provisional"}),
)


def ref(entry: TimelineEntry) -> str:
    """How a view names the event behind a row: its event id, else ``<case>@v<version>``."""
    return entry.event_id or f"{entry.aggregate_id}@v{entry.version}"


def _open(entry: TimelineEntry, kind: str, target: str, agency: str, due: str | None) -> Put:
    return Put(
        ITEMS.name,
        {
            "case_id": entry.case_id,
            "kind": kind,
            "target_id": target,
            "agency": agency,
            "opened_ref": ref(entry),
            "opened_at": iso(entry.recorded_at),
            "due_date": due,
            "provisional": int(
                entry.flag("notice_provisional") if kind == NOTICE else entry.flag("provisional")
            ),
            "status": OPEN,
            "closed_ref": None,
            "closed_at": None,
            "missed_due_date": None,
            "missed_ref": None,
            "missed_at": None,
        },
    )


def _close(
    entry: TimelineEntry, kind: str, target: str, status: str, agency: str | None = None
) -> Patch:
    where: dict[str, str | int | None] = {"case_id": entry.case_id, "kind": kind}
    where["target_id"] = target
    if agency is not None:
        where["agency"] = agency
    if status == CANCELLED:
        where["status"] = OPEN
    return Patch(
        ITEMS.name,
        where,
        {"status": status, "closed_ref": ref(entry), "closed_at": iso(entry.recorded_at)},
    )


def _due_values(entry: TimelineEntry) -> dict[str, Value]:
    return {"due_date": entry.text("due_date"), "provisional": int(entry.flag("provisional"))}


def _named(entry: TimelineEntry) -> dict[str, Value]:
    """The deadline a hub fact names by kind, item and agency."""
    return {
        "case_id": entry.case_id,
        "kind": entry.text("kind"),
        "target_id": entry.text("target_id"),
        "agency": entry.text("agency"),
    }


def changes(entry: TimelineEntry) -> Sequence[Change]:
    """The rows one event opens, closes or moves, and the names it brings (case, agency)."""
    return [*case_changes(entry), *agency_changes(entry), *_item_changes(entry)]


def _item_changes(entry: TimelineEntry) -> Sequence[Change]:  # noqa: C901, PLR0911, PLR0912 - a case per event type
    if entry.case_id is None:
        return []
    name = entry.name
    actor = entry.actor_agency or ""
    if name in ("Registered", "InformationShared"):
        major = entry.mapping("major")
        if major is None or not entry.payload.get("notice_due_date"):
            return []
        notice = str(major["notice_id"])
        due = entry.text("notice_due_date")
        return [_open(entry, NOTICE, notice, a, due) for a in entry.strings("notice_recipients")]
    if name == "NoticeAcknowledged":
        return [_close(entry, NOTICE, entry.text("notice_id"), MET, actor)]
    if name == "AssistanceRequested":
        request, addressee = entry.text("request_id"), entry.text("addressee")
        return [_open(entry, ASSISTANCE, request, addressee, entry.text("due_date"))]
    if name in ("AssistanceCompleted", "AssistanceDeclined"):
        return [_close(entry, ASSISTANCE, entry.text("request_id"), MET, actor)]
    if name == "RecommendationReceived":
        rec = entry.text("recommendation_id")
        return [_open(entry, REPLY, rec, actor, entry.text("due_date"))]
    if name == "RecommendationReplied":
        return [_close(entry, REPLY, entry.text("recommendation_id"), MET, actor)]
    if name == "RecommendationClosed":
        return [_close(entry, REPLY, entry.text("recommendation_id"), CANCELLED)]
    if name == "ObjectionReviewed":
        rec = entry.text("recommendation_id")
        if entry.text("outcome") == "WITHDRAWN":
            return [_close(entry, REPLY, rec, CANCELLED)]
        if not entry.payload.get("due_date"):
            return []
        where: dict[str, Value] = {"case_id": entry.case_id, "kind": REPLY, "target_id": rec}
        return [Patch(ITEMS.name, where, _due_values(entry))]
    if name == "DeadlineExtended":
        return [Patch(ITEMS.name, _named(entry), _due_values(entry))]
    if name == "DeadlineMissed":
        missed: dict[str, Value] = {
            "missed_due_date": entry.text("due_date"),
            "missed_ref": ref(entry),
            "missed_at": iso(entry.recorded_at),
        }
        return [Patch(ITEMS.name, _named(entry), missed)]
    return []


VIEW: View[TimelineEntry] = View(
    "deadlines",
    (ITEMS, CASE_REFS, AGENCIES),
    changes,
    description="deadlines: every open and missed deadline (dates; days computed when read)",
)


@dataclass(frozen=True, slots=True)
class DeadlineStatus:
    """One deadline as it stands on ``today``: what depends on the day is computed here."""

    case_id: str
    kind: str
    target_id: str
    agency: str
    due_date: date
    provisional: bool
    status: str
    closed_on: date | None
    missed: bool  # a miss is on the record
    days_remaining: int | None  # open deadlines only (calendar days); negative when overdue
    working_days_late: int  # late so far (open) or when met; 0 when on time
    working_days_left: int | None = None  # open and not yet due: working days to the due day

    @property
    def state(self) -> str:
        """The deadline's state in the glossary's terms (``words.status("deadline", …)``):
        OPEN, OVERDUE (open past its due day), MET, MET_LATE or CANCELLED."""
        if self.status == OPEN:
            return "OVERDUE" if self.working_days_late > 0 else OPEN
        if self.status == MET:
            return "MET_LATE" if self.working_days_late > 0 else MET
        return self.status


def status_of(row: Row, today: date, calendar: WorkingDayCalendar | None = None) -> DeadlineStatus:
    due = date.fromisoformat(str(row["due_date"]))
    closed_at = row.get("closed_at")
    closed_on = local_date(datetime.fromisoformat(str(closed_at))) if closed_at else None
    is_open = row["status"] == OPEN
    done = today if is_open else (closed_on or today)
    late = working_days_late(due, done, calendar) if row["status"] != CANCELLED else 0
    return DeadlineStatus(
        case_id=str(row["case_id"]),
        kind=str(row["kind"]),
        target_id=str(row["target_id"]),
        agency=str(row["agency"]),
        due_date=due,
        provisional=bool(row["provisional"]),
        status=str(row["status"]),
        closed_on=closed_on,
        missed=row.get("missed_due_date") is not None,
        days_remaining=days_remaining(due, today) if is_open else None,
        working_days_late=late,
        working_days_left=working_days_late(today, due, calendar) if is_open else None,
    )


def read(
    store: ViewStore,
    today: date,
    *,
    agency: str | None = None,
    calendar: WorkingDayCalendar | None = None,
) -> list[DeadlineStatus]:
    """Every open deadline and every missed or late one, by due date, as of ``today``."""
    rows = store.rows(VIEW, ITEMS.name, {"agency": agency} if agency else None)
    found = [status_of(r, today, calendar) for r in rows]
    wanted = [
        s
        for s in found
        if s.status == OPEN or s.missed or (s.status == MET and s.working_days_late > 0)
    ]
    return sorted(wanted, key=lambda s: (s.due_date, s.case_id, s.kind, s.target_id, s.agency))
