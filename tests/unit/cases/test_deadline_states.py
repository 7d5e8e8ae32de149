"""Each deadline of a case says where it stands (``DeadlineView.state``), as data."""

from __future__ import annotations

from datetime import date

from case_builders import MARKET, PROC, World, at
from hub.cases import commands as c
from hub.vocabulary import Adoption, ReviewOutcome


def states(w: World) -> dict[str, str]:
    return {d.target_id: d.state for d in w.hub.get_case(w.case_id).deadlines}


def request(w: World, request_id: str, due: date) -> None:
    w.send(
        c.RequestAssistance,
        PROC,
        request_id=request_id,
        addressee=MARKET,
        subject="verify",
        due_date=due,
    )


def test_open_then_overdue_then_met_late(registered: World):
    """Open until its day ends; overdue once the miss is recorded; met late when done after."""
    request(registered, "A-1", date(2026, 8, 10))
    assert states(registered) == {"A-1": "open"}
    registered.hub.record_missed_deadlines(at("2026-08-11", 1))
    assert states(registered) == {"A-1": "overdue"}
    [open_one] = registered.hub.open_deadlines()
    assert open_one.state == "overdue"
    registered.clock.set(at("2026-08-12"))
    registered.send(c.CompleteAssistance, MARKET, request_id="A-1", summary="done")
    assert states(registered) == {"A-1": "met_late"}


def test_met_on_time(registered: World):
    """Done by its due day: met, with the moment it was met."""
    request(registered, "A-2", date(2026, 8, 10))
    registered.clock.set(at("2026-08-10", 18))
    registered.send(c.CompleteAssistance, MARKET, request_id="A-2", summary="done")
    [deadline] = registered.hub.get_case(registered.case_id).deadlines
    assert (deadline.state, deadline.met_at is not None) == ("met", True)


def test_a_withdrawn_recommendation_cancels_its_deadline(registered: World):
    """Closed undone (the recommendation withdrawn on review): cancelled."""
    registered.recommendation_received("R-1")
    registered.send(c.ObjectToRecommendation, MARKET, recommendation_id="R-1", grounds="g")
    registered.send(
        c.ReviewObjection, PROC, recommendation_id="R-1", outcome=ReviewOutcome.WITHDRAWN, notes="n"
    )
    assert states(registered) == {"R-1": "cancelled"}


def test_a_reply_on_time_is_met(registered: World):
    """A written reply within the period: met."""
    registered.recommendation_received("R-2")
    registered.send(
        c.ReplyToRecommendation,
        MARKET,
        recommendation_id="R-2",
        adoption=Adoption.ADOPTED,
        measures="m",
    )
    assert states(registered) == {"R-2": "met"}
