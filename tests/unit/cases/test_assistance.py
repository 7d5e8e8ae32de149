"""Mechanism 2: investigation and verification assistance requests."""

from __future__ import annotations

from datetime import date

import pytest

from case_builders import JUSTICE, MARKET, NATURAL, PROC, SHA, World, at, refused
from hub.cases import commands as c
from hub.vocabulary import DeadlineKind, DocumentRef


@pytest.fixture
def requested(registered: World) -> World:
    registered.send(
        c.RequestAssistance,
        PROC,
        request_id="A-1",
        addressee=MARKET,
        subject="Verify the licence records",
        due_date=date(2026, 8, 15),  # a Saturday: rolled to Monday 17th
    )
    return registered


def test_whole_lifecycle(requested: World):
    """Request, acknowledgment, materials, completion: on time, due date rolled to a working day."""
    w = requested
    w.send(c.AcknowledgeAssistanceRequest, MARKET, request_id="A-1")
    w.send(
        c.SupplyMaterials,
        MARKET,
        request_id="A-1",
        documents=(DocumentRef("d-1", SHA),),
        note="n",
    )
    w.send(c.CompleteAssistance, MARKET, request_id="A-1", summary="records verified")
    request = w.hub.get_case(w.case_id).requests[0]
    assert request.due_date == date(2026, 8, 17)
    assert request.status == "COMPLETED"
    assert request.acknowledged_at is not None
    assert [d.document_id for d in request.materials] == ["d-1"]
    assert request.late is False
    assert w.hub.open_deadlines() == []


def test_only_procuratorate_requests(registered: World):
    """Only the procuratorate requests assistance."""
    refused(
        registered,
        c.RequestAssistance,
        JUSTICE,
        "not_authorized",
        "only the procuratorate may request assistance",
        request_id="A-1",
        addressee=MARKET,
        subject="s",
        due_date=date(2026, 9, 1),
    )


def test_addressee_must_be_another_admitted_organ(registered: World):
    """The addressee is an admitted agency other than the procuratorate itself."""
    fields = {"request_id": "A-1", "subject": "s", "due_date": date(2026, 9, 1)}
    refused(
        registered,
        c.RequestAssistance,
        PROC,
        "unknown_agency",
        "ghost",
        addressee="ghost",
        **fields,
    )
    refused(
        registered,
        c.RequestAssistance,
        PROC,
        "rule_violation",
        "organ other than the sender",
        addressee=PROC,
        **fields,
    )


def test_only_addressee_answers(requested: World):
    """Only the addressee acknowledges, supplies, completes or declines."""
    refused(
        requested,
        c.CompleteAssistance,
        NATURAL,
        "not_authorized",
        "only the addressee of assistance request A-1 may complete it",
        request_id="A-1",
        summary="x",
    )
    refused(
        requested,
        c.AcknowledgeAssistanceRequest,
        JUSTICE,
        "not_authorized",
        "only the addressee",
        request_id="A-1",
    )


def test_decline_needs_reason(requested: World):
    """Declining needs a non-blank reason."""
    refused(
        requested,
        c.DeclineAssistance,
        MARKET,
        "rule_violation",
        "the reason for declining must not be blank",
        request_id="A-1",
        reason=" ",
    )
    requested.send(c.DeclineAssistance, MARKET, request_id="A-1", reason="outside our remit")
    assert requested.hub.get_case(requested.case_id).requests[0].status == "DECLINED"


def test_nothing_after_completion(requested: World):
    """No action on a request after it is completed."""
    requested.send(c.CompleteAssistance, MARKET, request_id="A-1", summary="done")
    refused(
        requested,
        c.SupplyMaterials,
        MARKET,
        "rule_violation",
        "assistance request A-1 is already completed",
        request_id="A-1",
        documents=(DocumentRef("d", SHA),),
    )


def test_materials_need_documents(requested: World):
    """Supplying materials needs at least one document."""
    refused(
        requested,
        c.SupplyMaterials,
        MARKET,
        "rule_violation",
        "at least one document is required",
        request_id="A-1",
        documents=(),
    )


def test_extension_moves_due_date(requested: World):
    """The procuratorate's extension moves the due date; completion after it is on time."""
    requested.send(
        c.ExtendDeadline,
        PROC,
        kind=DeadlineKind.ASSISTANCE_RESPONSE,
        target_id="A-1",
        new_due_date=date(2026, 8, 31),
        reason="more records",
    )
    requested.clock.set(at("2026-08-25"))
    requested.send(c.CompleteAssistance, MARKET, request_id="A-1", summary="done")
    request = requested.hub.get_case(requested.case_id).requests[0]
    assert (request.due_date, request.extensions, request.late) == (date(2026, 8, 31), 1, False)


def test_extension_must_be_later(requested: World):
    """An extension must move the due date later."""
    refused(
        requested,
        c.ExtendDeadline,
        PROC,
        "rule_violation",
        "must move the due date 2026-08-17 later",
        kind=DeadlineKind.ASSISTANCE_RESPONSE,
        target_id="A-1",
        new_due_date=date(2026, 8, 10),
        reason="r",
    )


def test_late_completion_marked(requested: World):
    """A completion after the due day is accepted and marked late."""
    requested.clock.set(at("2026-08-20"))
    requested.send(c.CompleteAssistance, MARKET, request_id="A-1", summary="done")
    assert requested.hub.get_case(requested.case_id).requests[0].late is True


def test_unknown_request(registered: World):
    """A command on a request that does not exist is refused."""
    refused(
        registered,
        c.AcknowledgeAssistanceRequest,
        MARKET,
        "rule_violation",
        "assistance request A-9 does not exist",
        request_id="A-9",
    )
