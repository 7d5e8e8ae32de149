"""Major notices (重大案件/重大事件通报): which partner acknowledged (签收) when, how late.

One row per (case, notice, recipient), opened when the notice is recorded (a major case
registration or a major shared item) and completed by that recipient's acknowledgment, with
the working days late the hub computed when it recorded it.
"""

from __future__ import annotations

from collections.abc import Sequence

from consumers.deadlines import ref
from consumers.records import TimelineEntry, iso
from consumers.store import Change, Patch, Put, Table, View

ACKS = Table(
    "acks",
    (
        "case_id",
        "notice_id",
        "recipient",
        "sender",
        "notified_ref",
        "notified_at",
        "due_date",
        "acknowledged_ref",
        "acknowledged_at",
        "working_days_late",
        "missed_ref",
    ),
    key=("case_id", "notice_id", "recipient"),
    int_columns=frozenset({"working_days_late"}),
)


def changes(entry: TimelineEntry) -> Sequence[Change]:
    if entry.case_id is None:
        return []
    if entry.name in ("Registered", "InformationShared"):
        major = entry.mapping("major")
        if major is None:
            return []
        return [
            Put(
                ACKS.name,
                {
                    "case_id": entry.case_id,
                    "notice_id": str(major["notice_id"]),
                    "recipient": recipient,
                    "sender": entry.actor_agency,
                    "notified_ref": ref(entry),
                    "notified_at": iso(entry.recorded_at),
                    "due_date": entry.text("notice_due_date") or None,
                    "acknowledged_ref": None,
                    "acknowledged_at": None,
                    "working_days_late": None,
                    "missed_ref": None,
                },
            )
            for recipient in entry.strings("notice_recipients")
        ]
    if entry.name == "NoticeAcknowledged":
        where = {
            "case_id": entry.case_id,
            "notice_id": entry.text("notice_id"),
            "recipient": entry.actor_agency,
        }
        values = {
            "acknowledged_ref": ref(entry),
            "acknowledged_at": iso(entry.recorded_at),
            "working_days_late": entry.number("working_days_late"),
        }
        return [Patch(ACKS.name, where, values)]
    if entry.name == "DeadlineMissed" and entry.text("kind") == "NOTICE_ACKNOWLEDGMENT":
        where = {
            "case_id": entry.case_id,
            "notice_id": entry.text("target_id"),
            "recipient": entry.text("agency"),
        }
        return [Patch(ACKS.name, where, {"missed_ref": ref(entry)})]
    return []


VIEW: View[TimelineEntry] = View(
    "notices",
    (ACKS,),
    changes,
    description="major notices: which partner acknowledged when, how late in working days",
)
