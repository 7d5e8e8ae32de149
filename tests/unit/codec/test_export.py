"""`casehub schemas export DIR`: standalone schemas a peer's Avro library parses file by file.

Each exported file is parsed alone (no other file, no named types registered before) by Apache's
``avro`` and by fastavro; a record written with Apache ``avro`` from an exported file, framed
with the index's fingerprint, decodes in the hub to the command it was made from.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from uuid import UUID

import avro.errors
import avro.io
import avro.schema
import fastavro
import fastavro.schema
import pytest

from hub.cli import main
from hub.codec import (
    MAGIC,
    SCHEMA_DIR,
    command_from_json,
    command_to_record,
    decode_command,
    default_catalog,
)
from hub.codec.docs import EVENTS_MD
from hub.codec.examples import example_json
from hub.codec.export import export
from peer_records import information_shared_v1

CATALOG = default_catalog()
VERSIONS = list(CATALOG)
_EMPTY64 = 0xC15D213AA4D7A795


def _crc64_avro(data: bytes) -> bytes:
    """CRC-64-AVRO as the specification writes it, little-endian (independent of any library)."""
    fp = _EMPTY64
    for byte in data:
        fp ^= byte
        for _ in range(8):
            fp = (fp >> 1) ^ (_EMPTY64 & -(fp & 1))
    return fp.to_bytes(8, "little")


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("export") / "schemas-for-peers"
    export(directory)
    return directory


@pytest.fixture(scope="module")
def index(exported) -> dict:
    return json.loads((exported / "index.json").read_text("utf-8"))


def _entry(index: dict, record: str, version: int) -> dict:
    (entry,) = [e for e in index["schemas"] if (e["record"], e["version"]) == (record, version)]
    return entry


def _for_avro(value):
    """The codec's Python form as Apache avro writes it (UUIDs as their strings)."""
    if isinstance(value, dict):
        return {k: _for_avro(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_for_avro(v) for v in value]
    if isinstance(value, UUID):
        return str(value)
    return value


def _framed_by_apache_avro(exported: Path, entry: dict, record: dict) -> bytes:
    """What a peer does: parse the exported file, write the body, put the header in front."""
    schema = avro.schema.parse((exported / entry["file"]).read_text("utf-8"))
    out = io.BytesIO()
    out.write(MAGIC + bytes.fromhex(entry["crc64_avro"]))
    avro.io.DatumWriter(schema).write(_for_avro(record), avro.io.BinaryEncoder(out))
    return out.getvalue()


class TestLayout:
    def test_one_file_per_record_and_version_and_an_index_of_all(self, exported, index):
        """DIR/<fullname>/v<N>.avsc for every version in the catalog, each listed once."""
        files = sorted(str(p.relative_to(exported)) for p in exported.glob("*/v*.avsc"))
        assert files == sorted(f"{sv.fullname}/v{sv.version}.avsc" for sv in VERSIONS)
        listed = [(e["record"], e["version"], e["file"]) for e in index["schemas"]]
        assert listed == [
            (sv.fullname, sv.version, f"{sv.fullname}/v{sv.version}.avsc") for sv in VERSIONS
        ]
        current = {e["record"] for e in index["schemas"] if e["current"]}
        assert current == set(CATALOG.records())
        assert _entry(index, "casehub.events.InformationShared", 1)["current"] is False
        kinds = {e["record"]: e["kind"] for e in index["schemas"]}
        assert kinds["casehub.events.Header"] == "shared"
        assert kinds["casehub.hub.Receipt"] == "hub"
        assert kinds["casehub.events.CaseRegistered"] == "event"

    def test_the_docs_of_the_json_form_and_an_example_per_event_come_along(self, exported):
        """events.md is docs/events.md; each event's example.json is a valid event."""
        assert (exported / "events.md").read_text("utf-8") == EVENTS_MD.read_text("utf-8")
        assert "single-object" in (exported / "README.md").read_text("utf-8")
        examples = sorted(exported.glob("*/example.json"))
        assert len(examples) == len(CATALOG.event_types())
        for path in examples:
            command = command_from_json(json.loads(path.read_text("utf-8")))
            assert type(command).__name__

    def test_the_docs_and_pii_marks_are_kept(self, exported):
        """The exported schema keeps each field's doc and the personal-data marks."""
        doc = json.loads((exported / "casehub.events.OfficerRegistered/v1.avsc").read_text())
        name = next(f for f in doc["fields"] if f["name"] == "name")
        assert name["pii"] is True
        assert name["doc"]
        header = next(f for f in doc["fields"] if f["name"] == "header")
        assert header["type"]["name"] == "Header"
        assert "casehub.refs" not in json.dumps(doc)


class TestEveryFileStandsAlone:
    @pytest.mark.parametrize("sv", VERSIONS, ids=lambda sv: f"{sv.name}-v{sv.version}")
    def test_apache_avro_and_fastavro_parse_it_alone(self, exported, index, sv):
        """Each file parses on its own with both libraries, and its canonical form and both
        fingerprints in the index are the specification's."""
        text = (exported / f"{sv.fullname}/v{sv.version}.avsc").read_text("utf-8")
        apache = avro.schema.parse(text)
        assert apache.fullname == sv.fullname
        parsed = fastavro.schema.parse_schema(json.loads(text), named_schemas={})
        canonical = fastavro.schema.to_parsing_canonical_form(parsed)
        entry = _entry(index, sv.fullname, sv.version)
        assert entry["canonical_form"] == canonical
        assert entry["crc64_avro"] == _crc64_avro(canonical.encode()).hex()
        assert entry["crc64_avro"] == sv.fingerprint_hex
        assert entry["crc64_avro_long"] == int.from_bytes(
            bytes.fromhex(entry["crc64_avro"]), "little", signed=True
        )
        assert entry["sha256"] == hashlib.sha256(canonical.encode()).hexdigest()

    def test_the_committed_event_files_do_not_stand_alone(self):
        """Why the export exists: schemas/ refers to Header by name, which avro cannot resolve."""
        text = (SCHEMA_DIR / "casehub.events.CaseRegistered" / "v1.avsc").read_text("utf-8")
        with pytest.raises(avro.errors.SchemaParseException):
            avro.schema.parse(text)

    def test_apache_avros_own_fingerprint_agrees_where_there_is_no_logical_type(self, index):
        """Apache avro (Python) keeps logicalType in its canonical form; for a record without
        one its fingerprint is the index's, so a peer can check its own library."""
        entry = _entry(index, "casehub.events.CaseRef", 1)
        schema = avro.schema.parse(json.dumps(CATALOG.version("CaseRef", 1).schema))
        assert schema.fingerprint().hex() == entry["crc64_avro"]


class TestThePeerWritesTheHubReads:
    @pytest.mark.parametrize("event_type", CATALOG.event_types())
    def test_apache_avro_from_the_exported_file_decodes_to_the_command(
        self, exported, index, event_type
    ):
        """The current version of every event, written with Apache avro and framed by hand."""
        command = command_from_json(example_json(event_type))
        _, record = command_to_record(command)
        entry = _entry(index, f"casehub.events.{event_type}", CATALOG.current(event_type).version)
        assert decode_command(_framed_by_apache_avro(exported, entry, record)) == command

    def test_fastavro_from_the_exported_file_decodes_to_the_command(self, exported, index):
        """fastavro with the exported file (logical types and all) writes what the hub reads."""
        command = command_from_json(example_json("DisputeOpened"))
        _, record = command_to_record(command)
        entry = _entry(index, "casehub.events.DisputeOpened", 1)
        schema = fastavro.schema.parse_schema(
            json.loads((exported / entry["file"]).read_text("utf-8")), named_schemas={}
        )
        out = io.BytesIO()
        out.write(MAGIC + bytes.fromhex(entry["crc64_avro"]))
        fastavro.schemaless_writer(out, schema, record)
        assert decode_command(out.getvalue()) == command

    def test_an_older_version_written_by_a_peer_reads_as_current(self, exported, index):
        """InformationShared v1 from its exported file: accepted, documents empty."""
        entry = _entry(index, "casehub.events.InformationShared", 1)
        record = information_shared_v1()
        command = decode_command(_framed_by_apache_avro(exported, entry, record))
        assert (command.info_id, command.documents) == ("i-1", ())


class TestTheCommand:
    def test_export_says_what_it_wrote(self, tmp_path, capsys):
        """One line per schema (path, fingerprint, kind), the other files, then the count;
        a missing directory is created, parents and all."""
        target = tmp_path / "a" / "b"
        assert main(["schemas", "export", str(target)]) == 0
        out = capsys.readouterr().out.splitlines()
        fingerprint = CATALOG.version("CaseRegistered", 1).fingerprint_hex
        line = f"{target}/casehub.events.CaseRegistered/v1.avsc  {fingerprint}  event"
        assert line in out
        assert any(line == str(target / "index.json") for line in out)
        assert out[-1].startswith(
            f"wrote {len(VERSIONS)} schemas ({len(CATALOG.records())} records"
        )
        assert str(target) in out[-1]

    def test_export_refuses_a_file(self, tmp_path, capsys):
        """DIR that is a file: one clear line, exit 2, the file untouched."""
        target = tmp_path / "schemas.txt"
        target.write_text("keep me")
        assert main(["schemas", "export", str(target)]) == 2
        err = capsys.readouterr().err
        assert f"{target} is a file, not a directory" in err
        assert "Traceback" not in err
        assert target.read_text() == "keep me"

    def test_export_again_overwrites_in_place(self, tmp_path):
        """A second export into the same directory gives the same files."""
        first = export(tmp_path / "x")
        before = {p: p.read_bytes() for p in first.schemas}
        second = export(tmp_path / "x")
        assert {p: p.read_bytes() for p in second.schemas} == before
