"""Chain verification: every case's events form a hash chain, checked from the stored records.

Each event carries ``prev_hash`` (the previous event's ``event_hash``; ``GENESIS_HASH`` for the
first) and its own ``event_hash`` over its type and content (``hub.cases.hashing``). The check
reads the records as first stored (decrypted and decoded, never upcast: an upcast would change
what was hashed), recomputes every hash and names the first bad link.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.persistence import AggregateRecorder, Mapper, StoredEvent

from hub.cases.hashing import GENESIS_HASH, event_hash
from hub.cases.views import BadLink, ChainHead, ChainReport
from hub.errors import UnknownCase

#: Why a stored record cannot be read, as the chain check and the audit tools say it.
CANNOT_DECRYPT = "cannot be decrypted: the stored bytes are damaged"
CANNOT_DECODE = "cannot be decoded: the stored bytes are damaged"


class UnreadableRecord(ValueError):
    """A stored event's bytes cannot be turned back into its state."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ChainVerifier:
    """Reads a case's stored records through the application's recorder and mapper."""

    def __init__(self, recorder: AggregateRecorder, mapper: Mapper[UUID]) -> None:
        self._recorder = recorder
        self._mapper = mapper

    def verify(self, case_id: UUID) -> ChainReport:
        """Recompute every hash from the stored records; name the first bad link."""
        stored = self._recorder.select_events(case_id)
        if not stored:
            raise UnknownCase(f"no case with id {case_id}")
        expected_prev = GENESIS_HASH
        for record in stored:
            type_name = record.topic.rsplit(":", 1)[-1]
            try:
                state = self.raw_state(record)
            except UnreadableRecord as exc:
                bad = BadLink(record.originator_version, type_name, "state", "", exc.reason)
                return ChainReport(case_id, len(stored), expected_prev, bad)
            found_prev = str(state.get("prev_hash", ""))
            if found_prev != expected_prev:
                bad = BadLink(
                    record.originator_version, type_name, "prev_hash", expected_prev, found_prev
                )
                return ChainReport(case_id, len(stored), expected_prev, bad)
            recomputed = event_hash(type_name, state)
            found = str(state.get("event_hash", ""))
            if recomputed != found:
                bad = BadLink(record.originator_version, type_name, "event_hash", recomputed, found)
                return ChainReport(case_id, len(stored), expected_prev, bad)
            expected_prev = recomputed
        return ChainReport(case_id, len(stored), expected_prev, None)

    def head(self, case_id: UUID) -> ChainHead:
        """The case's last stored version and its ``event_hash``."""
        stored = self._recorder.select_events(case_id, desc=True, limit=1)
        if not stored:
            raise UnknownCase(f"no case with id {case_id}")
        state = self.raw_state(stored[0])
        return ChainHead(case_id, stored[0].originator_version, str(state["event_hash"]))

    def raw_state(self, record: StoredEvent) -> dict[str, Any]:
        """A stored event's state as first recorded (decoded, never upcast).

        ``UnreadableRecord`` when its bytes do not decrypt (AES-GCM's tag: the key was checked
        when the store was opened, so the bytes are damaged) or do not decode.
        """
        data = record.state
        if self._mapper.cipher:
            try:
                data = self._mapper.cipher.decrypt(data)
            except ValueError:
                raise UnreadableRecord(CANNOT_DECRYPT) from None
        try:
            if self._mapper.compressor:
                data = self._mapper.compressor.decompress(data)
            state: dict[str, Any] = self._mapper.transcoder.decode(data)
        except ValueError:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            raise UnreadableRecord(CANNOT_DECODE) from None
        if not isinstance(state, dict):
            raise UnreadableRecord(CANNOT_DECODE)
        state["originator_id"] = UUID(str(record.originator_id))
        state["originator_version"] = record.originator_version
        return state
