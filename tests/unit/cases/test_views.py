"""Queries: full view, history as of a version, the Rule-of-Law Office's metadata view."""

from __future__ import annotations

from uuid import uuid4

import pytest

from case_builders import MARKET, PROC, SHA, World
from hub.cases import commands as c
from hub.errors import UnknownCase
from hub.vocabulary import DocumentRef


def test_history_as_of_version(registered: World):
    """get_case(version=n) shows the case as it stood after its n-th event."""
    registered.send(c.ShareInformation, MARKET, info_id="I-1", summary="s")
    registered.send(c.ShareInformation, MARKET, info_id="I-2", summary="s")
    assert [i.info_id for i in registered.hub.get_case(registered.case_id, version=2).infos] == [
        "I-1"
    ]
    assert registered.hub.get_case(registered.case_id).version == 3


def test_case_events_carry_envelope_and_payload(registered: World):
    """Each recorded event shows type, actor, officer, times, hashes and its own payload."""
    correlation = uuid4()
    inbound = registered.inbound(
        c.ShareInformation(
            registered.envelope(MARKET, correlation_id=correlation),
            registered.case_ref,
            "I-1",
            "s",
            (DocumentRef("d-1", SHA),),
        )
    )
    registered.hub.execute(inbound)
    event = registered.hub.case_events(registered.case_id)[-1]
    assert event.type == "Case.InformationShared"
    assert (event.actor_agency, event.officer_id) == (MARKET, "market-regulation-1")
    assert event.event_id == inbound.command.envelope.event_id
    assert event.correlation_id == correlation
    # stored keyed (hub/privacy): the bare SHA-256 of a record could confirm a guessed name
    assert event.content_hash == registered.hub.personal_data.keyed_content_hash(
        inbound.content_hash
    )
    assert inbound.content_hash not in event.content_hash
    assert event.recorded_at > event.occurred_at
    assert event.payload["info_id"] == "I-1"
    assert "event_hash" not in event.payload


def test_metadata_has_no_content(registered: World):
    """The Rule-of-Law Office's view has ids, types, agencies and dates, but no content."""
    registered.send(c.ShareInformation, MARKET, info_id="I-1", summary="secret summary")
    registered.send(
        c.IssueRecommendation,
        PROC,
        recommendation_id="R-1",
        addressee=MARKET,
        content="secret content",
        legal_basis="b",
    )
    meta = registered.hub.case_metadata(registered.case_id)
    assert meta.recommendation_ids == ("R-1",)
    assert [e.type for e in meta.events] == [
        "Case.Registered",
        "Case.InformationShared",
        "Case.RecommendationIssued",
    ]
    assert "secret" not in repr(meta)


def test_unknown_case(world: World):
    """Querying a case that does not exist raises UnknownCase."""
    with pytest.raises(UnknownCase):
        world.hub.get_case(world.case_id)
    with pytest.raises(UnknownCase):
        world.hub.case_events(world.case_id)
