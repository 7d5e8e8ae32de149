"""Dead letters from the store and their redrive, on an in-memory hub."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import pytest

from devkit.testing.serve import story_commands, write_directory_file
from hub.cases.application import CaseHub
from hub.cases.commands import Command, Inbound, Origin, RegisterOfficer, Undecodable
from hub.cases.views import Accepted, Rejected
from hub.codec import decode_inbound, encode_command
from hub.ops.deadletters import (
    Redrive,
    UnknownDeadLetter,
    dead_letters,
    redrive,
    redrive_id,
    require_dead_letters,
)
from hub.ops.status import agency_activity
from hub.settings import load_settings
from hub.topics import agency_topic

MR = "market-regulation"


class Feeder:
    """Publishes commands to an in-memory hub as the ingest would: bytes, decode, one batch."""

    def __init__(self, app: CaseHub) -> None:
        self.app = app
        self.offsets: dict[str, int] = {}

    def send_raw(self, agency: str, raw: bytes) -> Inbound | Undecodable:
        offset = self.offsets.get(agency, 0)
        self.offsets[agency] = offset + 1
        return decode_inbound(raw, Origin(agency_topic(agency), 0, offset), agency)

    def send(self, agency: str, command: Command) -> object:
        return self.app.process_batch([self.send_raw(agency, encode_command(command))])[0]


@pytest.fixture
def app(tmp_path: Path) -> CaseHub:
    hub = CaseHub({"PERSISTENCE_MODULE": "eventsourcing.popo"}, settings=load_settings())
    hub.apply_directory_file(write_directory_file(tmp_path / "directory.toml"))
    return hub


def _story_until_first_case(feeder: Feeder, *, skip_officer: str) -> list[tuple[str, Command]]:
    """Directory steps (leaving out one officer's registration), then the rest of the story."""
    commands = story_commands()
    rest: list[tuple[str, Command]] = []
    for agency, command in commands:
        if isinstance(command, RegisterOfficer) and command.officer_id == skip_officer:
            rest.append((agency, command))
            continue
        if type(command).__name__ in ("AdmitAgency", "RegisterOfficer", "DesignateLiaison"):
            feeder.send(agency, command)
        else:
            rest.append((agency, command))
    return rest


class TestRedrive:
    def test_redrive_after_the_officer_is_registered_accepts_the_event(self, app: CaseHub) -> None:
        """An unregistered officer's case event is refused; after the fix, redrive accepts it."""
        feeder = Feeder(app)
        rest = _story_until_first_case(feeder, skip_officer="mr-001")
        registration = next(c for a, c in rest if isinstance(c, RegisterOfficer))
        first_case = next((a, c) for a, c in rest if a == MR and c is not registration)
        refused = feeder.send(*first_case)
        assert isinstance(refused, Rejected)

        letters = {x.rejection_id: x for x in dead_letters(app, agency=MR)}
        assert letters[refused.rejection_id].source == agency_topic(MR)
        assert letters[refused.rejection_id].redriven is None

        assert isinstance(feeder.send(MR, registration), Accepted)
        result = redrive(app, refused.rejection_id)

        assert result.outcome == "accepted"
        assert result.case_id is not None
        assert app.get_case(result.case_id).version == result.version
        record: object = app.repository.get(redrive_id(refused.rejection_id))
        assert isinstance(record, Redrive)
        assert [a["outcome"] for a in record.attempts] == ["accepted"]
        after = {x.rejection_id: x for x in dead_letters(app, agency=MR)}
        assert after[refused.rejection_id].redriven == "accepted"
        still_open = {x.rejection_id for x in dead_letters(app, agency=MR, open_only=True)}
        assert refused.rejection_id not in still_open

        again = redrive(app, refused.rejection_id)
        assert again.outcome == "duplicate"
        assert again.attempt == 2

    def test_redrive_that_still_fails_says_why_and_is_a_dead_letter_of_its_own(
        self, app: CaseHub
    ) -> None:
        """Bytes that still do not decode are rejected again, with the reason, under a new id."""
        feeder = Feeder(app)
        item = feeder.send_raw(MR, b"not avro at all")
        refused = app.process_batch([item])[0]
        assert isinstance(refused, Rejected)
        assert refused.reason_code == "bad_magic"

        result = redrive(app, refused.rejection_id)

        assert result.outcome == "rejected"
        assert result.reason_code == "bad_magic"
        assert result.new_rejection_id not in (None, refused.rejection_id)
        sources = {x.rejection_id: x.source for x in dead_letters(app, reason="bad_magic")}
        assert sources[result.new_rejection_id] == f"{agency_topic(MR)}#redrive-1"
        assert next(iter(dead_letters(app))).redriven == "rejected"
        second = redrive(app, refused.rejection_id)
        assert second.new_rejection_id not in (result.new_rejection_id, refused.rejection_id)

    def test_an_unknown_id_is_a_clear_error(self, app: CaseHub) -> None:
        """Redriving an id that is no stored rejection raises, naming the id; nothing runs."""
        unknown = UUID("00000000-0000-0000-0000-000000000001")
        with pytest.raises(UnknownDeadLetter, match=str(unknown)):
            require_dead_letters(app, [unknown])
        with pytest.raises(UnknownDeadLetter, match="casehub ops deadletters"):
            redrive(app, unknown)


class TestAgencyActivity:
    def test_counts_accepted_events_and_rejections_by_reason(self, app: CaseHub) -> None:
        """Per agency: accepted events, the time of the last, and rejections by reason code."""
        feeder = Feeder(app)
        _story_until_first_case(feeder, skip_officer="")
        for _ in range(2):
            app.process_batch([feeder.send_raw(MR, b"\x00junk")])

        by_agency = {a.agency: a for a in agency_activity(app, page=3)}

        assert by_agency[MR].rejections == {"bad_magic": 2}
        assert by_agency[MR].accepted >= 1
        assert by_agency[MR].last_event_at is not None
        assert by_agency["procuratorate"].rejections == {}
