"""Mechanism 3: administrative disputes resolved by mediation."""

from __future__ import annotations

from datetime import date

import pytest

from case_builders import JUSTICE, MARKET, NATURAL, PROC, World, refused
from hub.cases import commands as c
from hub.privacy import Revealer, is_token
from hub.vocabulary import Party

PARTIES = (Party("Applicant Example", "applicant"), Party(MARKET, "respondent-organ"))


@pytest.fixture
def opened(registered: World) -> World:
    registered.send(
        c.OpenDispute, JUSTICE, dispute_id="D-1", subject="Fine contested", parties=PARTIES
    )
    return registered


def test_mediated_to_resolution(opened: World):
    """Opened, mediated, resolved with terms: the whole lifecycle."""
    opened.send(
        c.HoldMediationSession,
        JUSTICE,
        dispute_id="D-1",
        held_on=date(2026, 8, 10),
        participants=(JUSTICE, MARKET, PROC),
        outcome_notes="positions narrowed",
    )
    opened.send(
        c.ResolveDispute, MARKET, dispute_id="D-1", terms="fine reduced; applicant withdraws"
    )
    dispute = opened.hub.get_case(opened.case_id).disputes[0]
    assert dispute.status == "RESOLVED"
    assert len(dispute.sessions) == 1
    assert all(is_token(p.name) for p in dispute.parties)  # stored sealed (hub/privacy)
    assert Revealer(opened.hub.keystore).reveal_payload(dispute.parties) == PARTIES
    assert dispute.closing_text.startswith("fine reduced")


def test_needs_a_party(registered: World):
    """A dispute needs at least one party."""
    refused(
        registered,
        c.OpenDispute,
        JUSTICE,
        "rule_violation",
        "at least one party",
        dispute_id="D-1",
        subject="s",
        parties=(),
    )


def test_only_participants_open(registered: World):
    """A non-participant may not open a dispute on the case."""
    refused(
        registered,
        c.OpenDispute,
        NATURAL,
        "not_authorized",
        "not a participant",
        dispute_id="D-1",
        subject="s",
        parties=PARTIES,
    )


def test_referral_needs_session_or_reason(opened: World):
    """Referral to litigation needs a mediation session first or an explicit reason."""
    refused(
        opened,
        c.ReferDisputeToLitigation,
        MARKET,
        "rule_violation",
        "only after a mediation session or with a reason",
        dispute_id="D-1",
        reason="  ",
    )
    opened.send(c.ReferDisputeToLitigation, MARKET, dispute_id="D-1", reason="applicant refuses")
    assert opened.hub.get_case(opened.case_id).disputes[0].status == "REFERRED_TO_LITIGATION"


def test_referral_after_session(opened: World):
    """After a mediation session, referral needs no reason."""
    opened.send(
        c.HoldMediationSession,
        JUSTICE,
        dispute_id="D-1",
        held_on=date(2026, 8, 10),
        participants=(JUSTICE,),
        outcome_notes="no agreement",
    )
    opened.send(c.ReferDisputeToLitigation, MARKET, dispute_id="D-1")
    assert opened.hub.get_case(opened.case_id).disputes[0].status == "REFERRED_TO_LITIGATION"


def test_withdraw_needs_reason(opened: World):
    """A withdrawal needs a reason."""
    refused(
        opened,
        c.WithdrawDispute,
        JUSTICE,
        "rule_violation",
        "the reason for withdrawal must not be blank",
        dispute_id="D-1",
        reason="",
    )


def test_nothing_after_closing(opened: World):
    """Nothing happens on a dispute after it is closed."""
    opened.send(c.WithdrawDispute, JUSTICE, dispute_id="D-1", reason="applicant withdrew")
    refused(
        opened,
        c.HoldMediationSession,
        JUSTICE,
        "rule_violation",
        "dispute D-1 is already closed",
        dispute_id="D-1",
        held_on=date(2026, 8, 10),
        participants=(JUSTICE,),
        outcome_notes="",
    )
    refused(
        opened,
        c.ResolveDispute,
        JUSTICE,
        "rule_violation",
        "dispute D-1 is already closed",
        dispute_id="D-1",
        terms="t",
    )


def test_resolution_needs_terms(opened: World):
    """A resolution records non-blank terms."""
    refused(
        opened,
        c.ResolveDispute,
        MARKET,
        "rule_violation",
        "the terms of a resolution must not be blank",
        dispute_id="D-1",
        terms=" ",
    )
