"""The schema catalog: every command has its record, versions side by side, docs and PII marks."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from uuid import UUID

import pytest

from hub.cases import commands as c
from hub.codec import (
    EVENT_COMMANDS,
    HEADER_FINGERPRINT,
    HEADER_TYPE,
    SCHEMA_DIR,
    Catalog,
    decode_record,
    default_catalog,
    encode_command,
    encode_record,
    kafka_headers,
    read_kafka_headers,
)
from hub.errors import SchemaError
from hub.vocabulary import CaseRef

COMMAND_CLASSES = {
    cls for cls in vars(c).values() if isinstance(cls, type) and cls.__module__ == c.__name__
}


class TestCatalog:
    def test_one_event_record_per_command(self):
        """Each command class of the contract has exactly one event record, named past-tense."""
        catalog = default_catalog()
        assert sorted(catalog.event_types()) == sorted(EVENT_COMMANDS)
        assert len(EVENT_COMMANDS) == 28
        commands_in_contract = {
            cls for cls in COMMAND_CLASSES if "envelope" in getattr(cls, "__dataclass_fields__", {})
        }
        assert set(EVENT_COMMANDS.values()) == commands_in_contract

    def test_event_fields_are_the_command_fields(self):
        """Record fields are header + the command's fields (less envelope and case)."""
        catalog = default_catalog()
        for name, cls in EVENT_COMMANDS.items():
            fields = [f.name for f in catalog.current(name).shape.fields]
            expected = [f for f in cls.__dataclass_fields__ if f not in {"envelope", "case"}]
            assert fields[0] == "header"
            assert sorted(fields[1:]) == sorted(expected), name

    def test_every_record_and_field_has_a_doc_and_the_namespace(self):
        """Every record sits in casehub.events with a doc on it and on every field."""
        for sv in default_catalog():
            if sv.kind == "hub":
                continue
            assert sv.fullname.startswith("casehub.events.")
            assert sv.shape.doc
            assert all(f.doc for f in sv.shape.fields), sv.fullname

    def test_personal_information_is_marked(self):
        """Officer name, party name and id_number carry "pii": true, and nothing else does."""
        catalog = default_catalog()
        marked = set()
        for sv in catalog:
            for f in sv.shape.fields:
                if f.pii and sv.kind != "hub":
                    marked.add(f"{sv.name}.{f.name}")
        assert marked == {"OfficerRegistered.name", "Party.name", "Party.id_number"}

    def test_information_shared_has_two_versions_v2_current(self):
        """InformationShared v2 is current and adds documents with a default."""
        catalog = default_catalog()
        assert [sv.version for sv in catalog.versions("InformationShared")] == [1, 2]
        assert catalog.current("InformationShared").version == 2
        docs = next(
            f for f in catalog.current("InformationShared").shape.fields if f.name == "documents"
        )
        assert docs.has_default
        assert docs.default == []

    def test_fingerprints_are_unique_and_found(self):
        """Each event version is found by its fingerprint."""
        catalog = default_catalog()
        for sv in catalog:
            if sv.kind != "shared":
                assert catalog.by_fingerprint(sv.fingerprint) is sv

    def test_unknown_record_type_is_a_schema_error(self):
        """Asking for a record that does not exist names it."""
        with pytest.raises(SchemaError, match="NoSuchEvent"):
            default_catalog().current("NoSuchEvent")

    def test_a_misfiled_schema_is_refused(self, tmp_path):
        """A file whose record name differs from its folder is refused with the path."""
        shutil.copytree(SCHEMA_DIR, tmp_path / "s")
        src = tmp_path / "s" / "casehub.events.CaseRegistered" / "v1.avsc"
        dst = tmp_path / "s" / "casehub.events.Elsewhere"
        dst.mkdir()
        shutil.copy(src, dst / "v1.avsc")
        with pytest.raises(SchemaError, match=r"filed under casehub\.events\.Elsewhere"):
            Catalog.load(tmp_path / "s")

    def test_a_field_without_doc_is_refused(self, tmp_path):
        """Every field must carry a doc."""
        shutil.copytree(SCHEMA_DIR, tmp_path / "s")
        path = tmp_path / "s" / "casehub.events.ParticipantAdded" / "v1.avsc"
        schema = json.loads(path.read_text())
        del schema["fields"][1]["doc"]
        path.write_text(json.dumps(schema))
        with pytest.raises(SchemaError, match="agency_id has no doc"):
            Catalog.load(tmp_path / "s")


class TestVersions:
    def test_v1_data_decodes_into_the_current_version(self):
        """Bytes written with InformationShared v1 arrive as v2 records, documents empty."""
        envelope = c.Envelope(
            UUID(int=5), "market-regulation", "mr-1", datetime(2026, 1, 1, tzinfo=UTC)
        )
        command = c.ShareInformation(envelope, CaseRef("market-regulation", "A-1"), "i-1", "s")
        from hub.codec import command_to_record  # noqa: PLC0415

        event_type, record = command_to_record(command)
        del record["documents"]
        raw = encode_record(event_type, record, version=1)
        decoded = decode_record(raw)
        assert (decoded.writer.version, decoded.reader.version) == (1, 2)
        assert decoded.record["documents"] == []
        assert decoded.record["info_id"] == "i-1"

    def test_a_default_list_is_a_fresh_one_for_every_record(self):
        """Two records without ``documents`` get an empty list each when converted: filling one
        does not fill the other (the converted defaults are kept, so a shared list would leak)."""
        envelope = c.Envelope(
            UUID(int=5), "market-regulation", "mr-1", datetime(2026, 1, 1, tzinfo=UTC)
        )
        command = c.ShareInformation(envelope, CaseRef("market-regulation", "A-1"), "i-1", "s")
        from hub.codec import command_to_record  # noqa: PLC0415

        event_type, record = command_to_record(command)
        del record["documents"]
        shape = default_catalog().current(event_type).shape
        first, second = shape.to_avro(record), shape.to_avro(record)
        first["documents"].append("changed")
        assert second["documents"] == []
        assert shape.to_avro(record)["documents"] == []

    def test_current_version_is_written(self):
        """encode_command writes the current version's fingerprint."""
        envelope = c.Envelope(
            UUID(int=5), "market-regulation", "mr-1", datetime(2026, 1, 1, tzinfo=UTC)
        )
        command = c.ShareInformation(envelope, CaseRef("market-regulation", "A-1"), "i-1", "s")
        raw = encode_command(command)
        assert raw[2:10] == default_catalog().current("InformationShared").fingerprint


class TestKafkaHeaders:
    def test_headers_name_type_and_fingerprint(self):
        """Kafka headers carry the full type name and the fingerprint in hex."""
        sv = default_catalog().current("CaseRegistered")
        headers = kafka_headers(sv)
        assert dict(headers) == {
            HEADER_TYPE: b"casehub.events.CaseRegistered",
            HEADER_FINGERPRINT: sv.fingerprint_hex.encode(),
        }
        assert read_kafka_headers([*headers, ("other", b"x"), ("empty", None)]) == {
            "event_type": "casehub.events.CaseRegistered",
            "fingerprint": sv.fingerprint_hex,
        }


class TestSharedRecordVersions:
    def test_an_event_version_pins_the_shared_record_version_it_embeds(self, tmp_path):
        """Header v2 is used only by the event version that pins it; v1 keeps its fingerprint."""
        root = tmp_path / "s"
        shutil.copytree(SCHEMA_DIR, root)
        header = json.loads((root / "casehub.events.Header" / "v1.avsc").read_text())
        header["fields"].append(
            {"name": "source_system", "type": ["null", "string"], "default": None, "doc": "d"}
        )
        (root / "casehub.events.Header" / "v2.avsc").write_text(json.dumps(header))
        event = json.loads((root / "casehub.events.CaseRegistered" / "v1.avsc").read_text())
        event["casehub.refs"] = {"casehub.events.Header": 2}
        event["fields"].append({"name": "x", "type": "string", "default": "", "doc": "d"})
        (root / "casehub.events.CaseRegistered" / "v2.avsc").write_text(json.dumps(event))

        catalog = Catalog.load(root)
        v1 = catalog.version("CaseRegistered", 1)
        v2 = catalog.current("CaseRegistered")
        assert v1.fingerprint == default_catalog().current("CaseRegistered").fingerprint
        assert "source_system" in v2.canonical_form
        assert "source_system" not in v1.canonical_form
        assert "casehub.refs" not in json.dumps(v2.schema)

        from hub.codec.compat import check_catalog  # noqa: PLC0415

        assert check_catalog(catalog) == []
        envelope = c.Envelope(
            UUID(int=9), "market-regulation", "mr-1", datetime(2026, 1, 1, tzinfo=UTC)
        )
        command = c.RegisterCase(envelope, CaseRef("market-regulation", "A-1"), "t", "c", "s")
        raw = encode_command(command)  # v1 of the committed catalog
        decoded = decode_record(raw, catalog=catalog)
        assert decoded.reader is v2
        assert decoded.record["header"]["source_system"] is None

    def test_a_reference_to_a_missing_version_is_refused(self, tmp_path):
        """Pinning a shared record version that does not exist names it."""
        root = tmp_path / "s"
        shutil.copytree(SCHEMA_DIR, root)
        path = root / "casehub.events.CaseRegistered" / "v1.avsc"
        event = json.loads(path.read_text())
        event["casehub.refs"] = {"casehub.events.Header": 7}
        path.write_text(json.dumps(event))
        with pytest.raises(SchemaError, match=r"refers to casehub\.events\.Header v7"):
            Catalog.load(root)
