"""The JSON form, its error messages, the examples and docs/events.md."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.cli import main
from hub.codec import (
    EVENT_COMMANDS,
    FieldError,
    command_from_json,
    command_from_json_text,
    command_to_json,
    decode_command,
    docs,
    encode_command,
)
from hub.codec.examples import example_json


def _example(event_type="CaseRegistered"):
    return example_json(event_type)


class TestExamples:
    @pytest.mark.parametrize("event_type", sorted(EVENT_COMMANDS))
    def test_every_example_is_valid_and_round_trips(self, event_type):
        """The example parses, encodes, decodes and prints back as itself."""
        command = command_from_json(_example(event_type))
        assert decode_command(encode_command(command)) == command
        assert command_from_json(command_to_json(command)) == command

    def test_cli_example_prints_one_parsable_line(self, capsys):
        """`casehub schemas example TYPE` prints JSON that the publisher accepts."""
        assert main(["schemas", "example", "RecommendationIssued"]) == 0
        out = capsys.readouterr().out.strip().splitlines()
        assert len(out) == 1
        assert type(command_from_json_text(out[0])).__name__ == "IssueRecommendation"


class TestJsonErrors:
    def _error(self, obj) -> FieldError:
        with pytest.raises(FieldError) as info:
            command_from_json(obj)
        return info.value

    def test_missing_field_names_its_path(self):
        """A missing required field is named with its path."""
        obj = _example()
        del obj["header"]["officer_id"]
        error = self._error(obj)
        assert error.path == "header.officer_id"
        assert "required" in str(error)

    def test_mistyped_field_names_its_path(self):
        """A number where a string belongs is named."""
        obj = _example()
        obj["title"] = 12
        assert self._error(obj).path == "title"

    def test_nested_list_items_are_named_by_index(self):
        """A bad document in a list names its index."""
        obj = _example("RecommendationReplied")
        obj["documents"].append({"document_id": "d2"})
        assert self._error(obj).path == "documents[1].sha256"

    def test_unknown_event_type(self):
        """An unknown type is refused at the path 'type'."""
        obj = _example()
        obj["type"] = "CaseDeleted"
        error = self._error(obj)
        assert error.path == "type"
        assert "CaseDeleted" in str(error)

    def test_unknown_field_is_refused(self):
        """A key the record does not have (usually a typo) is refused."""
        obj = _example()
        obj["summery"] = "x"
        assert self._error(obj).path == "summery"

    def test_timestamp_without_offset_is_refused(self):
        """A naive timestamp is ambiguous: refused."""
        obj = _example()
        obj["header"]["occurred_at"] = "2026-03-02T09:30:00"
        error = self._error(obj)
        assert error.path == "header.occurred_at"
        assert "UTC offset" in str(error)

    def test_bad_enum_and_date(self):
        """Enum symbols and dates are checked."""
        obj = _example()
        obj["header"]["classification"] = "SECRET"
        assert self._error(obj).path == "header.classification"
        obj = _example("AssistanceRequested")
        obj["due_date"] = "2026-02-30"
        assert self._error(obj).path == "due_date"

    def test_defaults_may_be_left_out(self):
        """Fields with a default (correlation ids, classification, major) may be omitted."""
        obj = _example()
        for key in ("correlation_id", "causation_id", "classification"):
            del obj["header"][key]
        del obj["major"]
        command = command_from_json(obj)
        assert command.major is None
        assert command.envelope.classification == "INTERNAL"

    def test_malformed_json_names_the_column(self):
        """Broken JSON text says where."""
        with pytest.raises(FieldError, match="malformed JSON at column"):
            command_from_json_text('{"type": "CaseRegistered",')


class TestDocs:
    def test_events_md_is_up_to_date(self):
        """docs/events.md is what `casehub schemas docs --write` generates."""
        assert docs.EVENTS_MD.read_text(encoding="utf-8") == docs.render(), (
            "docs/events.md is stale: run `casehub schemas docs --write`"
        )

    def test_every_event_type_is_documented(self):
        """Each event has a section with its sender rule and Chinese term."""
        text = docs.render()
        for name in EVENT_COMMANDS:
            assert f"### {name}\n" in text
        assert "| `name` | string | The officer's name (personal information). **PII** |" in text


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)


class TestJsonNeverCrashes:
    @settings(max_examples=300, deadline=None)
    @given(st.sampled_from(sorted(EVENT_COMMANDS)), st.data())
    def test_any_field_replaced_by_any_json_is_a_field_error_or_valid(self, event_type, data):
        """Whatever value lands in whatever field, the result is a command or a FieldError."""
        obj = _example(event_type)
        target = obj["header"] if data.draw(st.booleans()) else obj
        key = data.draw(st.sampled_from(sorted(k for k in target if k != "type")))
        target[key] = data.draw(_JSON)
        error = None
        try:
            command_from_json(obj)
        except FieldError as exc:
            error = exc
        assert error is None or error.path

    @settings(max_examples=200, deadline=None)
    @given(_JSON)
    def test_any_json_document_is_a_field_error_or_valid(self, value):
        """A line that is valid JSON but not an event is refused with a FieldError."""
        with pytest.raises(FieldError):
            command_from_json(value)


class TestListCommand:
    def test_list_marks_current_versions(self, capsys):
        """`casehub schemas list` shows each version with its fingerprint, * on the current."""
        assert main(["schemas", "list"]) == 0
        lines = capsys.readouterr().out.splitlines()
        shared = [ln for ln in lines if "casehub.events.InformationShared " in ln]
        assert len(shared) == 2
        assert shared[0].startswith("  ")
        assert " v1 " in shared[0]
        assert shared[1].startswith("* ")
        assert " v2 " in shared[1]
        assert sum(1 for ln in lines if ln.endswith("event")) >= 29
