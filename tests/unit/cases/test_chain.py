"""Tamper evidence: the per-case hash chain, verified from the stored records."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from itertools import pairwise
from pathlib import Path

import pytest

from case_builders import GENESIS, MARKET, PROC, World, at, sqlite_env
from hub.cases import commands as c
from hub.cases.hashing import canonical_json, event_hash
from hub.errors import UnknownCase
from hub.vocabulary import DocumentRef, MajorFlag


@pytest.fixture
def on_sqlite(tmp_path: Path) -> World:
    world = World(sqlite_env(tmp_path), tmp_path)
    world.register(major=MajorFlag("N-1", "major"))
    world.send(c.ShareInformation, MARKET, info_id="I-1", summary="first")
    world.send(c.ShareInformation, MARKET, info_id="I-2", summary="second")
    return world


def stored_state(db: Path, version: int, case_hex: str) -> dict[str, object]:
    with sqlite3.connect(db) as conn:
        (blob,) = conn.execute(
            "SELECT state FROM stored_events WHERE originator_id=? AND originator_version=?",
            (case_hex, version),
        ).fetchone()
    return json.loads(blob)


def rewrite(db: Path, version: int, case_hex: str, state: dict[str, object]) -> None:
    blob = json.dumps(state, separators=(",", ":"), ensure_ascii=False).encode()
    with sqlite3.connect(db) as conn:
        conn.execute(
            "UPDATE stored_events SET state=? WHERE originator_id=? AND originator_version=?",
            (blob, case_hex, version),
        )


def test_chain_links_events(on_sqlite: World):
    """Each event's prev_hash is the previous event_hash; the first links to 64 zeros."""
    events = on_sqlite.hub.case_events(on_sqlite.case_id)
    assert events[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.event_hash for a, b in pairwise(events))
    report = on_sqlite.hub.verify_chain(on_sqlite.case_id)
    assert report.ok
    assert report.events == 3
    assert report.head == events[-1].event_hash
    head = on_sqlite.hub.chain_head(on_sqlite.case_id)
    assert (head.version, head.event_hash) == (3, events[-1].event_hash)


def test_changed_field_detected(on_sqlite: World):
    """An UPDATE of a stored event's field in SQLite is caught and the link named."""
    db = on_sqlite.settings.data_dir / "hub.sqlite"
    case_hex = on_sqlite.case_id.hex
    state = stored_state(db, 2, case_hex)
    state["summary"] = "forged"
    rewrite(db, 2, case_hex, state)
    report = on_sqlite.hub.verify_chain(on_sqlite.case_id)
    assert not report.ok
    assert report.first_bad is not None
    assert (report.first_bad.version, report.first_bad.event_type, report.first_bad.field) == (
        2,
        "Case.InformationShared",
        "event_hash",
    )
    assert report.first_bad.found == state["event_hash"]
    assert report.first_bad.expected != report.first_bad.found


def test_rehashed_forgery_breaks_next_link(on_sqlite: World):
    """A forger who recomputes the changed event's hash breaks the next event's prev_hash."""
    db = on_sqlite.settings.data_dir / "hub.sqlite"
    case_hex = on_sqlite.case_id.hex
    forged = on_sqlite.hub.case_events(on_sqlite.case_id)[1]
    state = stored_state(db, 2, case_hex)
    state["summary"] = "forged"
    raw = on_sqlite.hub.chain.raw_state(on_sqlite.hub.recorder.select_events(on_sqlite.case_id)[1])
    raw["summary"] = "forged"
    state["event_hash"] = event_hash("Case.InformationShared", raw)
    rewrite(db, 2, case_hex, state)
    report = on_sqlite.hub.verify_chain(on_sqlite.case_id)
    assert report.first_bad is not None
    assert (report.first_bad.version, report.first_bad.field) == (3, "prev_hash")
    assert report.first_bad.found == forged.event_hash


def test_canonical_json_is_stable():
    """Canonical JSON sorts keys, drops whitespace and writes dates and tuples plainly."""
    value = {"b": (1, 2), "a": DocumentRef("d", "0" * 64)}
    assert canonical_json(value) == (
        b'{"a":{"document_id":"d","sha256":"' + b"0" * 64 + b'","title":""},"b":[1,2]}'
    )


def test_unknown_case_chain(world: World):
    """Verifying a case that does not exist is an UnknownCase error."""
    with pytest.raises(UnknownCase):
        world.hub.verify_chain(world.case_id)


def test_hub_facts_are_chained(world: World):
    """DeadlineMissed, recorded by the hub, is part of the chain too."""
    world.register()
    world.send(
        c.RequestAssistance,
        PROC,
        request_id="A-1",
        addressee=MARKET,
        subject="s",
        due_date=date(2026, 8, 10),
    )
    world.hub.record_missed_deadlines(at("2026-08-11"))
    events = world.hub.case_events(world.case_id)
    assert events[-1].type == "Case.DeadlineMissed"
    assert events[-1].actor_agency == "hub"
    assert world.hub.verify_chain(world.case_id).ok
