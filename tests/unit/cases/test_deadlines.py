"""Deadlines: the missed-deadline facts the scheduler records, and the index it reads."""

from __future__ import annotations

from datetime import date

from case_builders import MARKET, NATURAL, PROC, World, at
from hub.cases import commands as c
from hub.cases.views import Accepted
from hub.vocabulary import CaseRef, DeadlineKind, MajorFlag


def request(w: World, due: date, request_id: str = "A-1") -> None:
    w.send(
        c.RequestAssistance,
        PROC,
        request_id=request_id,
        addressee=MARKET,
        subject="verify",
        due_date=due,
    )


def missed_events(w: World) -> list[dict[str, object]]:
    return [e.payload for e in w.hub.case_events(w.case_id) if e.type == "Case.DeadlineMissed"]


def test_not_missed_until_the_day_ends(registered: World):
    """A deadline is not missed during its due day (Asia/Shanghai), only after it."""
    request(registered, date(2026, 8, 10))
    assert registered.hub.record_missed_deadlines(at("2026-08-10", 23)) == []
    outcomes = registered.hub.record_missed_deadlines(at("2026-08-11", 0))
    assert len(outcomes) == 1
    assert isinstance(outcomes[0], Accepted)
    assert missed_events(registered) == [
        {
            "kind": "ASSISTANCE_RESPONSE",
            "target_id": "A-1",
            "due_date": date(2026, 8, 10),
            "agency": MARKET,
        }
    ]


def test_recorded_once(registered: World):
    """Running the scheduler again records nothing new."""
    request(registered, date(2026, 8, 10))
    registered.hub.record_missed_deadlines(at("2026-08-12"))
    assert registered.hub.record_missed_deadlines(at("2026-08-13")) == []
    assert len(missed_events(registered)) == 1


def test_extension_then_second_miss(registered: World):
    """An extension after a miss, then a miss of the new date, is a second fact."""
    request(registered, date(2026, 8, 10))
    registered.hub.record_missed_deadlines(at("2026-08-11"))
    registered.clock.set(at("2026-08-11", 12))
    registered.send(
        c.ExtendDeadline,
        PROC,
        kind=DeadlineKind.ASSISTANCE_RESPONSE,
        target_id="A-1",
        new_due_date=date(2026, 8, 14),
        reason="more time",
    )
    assert [d.due_date for d in registered.hub.open_deadlines()] == [date(2026, 8, 14)]
    registered.hub.record_missed_deadlines(at("2026-08-15"))
    assert [e["due_date"] for e in missed_events(registered)] == [
        date(2026, 8, 10),
        date(2026, 8, 14),
    ]


def test_met_deadline_never_missed(registered: World):
    """A deadline met on time leaves the index and is never recorded as missed."""
    request(registered, date(2026, 8, 10))
    registered.send(c.CompleteAssistance, MARKET, request_id="A-1", summary="done")
    assert registered.hub.open_deadlines() == []
    assert registered.hub.record_missed_deadlines(at("2026-09-01")) == []


def test_index_lists_open_deadlines_across_cases(world: World):
    """open_deadlines() lists every unmet deadline of every case, with its missed flag."""
    world.register()
    request(world, date(2026, 8, 10))
    world.case_ref = CaseRef(NATURAL, "NR-1")
    world.send(c.RegisterCase, NATURAL, title="t", category="land", summary="s")
    world.send(
        c.RequestAssistance,
        PROC,
        request_id="A-1",
        addressee=NATURAL,
        subject="survey",
        due_date=date(2026, 8, 20),
    )
    world.hub.record_missed_deadlines(at("2026-08-12"))
    views = sorted(world.hub.open_deadlines(), key=lambda d: d.due_date)
    assert [(d.agency, d.due_date, d.missed) for d in views] == [
        (MARKET, date(2026, 8, 10), True),
        (NATURAL, date(2026, 8, 20), False),
    ]


def test_notice_acknowledgment_deadlines(world: World):
    """Each notice recipient owes an acknowledgment by the next working day."""
    world.register(major=MajorFlag("N-1", "major", (PROC, NATURAL)))
    world.send(c.AcknowledgeNotice, PROC, notice_id="N-1")
    missed = world.hub.record_missed_deadlines(at("2026-08-05"))
    assert len(missed) == 1
    assert missed_events(world)[0]["agency"] == NATURAL
    world.clock.set(at("2026-08-06"))
    world.send(c.AcknowledgeNotice, NATURAL, notice_id="N-1")
    assert dict(world.hub.get_case(world.case_id).notices[0].acknowledged)[NATURAL] == 2
