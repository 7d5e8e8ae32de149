"""Peer interop with Apache's own ``avro`` library, and the fingerprint as the spec defines it.

The Parsing Canonical Form and CRC-64-AVRO here are written from the specification, not taken
from fastavro or avro (avro's ``canonical_form`` keeps ``logicalType`` and so disagrees with
the spec).
"""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from uuid import UUID

import avro.io
import avro.schema
import pytest
from hypothesis import given, settings

from devkit.testing.codec import commands
from hub.codec import (
    MAGIC,
    command_from_json,
    command_to_record,
    decode_command,
    default_catalog,
    encode_command,
)
from hub.codec.examples import example_json
from peer_records import information_shared_v1

# --- the specification, independently -----------------------------------------------------
_EMPTY64 = 0xC15D213AA4D7A795
_PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}
_ORDER = ["name", "type", "fields", "symbols", "items", "values", "size"]


def crc64_avro(data: bytes) -> int:
    """CRC-64-AVRO, bit by bit (the spec's table-driven form unrolled)."""
    fp = _EMPTY64
    for byte in data:
        fp ^= byte
        for _ in range(8):
            fp = (fp >> 1) ^ (_EMPTY64 & -(fp & 1))
    return fp


def parsing_canonical_form(schema) -> str:  # noqa: C901 - the spec, rule by rule
    """[PRIMITIVES] [FULLNAMES] [STRIP] [ORDER] [STRINGS] [WHITESPACE] of the spec."""
    seen: set[str] = set()

    def full(name: str, namespace: str) -> str:
        return name if "." in name or not namespace else f"{namespace}.{name}"

    def canon(node, namespace: str):  # noqa: C901, PLR0911 - one branch per schema form
        if isinstance(node, str):
            return node if node in _PRIMITIVES else full(node, namespace)
        if isinstance(node, list):
            return [canon(n, namespace) for n in node]
        kind = node["type"]
        if isinstance(kind, str) and kind in _PRIMITIVES:
            return kind  # {"type": "string", "logicalType": ...} -> "string"
        if kind in {"record", "enum", "fixed"}:
            ns = node.get("namespace", namespace)
            if "." in node["name"]:
                ns = node["name"].rsplit(".", 1)[0]
            name = full(node["name"], ns)
            if name in seen:
                return name
            seen.add(name)
            out = {"name": name, "type": kind}
            if kind == "record":
                out["fields"] = [
                    {"name": f["name"], "type": canon(f["type"], ns)} for f in node["fields"]
                ]
            elif kind == "enum":
                out["symbols"] = node["symbols"]
            else:
                out["size"] = node["size"]
            return {k: out[k] for k in _ORDER if k in out}
        if kind == "array":
            return {"type": "array", "items": canon(node["items"], namespace)}
        if kind == "map":
            return {"type": "map", "values": canon(node["values"], namespace)}
        return canon(kind, namespace)

    return json.dumps(canon(schema, ""), separators=(",", ":"), ensure_ascii=False)


# --- helpers --------------------------------------------------------------------------------
def _json_like(value):
    """Normalise what either library returns to compare the two."""
    if isinstance(value, dict):
        return {k: _json_like(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_like(v) for v in value]
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="milliseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    return value


def _avro_schema(sv):
    return avro.schema.parse(json.dumps(sv.schema))


class TestFingerprint:
    def test_crc64_matches_the_published_vectors(self):
        """The test's own CRC-64-AVRO gives the values other Avro implementations publish."""
        assert crc64_avro(b'"int"') == 0x7275D51A3F395C8F
        assert crc64_avro(b'"string"') == 0x8F014872634503C7
        assert crc64_avro(b'"int"').to_bytes(8, "little").hex() == "8f5c393f1ad57572"

    @pytest.mark.parametrize(
        "sv", list(default_catalog()), ids=lambda sv: f"{sv.name}-v{sv.version}"
    )
    def test_every_fingerprint_is_crc64_of_the_specs_canonical_form(self, sv):
        """The catalog's fingerprint is CRC-64-AVRO (little-endian) over the spec's PCF."""
        pcf = parsing_canonical_form(sv.schema)
        assert "logicalType" not in pcf
        assert '"doc":' not in pcf
        assert '"pii"' not in pcf
        assert sv.canonical_form == pcf
        assert sv.fingerprint == crc64_avro(pcf.encode()).to_bytes(8, "little")

    def test_single_object_header_carries_the_fingerprint(self):
        """Encoded bytes start with C3 01 and the writer's fingerprint."""
        sv = default_catalog().current("InformationShared")
        raw = encode_command(command_from_json(example_json("InformationShared")))
        assert raw[:2] == MAGIC == b"\xc3\x01"
        assert raw[2:10] == crc64_avro(parsing_canonical_form(sv.schema).encode()).to_bytes(
            8, "little"
        )


class TestApacheAvroPeer:
    @settings(max_examples=150, deadline=None)
    @given(commands())
    def test_apache_avro_reads_what_we_write(self, command):
        """Apache avro decodes our body with the writer schema to the same values."""
        raw = encode_command(command)
        event_type, record = command_to_record(command)
        sv = default_catalog().current(event_type)
        assert raw[2:10] == sv.fingerprint
        reader = avro.io.DatumReader(_avro_schema(sv))
        datum = reader.read(avro.io.BinaryDecoder(io.BytesIO(raw[10:])))
        assert _json_like(datum) == _json_like(record)

    @settings(max_examples=150, deadline=None)
    @given(commands())
    def test_we_read_what_apache_avro_writes(self, command):
        """A body Apache avro writes, behind our single-object header, decodes to the command."""
        event_type, record = command_to_record(command)
        sv = default_catalog().current(event_type)
        out = io.BytesIO()
        out.write(
            MAGIC + crc64_avro(parsing_canonical_form(sv.schema).encode()).to_bytes(8, "little")
        )
        avro.io.DatumWriter(_avro_schema(sv)).write(_for_avro(record), avro.io.BinaryEncoder(out))
        assert decode_command(out.getvalue()) == command

    def test_apache_avro_v1_data_reads_as_current(self):
        """InformationShared v1 written by Apache avro resolves into v2 (documents empty)."""
        catalog = default_catalog()
        v1 = catalog.version("InformationShared", 1)
        record = information_shared_v1()
        out = io.BytesIO()
        out.write(MAGIC + v1.fingerprint)
        avro.io.DatumWriter(_avro_schema(v1)).write(record, avro.io.BinaryEncoder(out))
        command = decode_command(out.getvalue())
        assert command.info_id == "i-1"
        assert command.documents == ()


def _for_avro(value):
    if isinstance(value, dict):
        return {k: _for_avro(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_for_avro(v) for v in value]
    if isinstance(value, UUID):
        return str(value)
    return value
