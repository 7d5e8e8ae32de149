"""The assessment view: the facts of the record the annual assessment scores (mechanism 6).

``organs`` holds every admitted agency (names and role, from the directory); ``facts`` one row
per fact (``hub.assessment.model``), keyed by notification id, fact kind and organ. The
scoring (``hub.assessment.scoring``) reads these rows for a year: the view keeps facts, not
running totals, so a changed weight or formula needs no rebuild, and every figure can list the
events behind it. Metadata only: ids, types, agencies, dates, outcomes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from consumers.deadlines import ref
from consumers.records import TimelineEntry, iso
from consumers.store import Change, Put, Row, Table, View, ViewStore
from hub.assessment import model as m

ORGANS = Table(
    "organs",
    ("agency_id", "name_zh", "name_en", "role", "admitted_at", "admitted_ref"),
    key=("agency_id",),
)
FACTS = Table(
    "facts",
    (
        "notification_id",
        "kind",
        "organ",
        "event_ref",
        "event_type",
        "actor_agency",
        "case_id",
        "subject",
        "recorded_at",
        "day",
        "value",
    ),
    key=("notification_id", "kind", "organ"),
    int_columns=frozenset({"notification_id"}),
)

_TIMELY = {True: m.LATE, False: m.ON_TIME}


def facts_of(entry: TimelineEntry) -> list[m.Fact]:  # noqa: C901, PLR0912 - one branch per event type
    """The assessment facts one recorded event contributes (often none)."""
    name, actor = entry.name, entry.actor_agency or ""

    def fact(
        kind: str, *, subject: str = "", organ: str = "", day: date | None = None, value: str = ""
    ) -> m.Fact:
        return m.Fact(
            notification_id=entry.notification_id,
            kind=kind,
            event_ref=ref(entry),
            event_type=entry.event_type,
            actor_agency=actor,
            case_id=entry.case_id or "",
            subject=subject,
            organ=organ,
            recorded_at=entry.recorded_at,
            day=day,
            value=value,
        )

    if entry.aggregate == "DIRECTORY":
        if name == "AgencyAdmitted":
            agency = entry.text("agency_id")
            return [fact(m.AGENCY, organ=agency, value=entry.text("role"))]
        if name == "LiaisonDesignated":
            agency = entry.text("agency_id")
            return [fact(m.LIAISON, organ=agency, day=entry.day("effective_from"))]
        return []
    found: list[m.Fact] = []
    if name == "Registered":
        found.append(fact(m.CASE, organ=entry.text("owning_agency")))
    if name in ("Registered", "InformationShared"):
        major = entry.mapping("major")
        if major is not None and entry.payload.get("notice_due_date"):
            notice, due = str(major["notice_id"]), entry.day("notice_due_date")
            found += [
                fact(m.NOTICE, subject=notice, organ=a, day=due)
                for a in entry.strings("notice_recipients")
            ]
        return found
    rec, request = entry.text("recommendation_id"), entry.text("request_id")
    if name == "NoticeAcknowledged":
        found.append(
            fact(
                m.NOTICE_ACK,
                subject=entry.text("notice_id"),
                organ=actor,
                day=entry.day("due_date"),
                value=str(entry.number("working_days_late")),
            )
        )
    elif name == "AssistanceRequested":
        organ = entry.text("addressee")
        found.append(fact(m.ASSISTANCE, subject=request, organ=organ, day=entry.day("due_date")))
    elif name in ("AssistanceCompleted", "AssistanceDeclined"):
        kind = m.ASSISTANCE_COMPLETED if name == "AssistanceCompleted" else m.ASSISTANCE_DECLINED
        found.append(fact(kind, subject=request, organ=actor, value=_TIMELY[entry.flag("late")]))
    elif name == "RecommendationReceived":
        found.append(fact(m.RECOMMENDATION, subject=rec, organ=actor, day=entry.day("due_date")))
    elif name == "ObjectionReviewed":
        day, outcome = entry.day("due_date"), entry.text("outcome")
        found.append(fact(m.OBJECTION_REVIEW, subject=rec, day=day, value=outcome))
    elif name == "RecommendationReplied":
        found.append(fact(m.REPLY, subject=rec, organ=actor, value=_TIMELY[entry.flag("late")]))
        found.append(fact(m.ADOPTION, subject=rec, organ=actor, value=entry.text("adoption")))
    elif name == "RectificationChecked":
        found.append(
            fact(m.RECTIFICATION, subject=rec, value="1" if entry.flag("rectified") else "0")
        )
    elif name in ("DeadlineExtended", "DeadlineMissed"):
        kind = m.EXTENDED if name == "DeadlineExtended" else m.MISSED
        found.append(
            fact(
                kind,
                subject=entry.text("target_id"),
                organ=entry.text("agency"),
                day=entry.day("due_date"),
                value=entry.text("kind"),
            )
        )
    elif name == "DisputeOpened":
        found.append(fact(m.DISPUTE_OPENED, subject=entry.text("dispute_id")))
    elif name == "MediationSessionHeld":
        found.append(fact(m.MEDIATION, subject=entry.text("dispute_id")))
    elif name in ("DisputeResolved", "DisputeWithdrawn", "DisputeReferredToLitigation"):
        outcome = {"DisputeResolved": "RESOLVED", "DisputeWithdrawn": "WITHDRAWN"}.get(
            name, "REFERRED"
        )
        found.append(fact(m.DISPUTE_CLOSED, subject=entry.text("dispute_id"), value=outcome))
    return found


def changes(entry: TimelineEntry) -> Sequence[Change]:
    out: list[Change] = [
        Put(
            FACTS.name,
            {
                "notification_id": f.notification_id,
                "kind": f.kind,
                "organ": f.organ,
                "event_ref": f.event_ref,
                "event_type": f.event_type,
                "actor_agency": f.actor_agency,
                "case_id": f.case_id,
                "subject": f.subject,
                "recorded_at": iso(f.recorded_at),
                "day": f.day.isoformat() if f.day else None,
                "value": f.value,
            },
        )
        for f in facts_of(entry)
    ]
    if entry.aggregate == "DIRECTORY" and entry.name == "AgencyAdmitted":
        out.append(
            Put(
                ORGANS.name,
                {
                    "agency_id": entry.text("agency_id"),
                    "name_zh": entry.text("name_zh"),
                    "name_en": entry.text("name_en"),
                    "role": entry.text("role"),
                    "admitted_at": iso(entry.recorded_at),
                    "admitted_ref": ref(entry),
                },
            )
        )
    return out


VIEW: View[TimelineEntry] = View(
    "assessment",
    (ORGANS, FACTS),
    changes,
    description="annual assessment: the facts each administrative organ is scored on",
)


def organ_of_row(row: Row) -> m.Organ:
    return m.Organ(
        agency_id=str(row["agency_id"]),
        name_zh=str(row["name_zh"] or ""),
        name_en=str(row["name_en"] or ""),
        role=str(row["role"] or ""),
        admitted_at=datetime.fromisoformat(str(row["admitted_at"])),
    )


def fact_of_row(row: Row) -> m.Fact:
    return m.Fact(
        notification_id=int(row["notification_id"] or 0),
        kind=str(row["kind"]),
        event_ref=str(row["event_ref"]),
        event_type=str(row["event_type"]),
        actor_agency=str(row["actor_agency"] or ""),
        case_id=str(row["case_id"] or ""),
        subject=str(row["subject"] or ""),
        organ=str(row["organ"] or ""),
        recorded_at=datetime.fromisoformat(str(row["recorded_at"])),
        day=date.fromisoformat(str(row["day"])) if row["day"] else None,
        value=str(row["value"] or ""),
    )


def organs_and_facts(store: ViewStore) -> tuple[list[m.Organ], list[m.Fact]]:
    """Everything the scoring reads, from the view."""
    organs = [organ_of_row(r) for r in store.rows(VIEW, ORGANS.name)]
    facts = [fact_of_row(r) for r in store.rows(VIEW, FACTS.name)]
    return organs, facts


def organs_and_facts_of(entries: Sequence[TimelineEntry]) -> tuple[list[m.Organ], list[m.Fact]]:
    """The same, straight from entries (in memory: tests, and reports from the event store)."""
    organs: dict[str, m.Organ] = {}
    facts: list[m.Fact] = []
    for entry in entries:
        facts.extend(facts_of(entry))
        if entry.aggregate == "DIRECTORY" and entry.name == "AgencyAdmitted":
            agency = entry.text("agency_id")
            organs[agency] = m.Organ(
                agency,
                entry.text("name_zh"),
                entry.text("name_en"),
                entry.text("role"),
                entry.recorded_at,
            )
    return list(organs.values()), facts
