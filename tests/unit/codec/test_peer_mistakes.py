"""What an agency developer gets wrong first, and what the hub tells them.

A value pushed through a text tool (Kafka's console producer reads its input as UTF-8 text and
turns the single-object marker ``C3 01`` into ``EF BF BD 01``) is refused as
``value_text_mangled`` with a message that says so; a command's name where an event's belongs
(``ReplyToRecommendation``) points to the event's name.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devkit.testing.serve import story_commands, write_directory_file
from hub.cases.application import CaseHub
from hub.cases.commands import Inbound, Origin, Undecodable
from hub.cases.views import Accepted, Rejected
from hub.cli import main
from hub.codec import FieldError, command_from_json, decode_inbound, encode_command
from hub.codec.examples import example_json
from hub.errors import SchemaError
from hub.ops.deadletters import dead_letters
from hub.settings import load_settings
from hub.topics import agency_topic

MR = "market-regulation"
ORIGIN = Origin(agency_topic(MR), 1, 7)


def _as_text(raw: bytes) -> bytes:
    """What kafka-console-producer sends for binary input: the bytes read as UTF-8 text."""
    return raw.decode("utf-8", errors="replace").encode("utf-8")


def _officer_of(agency: str, officer: str):
    obj = example_json("OfficerRegistered")
    obj["header"] |= {"sender_agency": agency, "officer_id": officer}
    obj["officer_id"] = officer
    return command_from_json(obj)


class TestTextMangledValue:
    def test_a_value_sent_as_text_is_refused_as_text_mangled(self):
        """EF BF BD where C3 01 should be: reason value_text_mangled, and the message says the
        value was sent as text and what to do instead."""
        raw = _as_text(encode_command(_officer_of(MR, "mr-9")))
        assert raw.startswith(b"\xef\xbf\xbd\x01")

        result = decode_inbound(raw, ORIGIN, MR)

        assert isinstance(result, Undecodable)
        assert result.reason_code == "value_text_mangled"
        assert "U+FFFD" in result.message
        assert "EF BF BD" in result.message
        assert "C3 01" in result.message
        assert "sent as text" in result.message
        assert "kafka-console-producer" in result.message
        assert (result.origin, result.raw, result.sender_agency) == (ORIGIN, raw, MR)

    @pytest.mark.parametrize("raw", [b"\xef\xbf", b"\x00\x01" + b"x" * 20, b"{}" * 8])
    def test_other_bytes_without_the_header_are_still_bad_magic(self, raw):
        """Only the replacement character where the header belongs is called text-mangled."""
        result = decode_inbound(raw, ORIGIN, MR)
        assert isinstance(result, Undecodable)
        assert result.reason_code == "bad_magic"

    def test_the_mangled_record_is_dead_lettered_whole_and_the_partition_flows_on(
        self, tmp_path: Path
    ):
        """In the hub: a REJECTED dead letter with the reason, its full size and origin, and
        the next good record in the same batch is accepted."""
        app = CaseHub({"PERSISTENCE_MODULE": "eventsourcing.popo"}, settings=load_settings())
        app.apply_directory_file(write_directory_file(tmp_path / "directory.toml"))
        agency, admission = story_commands()[0]
        origin = Origin(agency_topic(agency), 1, 7)
        good = encode_command(admission)
        mangled = _as_text(good)
        items = [
            decode_inbound(mangled, origin, agency),
            decode_inbound(good, Origin(origin.source, 1, 8), agency),
        ]
        assert isinstance(items[1], Inbound)

        refused, accepted = app.process_batch(items)

        assert isinstance(refused, Rejected)
        assert refused.reason_code == "value_text_mangled"
        assert isinstance(accepted, Accepted)
        (letter,) = dead_letters(app)
        assert letter.reason_code == "value_text_mangled"
        assert (letter.source, letter.partition, letter.offset) == (origin.source, 1, 7)
        assert letter.size == len(mangled)
        assert "sent as text" in letter.message


class TestNamesPeopleWrite:
    def test_example_of_a_command_name_points_to_the_event(self, capsys):
        """`casehub schemas example ReplyToRecommendation` names RecommendationReplied."""
        assert main(["schemas", "example", "ReplyToRecommendation"]) == 2
        err = capsys.readouterr().err
        assert "'ReplyToRecommendation' is a command" in err
        assert "casehub schemas example RecommendationReplied" in err
        assert "Traceback" not in err

    def test_example_of_a_near_miss_lists_the_closest_names(self, capsys):
        """A misspelt event type gets the closest event names, the right one first."""
        assert main(["schemas", "example", "RecomendationReplied"]) == 2
        err = capsys.readouterr().err
        expected = "'RecomendationReplied' is not an event type of the hub; the closest: "
        assert expected + "RecommendationReplied," in err

    @pytest.mark.parametrize(
        ("name", "kind"), [("Header", "shared"), ("casehub.hub.Receipt", "hub")]
    )
    def test_example_of_a_record_that_is_no_event_says_so(self, capsys, name, kind):
        """A shared or hub record is not an event: said in one line, not a KeyError."""
        assert main(["schemas", "example", name]) == 2
        err = capsys.readouterr().err
        assert f"is not an event an agency publishes (it is a {kind} record)" in err
        assert "Traceback" not in err

    def test_example_of_an_event_name_still_prints_the_example(self, capsys):
        """Short and full names both print a line `casehub publish` accepts."""
        for name in ("RecommendationReplied", "casehub.events.RecommendationReplied"):
            assert main(["schemas", "example", name]) == 0
            line = json.loads(capsys.readouterr().out)
            assert line["type"] == "RecommendationReplied"
            command_from_json(line)

    def test_a_json_line_with_a_command_name_points_to_the_event(self):
        """The JSON form (`casehub publish`) refuses the command's name, naming the event."""
        obj = example_json("RecommendationReplied") | {"type": "ReplyToRecommendation"}
        with pytest.raises(FieldError) as info:
            command_from_json(obj)
        assert info.value.path == "type"
        assert "'RecommendationReplied'" in str(info.value)

    def test_an_unknown_name_is_a_schema_error(self):
        """No name at all close to an event type: where to find the list."""
        with pytest.raises(SchemaError, match="casehub schemas list"):
            example_json("Zzzzz")
