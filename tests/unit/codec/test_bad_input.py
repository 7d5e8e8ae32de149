"""decode_inbound never raises for bad bytes: it names the reason and the field."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime

import fastavro
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devkit.testing.codec import commands
from hub.cases.commands import Envelope, Inbound, Origin, RegisterCase, RegisterOfficer, Undecodable
from hub.codec import (
    MAGIC,
    DecodeError,
    command_to_record,
    decode_command,
    decode_inbound,
    default_catalog,
    encode_command,
)
from hub.vocabulary import CaseRef

ORIGIN = Origin("casehub.agency.market-regulation.events", 2, 41)
ENVELOPE = Envelope(
    event_id=uuid.UUID("0b9f3a52-7c1e-4f3e-9a34-2d6c1f0e8b11"),
    sender_agency="market-regulation",
    officer_id="mr-1",
    occurred_at=datetime(2026, 3, 2, 1, 30, tzinfo=UTC),
)
CASE = RegisterCase(
    ENVELOPE, CaseRef("market-regulation", "市监罚〔2026〕12号"), "title", "cat", "summary"
)


def _raw_avro(event_type: str, record: dict) -> bytes:
    """Bytes written with the plain (logical-type-free) schema: lets a test break a field."""
    sv = default_catalog().current(event_type)
    out = io.BytesIO()
    out.write(MAGIC + sv.fingerprint)
    fastavro.schemaless_writer(out, sv.plain, record)
    return out.getvalue()


def _avro_form(command) -> tuple[str, dict]:
    event_type, record = command_to_record(command)
    return event_type, default_catalog().current(event_type).shape.to_avro(record)


def _undecodable(raw: bytes, topic_agency: str | None = "market-regulation") -> Undecodable:
    result = decode_inbound(raw, ORIGIN, topic_agency)
    assert isinstance(result, Undecodable), result
    assert result.origin == ORIGIN
    assert result.raw == raw
    return result


class TestReasons:
    @pytest.mark.parametrize(
        "raw", [b"", b"\xc3", b"\xc3\x01\x00", b"{}" * 8, b"\x00\x01" + b"x" * 20]
    )
    def test_bytes_without_the_single_object_header_are_bad_magic(self, raw):
        """No C3 01 marker or a too-short header is reason bad_magic."""
        assert _undecodable(raw).reason_code == "bad_magic"

    def test_a_fingerprint_not_in_the_catalog_is_unknown_schema(self):
        """A well-formed header with an unknown fingerprint names the fingerprint."""
        raw = MAGIC + bytes.fromhex("0123456789abcdef") + b"\x00"
        result = _undecodable(raw)
        assert result.reason_code == "unknown_schema"
        assert "0123456789abcdef" in result.message

    def test_a_shared_record_is_not_an_event(self):
        """The Header's own fingerprint is not an event schema: unknown_schema."""
        header = default_catalog().current("Header")
        assert _undecodable(MAGIC + header.fingerprint + b"\x00").reason_code == "unknown_schema"

    def test_a_truncated_body_is_bad_avro(self):
        """Cutting the body short is reason bad_avro."""
        raw = encode_command(CASE)
        assert _undecodable(raw[:-5]).reason_code == "bad_avro"

    def test_trailing_bytes_are_bad_avro(self):
        """Bytes left after the record are reason bad_avro, with the count."""
        result = _undecodable(encode_command(CASE) + b"\x00\x00")
        assert result.reason_code == "bad_avro"
        assert "2 byte(s) left over" in result.message

    def test_an_event_id_that_is_no_uuid_is_invalid_record_with_the_path(self):
        """A string that is not a UUID in header.event_id: invalid_record naming the field."""
        event_type, record = _avro_form(CASE)
        record["header"]["event_id"] = "not-a-uuid"
        result = _undecodable(_raw_avro(event_type, record))
        assert result.reason_code == "invalid_record"
        assert "header.event_id" in result.message

    def test_a_case_event_without_case_ref_is_invalid_record(self):
        """A case event must carry header.case_ref."""
        event_type, record = _avro_form(CASE)
        record["header"]["case_ref"] = None
        result = _undecodable(_raw_avro(event_type, record))
        assert result.reason_code == "invalid_record"
        assert "header.case_ref" in result.message

    def test_a_directory_event_with_a_case_ref_is_invalid_record(self):
        """A directory event must have a null header.case_ref."""
        officer = RegisterOfficer(ENVELOPE, "mr-2", "Li Si (fictional)")
        event_type, record = _avro_form(officer)
        record["header"]["case_ref"] = {"owning_agency": "a", "case_number": "1"}
        result = _undecodable(_raw_avro(event_type, record))
        assert result.reason_code == "invalid_record"
        assert "header.case_ref" in result.message

    def test_another_agencys_topic_is_sender_mismatch(self):
        """The sender in the header must be the topic's agency."""
        result = _undecodable(encode_command(CASE), topic_agency="natural-resources")
        assert result.reason_code == "sender_mismatch"
        assert result.sender_agency == "natural-resources"
        assert "header.sender_agency" in result.message

    def test_without_topic_agency_the_sender_is_not_checked(self):
        """Tools that decode outside a topic pass topic_agency=None."""
        assert isinstance(decode_inbound(encode_command(CASE), ORIGIN, None), Inbound)

    def test_decode_command_raises_decode_error_with_the_reason(self):
        """The raising API carries the same reason code."""
        with pytest.raises(DecodeError) as info:
            decode_command(b"nope")
        assert info.value.reason_code == "bad_magic"


class TestNeverRaises:
    @settings(max_examples=500, deadline=None)
    @given(st.binary(max_size=200))
    def test_random_bytes(self, raw):
        """Any bytes at all give Inbound or Undecodable."""
        result = decode_inbound(raw, ORIGIN, "market-regulation")
        assert isinstance(result, Inbound | Undecodable)

    @settings(max_examples=500, deadline=None)
    @given(commands(), st.data())
    def test_corrupted_valid_records(self, command, data):
        """Flipping, cutting or extending a valid record never raises."""
        raw = bytearray(encode_command(command))
        position = data.draw(st.integers(min_value=10, max_value=len(raw) - 1))
        action = data.draw(st.sampled_from(["flip", "cut", "extend"]))
        if action == "flip":
            raw[position] ^= data.draw(st.integers(min_value=1, max_value=255))
        elif action == "cut":
            del raw[position:]
        else:
            raw[position:position] = data.draw(st.binary(min_size=1, max_size=8))
        result = decode_inbound(bytes(raw), ORIGIN, None)
        assert isinstance(result, Inbound | Undecodable)
        if isinstance(result, Undecodable):
            assert result.reason_code in {"bad_avro", "invalid_record"}
