"""Every command survives encode → decode and the JSON form, for every event type."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devkit.testing.codec import command_of, commands
from hub.cases.commands import Inbound, Origin
from hub.codec import (
    EVENT_COMMANDS,
    command_content_hash,
    command_from_json,
    command_to_json,
    decode_command,
    decode_inbound,
    encode_command,
    event_type_of,
)

ORIGIN = Origin("casehub.agency.x.events", 0, 7)


class TestRoundTrip:
    @pytest.mark.parametrize("event_type", sorted(EVENT_COMMANDS))
    def test_each_event_type_round_trips(self, event_type):
        """Each of the 28 event types decodes back to the very command that was encoded."""
        cls = EVENT_COMMANDS[event_type]

        @settings(max_examples=25, deadline=None)
        @given(command_of(cls))
        def check(command):
            assert event_type_of(command) == event_type
            assert decode_command(encode_command(command)) == command

        check()

    @settings(max_examples=300, deadline=None)
    @given(commands())
    def test_any_command_round_trips_through_bytes_and_json(self, command):
        """Bytes and the JSON form (through text) both give the command back."""
        assert decode_command(encode_command(command)) == command
        text = json.dumps(command_to_json(command), ensure_ascii=False)
        assert command_from_json(json.loads(text)) == command

    @settings(max_examples=200, deadline=None)
    @given(commands())
    def test_inbound_carries_the_content_hash_of_the_command(self, command):
        """decode_inbound's content hash equals the hash computed from the command."""
        raw = encode_command(command)
        inbound = decode_inbound(raw, ORIGIN, command.envelope.sender_agency)
        assert isinstance(inbound, Inbound)
        assert inbound.command == command
        assert inbound.raw == raw
        assert inbound.origin == ORIGIN
        assert inbound.content_hash == command_content_hash(command)

    @settings(max_examples=100, deadline=None)
    @given(commands(), st.data())
    def test_content_hash_changes_with_content(self, command, data):
        """Two commands that differ give different hashes; the same one the same hash."""
        other = data.draw(commands())
        same = command_content_hash(command) == command_content_hash(other)
        assert same == (command_to_json(command) == command_to_json(other))
