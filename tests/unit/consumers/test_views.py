"""What each view holds after the demo story, and how it treats events the story lacks."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from consumers import assessment, audit_trail, deadlines, notices, rejections, timelines
from consumers.records import TimelineEntry
from consumers.runner import VIEWS, catch_up
from consumers.store import Positioned, SQLiteViewStore
from devkit.demo.story import FOOD_CASE, LAND_CASE
from hub.ids import case_id_for

FOOD = str(case_id_for(FOOD_CASE.owning_agency, FOOD_CASE.case_number))
LAND = str(case_id_for(LAND_CASE.owning_agency, LAND_CASE.case_number))


@pytest.fixture(scope="module")
def views(story_app, tmp_path_factory):
    store = SQLiteViewStore(str(tmp_path_factory.mktemp("views") / "views.sqlite"))
    for view in VIEWS.values():
        catch_up(story_app, store, view)
    yield store
    store.close()


def entry(version, name, payload, *, actor="procuratorate", case=FOOD, day="2026-05-04"):
    """A hand-built entry: the view logic needs no store and no Kafka."""
    return TimelineEntry(
        notification_id=1000 + version,
        event_type=f"Case.{name}",
        aggregate="CASE",
        aggregate_id=case,
        case_id=case,
        agency_id=None,
        version=version,
        event_id=f"00000000-0000-0000-0000-{version:012d}",
        actor_agency=actor,
        officer_id="o-1",
        occurred_at=datetime.fromisoformat(f"{day}T02:00:00+00:00"),
        recorded_at=datetime.fromisoformat(f"{day}T02:00:00+00:00"),
        hash_alg="sha256",
        event_hash=f"{version:064d}",
        prev_hash=f"{version - 1:064d}",
        payload=payload,
    )


class TestAuditTrail:
    def test_every_accepted_event_is_one_row_with_its_hashes(self, views, story_entries):
        """The audit trail has a row per accepted event: who, what, when, and the hash link."""
        rows = views.rows(audit_trail.VIEW, "events")
        assert [r["notification_id"] for r in rows] == [e.notification_id for e in story_entries]
        registered = next(r for r in rows if r["event_type"] == "Case.Registered")
        assert registered["actor_agency"] == "market-regulation"
        assert registered["officer_id"] == "mr-001"
        assert registered["occurred_at"] == "2026-03-02T02:00:00.000+00:00"
        assert registered["prev_hash"] == "0" * 64
        assert len(registered["event_hash"]) == 64


class TestTimelines:
    def test_each_case_reads_in_version_order_in_both_languages(self, views):
        """A case timeline lists its events in order, as sentences in Chinese or English."""
        rows = views.rows(timelines.VIEW, "entries", {"case_id": LAND})
        zh = timelines.timeline_rows(rows, "zh")
        en = timelines.timeline_rows(rows, "en")
        assert [r["version"] for r in zh] == list(range(1, len(rows) + 1))
        assert zh[0]["text"].startswith("natural-resources: 登记案件")
        assert any("书面回复 JJ-2026-02" in r["text"] and "逾期=是" in r["text"] for r in zh)
        assert any("deadline missed (overdue)" in r["text"] for r in en)

    def test_free_text_stays_in_the_event_store(self, views):
        """Titles, summaries and measures are not copied to the timeline view."""
        dump = json.dumps(views.snapshot(timelines.VIEW), ensure_ascii=False)
        assert "cold-chain food sold past its date" not in dump
        assert "Traceability checks added" not in dump
        (case,) = views.rows(timelines.VIEW, "cases", {"case_id": FOOD})
        assert case["major_notice"] == "TB-2026-001"
        assert case["last_version"] == 17


class TestDeadlines:
    def test_dates_are_stored_and_days_computed_when_read(self, views):
        """The view holds due dates; days remaining depend on the day it is read."""
        (row,) = views.rows(
            deadlines.VIEW, "items", {"kind": "RECOMMENDATION_REPLY", "target_id": "JJ-2026-02"}
        )
        assert row["due_date"] == "2026-06-15"
        assert "days_remaining" not in row
        status = deadlines.status_of({**row, "status": "OPEN", "closed_at": None}, date(2026, 6, 1))
        assert status.days_remaining == 14
        later = deadlines.status_of({**row, "status": "OPEN", "closed_at": None}, date(2026, 6, 17))
        assert later.days_remaining == -2
        assert later.working_days_late == 2

    def test_missed_and_late_deadlines_are_listed(self, views):
        """After the story: the overdue reply (missed, 7 working days late) and the late ack."""
        found = {
            (s.kind, s.target_id, s.agency): s for s in deadlines.read(views, date(2026, 12, 31))
        }
        reply = found["RECOMMENDATION_REPLY", "JJ-2026-02", "natural-resources"]
        assert reply.missed
        assert reply.status == "MET"
        assert reply.closed_on == date(2026, 6, 25)
        assert reply.working_days_late == 7
        ack = found["NOTICE_ACKNOWLEDGMENT", "TB-2026-001", "natural-resources"]
        assert ack.working_days_late == 3
        assert not ack.missed
        assert ("RECOMMENDATION_REPLY", "JJ-2026-01", "market-regulation") not in found

    def test_open_deadlines_show_before_they_are_met(self, story_entries, tmp_path):
        """Mid-story, the market regulator's reply is open with its days remaining."""
        store = SQLiteViewStore(str(tmp_path / "v.sqlite"))
        store.ensure(deadlines.VIEW)
        early = [e for e in story_entries if e.recorded_at < datetime(2026, 5, 1, tzinfo=UTC)]
        store.record(deadlines.VIEW, "test", [Positioned(e.notification_id, e) for e in early])
        found = deadlines.read(store, date(2026, 5, 1))
        reply = next(s for s in found if s.target_id == "JJ-2026-01")
        assert (reply.status, reply.due_date, reply.days_remaining) == (
            "OPEN",
            date(2026, 6, 3),
            33,
        )
        store.close()

    def test_extensions_withdrawals_and_closures_move_or_cancel(self):
        """An extension moves the due date; a withdrawal or closure cancels an open deadline."""
        received = entry(
            1,
            "RecommendationReceived",
            {"recommendation_id": "R", "due_date": "2026-07-06", "provisional": False},
            actor="market-regulation",
        )
        (opened,) = deadlines.changes(received)
        assert opened.row["status"] == "OPEN"
        assert opened.row["agency"] == "market-regulation"
        extended = entry(
            2,
            "DeadlineExtended",
            {
                "kind": "RECOMMENDATION_REPLY",
                "target_id": "R",
                "agency": "market-regulation",
                "due_date": "2026-08-03",
                "previous_due_date": "2026-07-06",
                "provisional": False,
            },
        )
        (moved,) = deadlines.changes(extended)
        assert moved.values == {"due_date": "2026-08-03", "provisional": 0}
        withdrawn = entry(
            3, "ObjectionReviewed", {"recommendation_id": "R", "outcome": "WITHDRAWN"}
        )
        (cancel,) = deadlines.changes(withdrawn)
        assert cancel.values["status"] == "CANCELLED"
        assert cancel.where["status"] == "OPEN"
        declined = entry(4, "AssistanceDeclined", {"request_id": "Q", "late": True})
        (met,) = deadlines.changes(declined)
        assert met.where["kind"] == "ASSISTANCE_RESPONSE"
        assert met.values["status"] == "MET"


class TestNotices:
    def test_each_partner_acknowledgment_and_its_lateness(self, views):
        """Every partner's acknowledgment of the major notice, and how late in working days."""
        rows = views.rows(notices.VIEW, "acks", {"notice_id": "TB-2026-001"})
        late = {r["recipient"]: r["working_days_late"] for r in rows}
        assert late == {
            "rule-of-law-office": 0,
            "procuratorate": 0,
            "justice-bureau": 0,
            "natural-resources": 3,
            "ecology-environment": 0,
        }
        nr = next(r for r in rows if r["recipient"] == "natural-resources")
        assert nr["acknowledged_at"].startswith("2026-03-06")
        assert nr["due_date"] == "2026-03-03"


class TestAssessmentFacts:
    def test_the_view_holds_facts_and_organ_names_only(self, views):
        """Facts are metadata (ids, types, agencies, dates, outcomes); organs have their names."""
        organs = {r["agency_id"]: r for r in views.rows(assessment.VIEW, "organs")}
        assert organs["natural-resources"]["name_zh"] == "市自然资源局"
        facts = views.rows(assessment.VIEW, "facts")
        kinds = {(f["kind"], f["organ"], f["value"]) for f in facts}
        assert ("reply", "natural-resources", "late") in kinds
        assert ("adoption", "natural-resources", "PARTLY_ADOPTED") in kinds
        assert ("notice_ack", "natural-resources", "3") in kinds
        assert ("rectification", "", "0") in kinds
        dump = json.dumps(facts, ensure_ascii=False)
        assert "staffing" not in dump
        assert "吴十" not in dump


class TestRejections:
    def test_dead_letters_by_agency_reason_and_time(self, views, story_letters):
        """Every rejection is kept with its sender, reason code, message and time."""
        rows = views.rows(rejections.VIEW, "letters")
        assert len(rows) == len(story_letters)
        # The story's one bad event: a recommendation sent by an organ that may not issue one.
        assert [(r["sender_agency"], r["reason_code"]) for r in rows] == [
            ("natural-resources", "not_authorized")
        ]
        assert all(r["recorded_at"] for r in rows)
