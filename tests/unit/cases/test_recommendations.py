"""Mechanism 4: procuratorial recommendations and their feedback."""

from __future__ import annotations

from datetime import date

import pytest

from case_builders import JUSTICE, MARKET, NATURAL, PROC, World, at, refused
from hub.cases import commands as c
from hub.vocabulary import Adoption, DeadlineKind, EscalationChannel, ReviewOutcome


def issue(w: World, rec: str = "R-3", **fields: object) -> None:
    fields.setdefault("addressee", MARKET)
    w.send(
        c.IssueRecommendation,
        PROC,
        recommendation_id=rec,
        content="Strengthen licence checks.",
        legal_basis="检察建议工作规定",
        **fields,
    )


@pytest.fixture
def received(world: World) -> World:
    registered = world
    registered.clock.set(at("2026-08-01"))  # a Saturday: the period counts from Sunday
    registered.register()
    issue(registered)
    registered.send(c.ServeRecommendation, PROC, recommendation_id="R-3")
    registered.send(c.ReceiveRecommendation, MARKET, recommendation_id="R-3")
    return registered


def rec_view(w: World):
    return w.hub.get_case(w.case_id).recommendations[0]


def test_due_date_skips_national_day(received: World):
    """Received 2026-08-01, the two-month reply is due 2026-10-08 (after the National Day break)."""
    assert rec_view(received).due_date == date(2026, 10, 8)
    assert rec_view(received).status == "RECEIVED"


def test_whole_lifecycle(received: World):
    """Reply on time, follow-up, consultation, escalation and closing are all on the record."""
    w = received
    w.clock.set(at("2026-09-20"))
    w.send(
        c.ReplyToRecommendation,
        MARKET,
        recommendation_id="R-3",
        adoption=Adoption.PARTLY_ADOPTED,
        measures="licence checks weekly",
    )
    w.send(c.RecordRectificationCheck, PROC, recommendation_id="R-3", rectified=True, notes="ok")
    w.send(
        c.RecordConsultation,
        PROC,
        recommendation_id="R-3",
        held_on=date(2026, 9, 25),
        summary="met the bureau",
        opinions_heard="staff shortage",
    )
    w.send(
        c.EscalateRecommendation,
        PROC,
        recommendation_id="R-3",
        channel=EscalationChannel.ORGAN_SUPERIOR,
        reason="partial adoption",
    )
    w.send(c.CloseRecommendation, PROC, recommendation_id="R-3", notes="closed")
    view = rec_view(w)
    assert (view.status, view.adoption, view.late) == ("CLOSED", "PARTLY_ADOPTED", False)
    assert [f.kind for f in view.follow_ups] == [
        "RECTIFICATION_CHECK",
        "CONSULTATION",
        "ESCALATION",
    ]
    assert w.hub.open_deadlines() == []


def test_only_procuratorate_issues(registered: World):
    """Only the procuratorate issues a recommendation."""
    refused(
        registered,
        c.IssueRecommendation,
        JUSTICE,
        "not_authorized",
        "only the procuratorate may issue a recommendation",
        recommendation_id="R-3",
        addressee=MARKET,
        content="x",
        legal_basis="y",
    )


def test_content_and_basis_required(registered: World):
    """A recommendation needs content and a legal basis."""
    refused(
        registered,
        c.IssueRecommendation,
        PROC,
        "rule_violation",
        "the legal basis of a recommendation must not be blank",
        recommendation_id="R-3",
        addressee=MARKET,
        content="x",
        legal_basis="",
    )


def test_not_received_before_service(registered: World):
    """The addressee cannot receive a recommendation before it is served."""
    issue(registered)
    refused(
        registered,
        c.ReceiveRecommendation,
        MARKET,
        "rule_violation",
        "recommendation R-3 has not been served yet",
        recommendation_id="R-3",
    )


def test_no_reply_before_receipt(registered: World):
    """A reply before receipt is refused by name."""
    issue(registered)
    refused(
        registered,
        c.ReplyToRecommendation,
        MARKET,
        "rule_violation",
        "recommendation R-3 has not been received yet",
        recommendation_id="R-3",
        adoption=Adoption.ADOPTED,
        measures="m",
    )


def test_only_addressee_receives_and_replies(received: World):
    """Only the addressee replies."""
    refused(
        received,
        c.ReplyToRecommendation,
        NATURAL,
        "not_authorized",
        "only the addressee of recommendation R-3 may reply to it",
        recommendation_id="R-3",
        adoption=Adoption.ADOPTED,
        measures="m",
    )


def test_only_procuratorate_serves(registered: World):
    """Only the procuratorate serves the document."""
    issue(registered)
    refused(
        registered,
        c.ServeRecommendation,
        MARKET,
        "not_authorized",
        "only the procuratorate may serve a recommendation",
        recommendation_id="R-3",
    )


def test_closed_is_final(received: World):
    """Nothing happens on a recommendation after it is closed."""
    received.send(c.CloseRecommendation, PROC, recommendation_id="R-3")
    refused(
        received,
        c.ReplyToRecommendation,
        MARKET,
        "rule_violation",
        "recommendation R-3 is already closed",
        recommendation_id="R-3",
        adoption=Adoption.ADOPTED,
        measures="m",
    )
    assert received.hub.open_deadlines() == []


def test_objection_amended_restarts_period(received: World):
    """An AMENDED review restarts the reply period from the review's recorded date."""
    w = received
    w.send(c.ObjectToRecommendation, MARKET, recommendation_id="R-3", grounds="facts wrong")
    refused(
        w,
        c.ReplyToRecommendation,
        MARKET,
        "rule_violation",
        "has an objection awaiting review",
        recommendation_id="R-3",
        adoption=Adoption.ADOPTED,
        measures="m",
    )
    w.clock.set(at("2026-09-10"))
    refused(
        w,
        c.ReviewObjection,
        PROC,
        "rule_violation",
        "the amended content must not be blank",
        recommendation_id="R-3",
        outcome=ReviewOutcome.AMENDED,
        notes="n",
    )
    w.send(
        c.ReviewObjection,
        PROC,
        recommendation_id="R-3",
        outcome=ReviewOutcome.AMENDED,
        notes="corrected",
        amended_content="Check licences monthly.",
    )
    view = rec_view(w)
    assert (view.status, view.content, view.due_date) == (
        "RECEIVED",
        "Check licences monthly.",
        date(2026, 11, 10),
    )
    assert [d.due_date for d in w.hub.open_deadlines()] == [date(2026, 11, 10)]


def test_objection_upheld_keeps_period(received: World):
    """An UPHELD review keeps the original due date."""
    received.send(c.ObjectToRecommendation, MARKET, recommendation_id="R-3", grounds="g")
    received.send(
        c.ReviewObjection, PROC, recommendation_id="R-3", outcome=ReviewOutcome.UPHELD, notes="n"
    )
    assert (rec_view(received).status, rec_view(received).due_date) == (
        "RECEIVED",
        date(2026, 10, 8),
    )


def test_objection_withdrawn_closes(received: World):
    """A WITHDRAWN review closes the recommendation and its deadline."""
    received.send(c.ObjectToRecommendation, MARKET, recommendation_id="R-3", grounds="g")
    received.send(
        c.ReviewObjection,
        PROC,
        recommendation_id="R-3",
        outcome=ReviewOutcome.WITHDRAWN,
        notes="n",
    )
    assert rec_view(received).status == "CLOSED"
    assert received.hub.open_deadlines() == []


def test_review_needs_objection(received: World):
    """A review without a pending objection is refused."""
    refused(
        received,
        c.ReviewObjection,
        PROC,
        "rule_violation",
        "has no objection awaiting review",
        recommendation_id="R-3",
        outcome=ReviewOutcome.UPHELD,
        notes="n",
    )


def test_rectification_check_after_reply(received: World):
    """A rectification check comes only after a reply."""
    refused(
        received,
        c.RecordRectificationCheck,
        PROC,
        "rule_violation",
        "recommendation R-3 has not been replied to yet",
        recommendation_id="R-3",
        rectified=False,
        notes="n",
    )


def test_urgent_due_date_wins_when_earlier(registered: World):
    """An urgent due date earlier than two months is the due date (rolled to a working day)."""
    issue(registered, urgent_due_date=date(2026, 8, 22))  # Saturday -> Monday 24th
    registered.send(c.ServeRecommendation, PROC, recommendation_id="R-3")
    registered.send(c.ReceiveRecommendation, MARKET, recommendation_id="R-3")
    assert rec_view(registered).due_date == date(2026, 8, 24)


def test_extension_by_procuratorate(received: World):
    """The procuratorate's extension moves the reply due date; others may not extend."""
    fields = {
        "kind": DeadlineKind.RECOMMENDATION_REPLY,
        "target_id": "R-3",
        "new_due_date": date(2026, 11, 30),
        "reason": "complex rectification",
    }
    refused(
        received, c.ExtendDeadline, MARKET, "not_authorized", "only the procuratorate", **fields
    )
    received.send(c.ExtendDeadline, PROC, **fields)
    assert rec_view(received).due_date == date(2026, 11, 30)


def test_late_reply_after_missed_deadline(received: World):
    """A reply after DeadlineMissed is accepted and marked late."""
    received.clock.set(at("2026-10-09", 9))
    missed = received.hub.record_missed_deadlines(received.clock.now)
    assert len(missed) == 1
    received.send(
        c.ReplyToRecommendation,
        MARKET,
        recommendation_id="R-3",
        adoption=Adoption.ADOPTED,
        measures="m",
    )
    assert rec_view(received).late is True
