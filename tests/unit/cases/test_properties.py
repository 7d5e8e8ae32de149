"""Property tests: random command sequences keep every invariant, and replay reproduces state."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from case_builders import AGENCIES, POPO_ENV, SHA, World
from hub.cases import commands as c
from hub.cases import viewing
from hub.cases.domainmodel import Case
from hub.cases.views import Accepted, CaseView, Rejected
from hub.vocabulary import Adoption, DeadlineKind, DocumentRef, MajorFlag, Party, ReviewOutcome

IDS = ("X-1", "X-2")


def command(kind: str, ref: str, day: date) -> tuple[type[Any], dict[str, Any]]:  # noqa: C901, PLR0911, PLR0912
    """One command of ``kind`` about sub-process ``ref`` (fields chosen to be often valid)."""
    match kind:
        case "share":
            major = MajorFlag(f"N-{ref}", "major") if ref == "X-1" else None
            return c.ShareInformation, {"info_id": f"I-{day}", "summary": "s", "major": major}
        case "ack_notice":
            return c.AcknowledgeNotice, {"notice_id": f"N-{ref}"}
        case "request":
            return c.RequestAssistance, {
                "request_id": ref,
                "addressee": "market-regulation",
                "subject": "s",
                "due_date": day + timedelta(days=10),
            }
        case "complete":
            return c.CompleteAssistance, {"request_id": ref, "summary": "done"}
        case "decline":
            return c.DeclineAssistance, {"request_id": ref, "reason": "no"}
        case "supply":
            return c.SupplyMaterials, {"request_id": ref, "documents": (DocumentRef("d", SHA),)}
        case "open_dispute":
            return c.OpenDispute, {
                "dispute_id": ref,
                "subject": "s",
                "parties": (Party("P", "applicant"),),
            }
        case "mediate":
            return c.HoldMediationSession, {
                "dispute_id": ref,
                "held_on": day,
                "participants": ("justice-bureau",),
                "outcome_notes": "n",
            }
        case "refer":
            return c.ReferDisputeToLitigation, {"dispute_id": ref}
        case "resolve":
            return c.ResolveDispute, {"dispute_id": ref, "terms": "t"}
        case "issue":
            return c.IssueRecommendation, {
                "recommendation_id": ref,
                "addressee": "market-regulation",
                "content": "c",
                "legal_basis": "b",
            }
        case "serve":
            return c.ServeRecommendation, {"recommendation_id": ref}
        case "receive":
            return c.ReceiveRecommendation, {"recommendation_id": ref}
        case "object":
            return c.ObjectToRecommendation, {"recommendation_id": ref, "grounds": "g"}
        case "review":
            return c.ReviewObjection, {
                "recommendation_id": ref,
                "outcome": ReviewOutcome.AMENDED,
                "notes": "n",
                "amended_content": "a",
            }
        case "reply":
            return c.ReplyToRecommendation, {
                "recommendation_id": ref,
                "adoption": Adoption.ADOPTED,
                "measures": "m",
            }
        case "close":
            return c.CloseRecommendation, {"recommendation_id": ref}
        case _:
            return c.ExtendDeadline, {
                "kind": DeadlineKind.RECOMMENDATION_REPLY,
                "target_id": ref,
                "new_due_date": day + timedelta(days=90),
                "reason": "r",
            }


#: Who usually sends each kind; the strategy picks this actor most of the time.
RIGHT_ACTOR = {
    **dict.fromkeys(("share", "complete", "decline", "supply"), "market-regulation"),
    **dict.fromkeys(("receive", "object", "reply"), "market-regulation"),
    **dict.fromkeys(("open_dispute", "mediate", "refer", "resolve"), "justice-bureau"),
    **dict.fromkeys(("request", "issue", "serve", "review", "close", "extend"), "procuratorate"),
    "ack_notice": "procuratorate",
}

KINDS = (
    *("share", "ack_notice", "request", "complete", "decline", "supply"),
    *("open_dispute", "mediate", "refer", "resolve"),
    *("issue", "serve", "receive", "object", "review", "reply", "close", "extend"),
)

#: The usual order of things per sub-process id; the strategy mostly follows it.
LIFECYCLE = (
    *("share", "ack_notice", "issue", "serve", "receive", "object", "review", "extend"),
    *("reply", "close", "request", "supply", "complete", "open_dispute", "mediate", "refer"),
)


@st.composite
def steps(draw: st.DrawFn) -> list[tuple[str, str, str, int, bool]]:
    """Commands that mostly follow each sub-process's lifecycle, with random ones mixed in."""
    position = dict.fromkeys(IDS, 0)
    sequence = []
    for _ in range(draw(st.integers(min_value=1, max_value=40))):
        ref = draw(st.sampled_from(IDS))
        if draw(st.integers(0, 9)) < 6 and position[ref] < len(LIFECYCLE):
            kind = LIFECYCLE[position[ref]]
            position[ref] += 1
        else:
            kind = draw(st.sampled_from(KINDS))
        sender = draw(st.sampled_from((*AGENCIES, "right", "right", "right", "right")))
        days = draw(st.integers(min_value=0, max_value=20))
        sequence.append((kind, sender, ref, days, draw(st.booleans())))
    return sequence


def check_invariants(view: CaseView) -> None:
    assert len(set(view.participants)) == len(view.participants)
    for rec in view.recommendations:
        deadline = [
            d
            for d in view.deadlines
            if d.kind == "RECOMMENDATION_REPLY" and d.target_id == rec.recommendation_id
        ]
        if rec.status in ("ISSUED", "SERVED"):
            assert deadline == []
        if rec.status in ("REPLIED", "CLOSED"):
            assert rec.status != "REPLIED" or rec.replied_at is not None
    for request in view.requests:
        assert request.status in ("OPEN", "COMPLETED", "DECLINED")
        assert (request.finished_at is None) == (request.status == "OPEN")
    for dispute in view.disputes:
        assert (dispute.closed_at is None) == (dispute.status == "OPEN")
        if dispute.status == "REFERRED_TO_LITIGATION":
            assert dispute.sessions or dispute.closing_text.strip()
    for notice in view.notices:
        assert {a for a, _ in notice.acknowledged} <= set(notice.recipients)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps())
def test_random_sequences_keep_invariants_and_replay(sequence):
    """Random commands never break an invariant; a refused one changes nothing; replay matches."""
    with tempfile.TemporaryDirectory() as tmp:
        w = World(dict(POPO_ENV), Path(tmp))
        w.register()
        for kind, sender, ref, days, run_scheduler in sequence:
            actor = RIGHT_ACTOR[kind] if sender == "right" else sender
            w.clock.now += timedelta(days=days)
            cls, fields = command(kind, ref, w.clock.now.date())
            before = w.hub.get_case(w.case_id)
            outcome = w.send(cls, actor, **fields)
            after = w.hub.get_case(w.case_id)
            if isinstance(outcome, Rejected):
                assert after == before
            else:
                assert isinstance(outcome, Accepted)
                assert after.version == outcome.version == before.version + 1
                assert after.chain_head == outcome.event_hash
            if run_scheduler:
                w.hub.record_missed_deadlines(w.clock())
            check_invariants(w.hub.get_case(w.case_id))
        cached = w.hub.transactions.cache.get(w.case_id)
        assert isinstance(cached, Case)
        replayed = w.hub.get_case(w.case_id)
        assert viewing.case_view(cached) == replayed
        report = w.hub.verify_chain(w.case_id)
        assert report.ok
        assert report.head == replayed.chain_head
        open_in_case = {
            (d.kind, d.target_id, d.agency, d.due_date)
            for d in replayed.deadlines
            if (d.kind, d.target_id, d.agency) in _open_keys(cached)
        }
        indexed = {(d.kind, d.target_id, d.agency, d.due_date) for d in w.hub.open_deadlines()}
        assert indexed == open_in_case


def _open_keys(case: Case) -> set[tuple[str, str, str]]:
    return {(d.kind, d.target_id, d.agency) for d in case.open_deadlines()}
