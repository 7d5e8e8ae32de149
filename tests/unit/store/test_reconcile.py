"""``audit reconcile``'s comparison: the store's events against the timeline's, per aggregate."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from consumers.records import CASE, DIRECTORY, TimelineEntry
from hub.audit.reconcile import collect, reconcile

CASE_A = "11111111-1111-1111-1111-111111111111"
CASE_B = "22222222-2222-2222-2222-222222222222"
DIR = "33333333-3333-3333-3333-333333333333"


def entry(aggregate_id: str, version: int, digest: str = "", kind: str = CASE) -> TimelineEntry:
    registered = kind == CASE and version == 1
    return TimelineEntry(
        notification_id=version,
        event_type="Case.Registered" if registered else "Case.InformationShared",
        aggregate=kind,
        aggregate_id=aggregate_id,
        case_id=aggregate_id if kind == CASE else None,
        agency_id=None,
        version=version,
        event_id=None,
        actor_agency=None,
        officer_id=None,
        occurred_at=None,
        recorded_at=datetime(2026, 1, 1, tzinfo=UTC),
        hash_alg="sha256",
        event_hash=digest or f"{aggregate_id[:4]}{version:060d}",
        prev_hash="",
        payload={"owning_agency": "market-regulation", "case_number": aggregate_id[:4]}
        if registered
        else {},
    )


def stream() -> list[TimelineEntry]:
    return [
        *(entry(CASE_A, v) for v in (1, 2, 3)),
        *(entry(CASE_B, v) for v in (1, 2)),
        *(entry(DIR, v, kind=DIRECTORY) for v in (1, 2)),
    ]


def test_the_same_events_agree():
    verdict = reconcile(collect(stream()), collect(reversed(stream())))
    assert verdict.ok
    assert verdict.lines()[0] == "store: 7 event(s): 5 of 2 case(s), 2 of the directory"
    assert verdict.lines()[-1].startswith("ok: ")


def test_the_store_lacks_what_the_timeline_carries():
    """A restored old backup: the case's last versions are on the timeline only."""
    store = [e for e in stream() if not (e.aggregate_id == CASE_A and e.version > 1)]
    verdict = reconcile(collect(store), collect(stream()))
    assert verdict.differences == [
        (
            f"case market-regulation/1111 ({CASE_A}): the store lacks versions 2–3 that the "
            "timeline carries (store head 1, timeline head 3)"
        )
    ]
    assert "1 difference(s) between the store and the timeline" in verdict.lines()


def test_a_case_only_one_side_holds():
    only_store = reconcile(
        collect(stream()), collect(e for e in stream() if e.aggregate_id != CASE_B)
    )
    assert only_store.differences == [
        (
            f"case market-regulation/2222 ({CASE_B}): only in the store (2 event(s), head version "
            "2); the timeline carries none of it"
        )
    ]
    only_timeline = reconcile(
        collect(e for e in stream() if e.aggregate_id != DIR), collect(stream())
    )
    assert only_timeline.differences == [
        (
            f"directory {DIR}: only on the timeline (2 event(s), head version 2); the store holds "
            "none of it"
        )
    ]


def test_the_timeline_lacks_what_the_store_holds():
    timeline = [e for e in stream() if not (e.aggregate_id == CASE_B and e.version == 2)]
    verdict = reconcile(collect(stream()), collect(timeline))
    assert verdict.differences == [
        (
            f"case market-regulation/2222 ({CASE_B}): the timeline lacks version 2 that the store "
            "holds (store head 2, timeline head 1)"
        )
    ]


def test_a_different_hash_and_a_repeat_are_named():
    rewritten = [
        replace(e, event_hash="f" * 64) if (e.aggregate_id, e.version) == (CASE_A, 2) else e
        for e in stream()
    ]
    verdict = reconcile(collect(rewritten), collect([*stream(), entry(CASE_B, 2)]))
    assert len(verdict.differences) == 2
    assert "version 2 has hash ffffffffffffffff… in the store but 1111" in verdict.differences[0]
    assert verdict.differences[1].endswith("the timeline carries version 2 twice")
    assert not verdict.ok
