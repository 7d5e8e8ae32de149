"""Single-object encoding of events, decoding into commands, and the content hash.

Wire format (Avro single-object encoding): ``C3 01``, the 8-byte little-endian CRC-64-AVRO
fingerprint of the writer schema's Parsing Canonical Form, then the Avro binary body. The
body is read with the writer version the fingerprint names and resolved into the current
version of the record (Avro schema resolution), so old versions arrive as current records.

Content hash: SHA-256 (hex) of the UTF-8 bytes of the canonical JSON
``{"record": <record>, "type": "<fullname>"}`` where ``<record>`` is the record as decoded into
the *current* schema, written in the JSON form of ``docs/events.md`` (UUIDs as lowercase
hyphenated strings, timestamps as ``YYYY-MM-DDTHH:MM:SS.mmmZ`` in UTC, dates as
``YYYY-MM-DD``, enums by symbol) with every null-valued field left out, keys sorted, no
whitespace (``separators=(",", ":")``), non-ASCII characters kept as they are. Leaving nulls
out keeps the hash of an older event unchanged when a later version adds a nullable field.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import fastavro

from hub.cases.commands import Command, Inbound, Origin, Undecodable
from hub.codec.catalog import Catalog, SchemaVersion, default_catalog
from hub.codec.mapping import command_to_record, record_to_command
from hub.codec.sealed import (
    SealingPolicy,
    count_plaintext,
    default_sealing,
    seal_record,
    unseal_record,
)
from hub.codec.values import FieldError
from hub.errors import SchemaError
from hub.logging import get_logger
from hub.privacy.sealing import HubPublicKey

#: The two marker bytes that open every single-object encoded datum.
MAGIC = b"\xc3\x01"
#: U+FFFD in UTF-8: what a text tool (kafka-console-producer) writes for ``C3`` followed by a
#: byte that cannot continue it, such as the marker's ``01``.
REPLACEMENT = b"\xef\xbf\xbd"
#: The reason code of a value that was sent as text: its header came through mangled.
TEXT_MANGLED = "value_text_mangled"
_HEADER_LEN = len(MAGIC) + 8

log = get_logger(__name__)

#: Kafka header names (for tools; the body's fingerprint is authoritative).
HEADER_TYPE = "casehub-event-type"
HEADER_FINGERPRINT = "casehub-schema-fingerprint"


class DecodeError(SchemaError):
    """Bytes that are not an event of the catalog; ``reason_code`` says which way."""

    def __init__(self, reason_code: str, message: str, path: str = "") -> None:
        self.reason_code = reason_code
        self.path = path
        super().__init__(message)


@dataclass(frozen=True)
class Decoded:
    """A decoded event: which versions were used, and the record in the current schema."""

    writer: SchemaVersion
    reader: SchemaVersion
    record: dict[str, Any]

    @property
    def event_type(self) -> str:
        return self.reader.name


# --- encoding ---------------------------------------------------------------------------------
def encode_record(
    event_type: str,
    record: dict[str, Any],
    *,
    version: int | None = None,
    catalog: Catalog | None = None,
) -> bytes:
    """Single-object encode a record in the Python form (current version unless given).

    Raises ``FieldError`` (a ``SchemaError``) naming the field that does not fit.
    """
    catalog = catalog or default_catalog()
    sv = catalog.current(event_type) if version is None else catalog.version(event_type, version)
    if sv.kind == "shared":
        raise SchemaError(f"{sv.fullname} is embedded in events, not sent on its own")
    avro_record = sv.shape.to_avro(record)
    out = io.BytesIO()
    out.write(MAGIC)
    out.write(sv.fingerprint)
    try:
        fastavro.schemaless_writer(out, sv.plain, avro_record)
    except (ValueError, TypeError, OverflowError) as exc:  # checked above; a bug if reached
        raise SchemaError(f"{sv.fullname}: Avro encoding failed: {exc}") from exc
    return out.getvalue()


def encode_command(
    command: Command, *, catalog: Catalog | None = None, sealer: HubPublicKey | None = None
) -> bytes:
    """Single-object encode a command as its event record, with the current schema.

    With ``sealer`` (the hub's public key) every personal-data field is sealed for the hub.
    """
    event_type, record = command_to_record(command)
    if sealer is not None:
        schema = (catalog or default_catalog()).current(event_type)
        record = seal_record(schema, record, sealer)
    return encode_record(event_type, record, catalog=catalog)


# --- decoding ---------------------------------------------------------------------------------
def fingerprint_of(raw: bytes) -> bytes | None:
    """The writer fingerprint in a single-object header, or None when there is no header."""
    if len(raw) < _HEADER_LEN or raw[:2] != MAGIC:
        return None
    return bytes(raw[2:_HEADER_LEN])


def decode_record(
    raw: bytes, *, catalog: Catalog | None = None, agency_events_only: bool = True
) -> Decoded:
    """Decode single-object bytes into the current version of their record.

    Raises ``DecodeError`` with ``reason_code`` ``value_text_mangled`` (the header arrived as
    U+FFFD: the bytes went through a text tool), ``bad_magic``, ``unknown_schema``,
    ``bad_avro`` or ``invalid_record``. With ``agency_events_only=False`` the hub's own
    outbound records (``casehub.hub.*``) decode too (for tools and consumers).
    """
    catalog = catalog or default_catalog()
    fingerprint = fingerprint_of(raw)
    if fingerprint is None and raw.startswith(REPLACEMENT):
        raise DecodeError(
            TEXT_MANGLED,
            "the value holds U+FFFD replacement bytes (EF BF BD) where the single-object header "
            "C3 01 should be: it was sent as text; send the raw bytes (e.g. "
            "kafka-console-producer cannot send binary)",
        )
    if fingerprint is None:
        raise DecodeError(
            "bad_magic",
            f"not Avro single-object encoding: expected C3 01 and an 8-byte fingerprint, "
            f"got {bytes(raw[:10]).hex(' ') or 'no bytes'}",
        )
    writer = catalog.by_fingerprint(fingerprint)
    if writer is None:
        raise DecodeError(
            "unknown_schema", f"no event schema in the catalog has fingerprint {fingerprint.hex()}"
        )
    if agency_events_only and not writer.is_event:
        raise DecodeError(
            "unknown_schema",
            f"fingerprint {fingerprint.hex()} is {writer.fullname} v{writer.version}, "
            "not an event an agency publishes",
        )
    reader = catalog.current(writer.fullname)
    body = io.BytesIO(raw[_HEADER_LEN:])
    try:
        avro_record = fastavro.schemaless_reader(body, writer.plain, reader.plain)
    except Exception as exc:
        raise DecodeError(
            "bad_avro", f"{writer.name} v{writer.version}: the Avro body does not decode: {exc!r}"
        ) from exc
    trailing = len(raw) - _HEADER_LEN - body.tell()
    if trailing:
        raise DecodeError(
            "bad_avro",
            f"{writer.name} v{writer.version}: {trailing} byte(s) left over after the record",
        )
    try:
        record = reader.shape.from_avro(avro_record)
    except FieldError as exc:
        raise DecodeError("invalid_record", f"{reader.name}: {exc}", exc.path) from exc
    return Decoded(writer, reader, record)


def decode_command(raw: bytes, *, catalog: Catalog | None = None) -> Command:
    """Decode single-object bytes to a command; raises ``DecodeError``."""
    decoded = decode_record(raw, catalog=catalog)
    return _to_command(decoded)


def _to_command(decoded: Decoded) -> Command:
    try:
        return record_to_command(decoded.event_type, decoded.record)
    except FieldError as exc:
        raise DecodeError("invalid_record", f"{decoded.event_type}: {exc}", exc.path) from exc
    except (KeyError, TypeError, ValueError) as exc:  # the schema and the contract disagree
        raise DecodeError(
            "invalid_record", f"{decoded.event_type}: does not map to a command: {exc!r}"
        ) from exc


def decode_inbound(
    raw: bytes,
    origin: Origin,
    topic_agency: str | None = None,
    *,
    catalog: Catalog | None = None,
    sealing: SealingPolicy | None = None,
) -> Inbound | Undecodable:
    """Decode one inbound Kafka value; never raises for bad input.

    Returns ``Undecodable`` with reason ``value_text_mangled``, ``bad_magic``,
    ``unknown_schema``, ``bad_avro``,
    ``invalid_record``, ``unsealable_personal_data``, ``plaintext_personal_data`` (only under
    ``require_sealed_pii``) or (when ``topic_agency`` is given and differs from the header's
    ``sender_agency``) ``sender_mismatch``. Sealed personal data is opened with the keys of
    ``sealing`` (default: this process's settings) before the record becomes a command, so the
    content hash covers the opened values; plaintext personal data is counted and logged.
    """
    raw = bytes(raw)
    sender = topic_agency or ""
    try:
        decoded = _unsealed(decode_record(raw, catalog=catalog), origin, sealing)
        command = _to_command(decoded)
    except DecodeError as exc:
        return Undecodable(origin, exc.reason_code, str(exc), raw, sender)
    claimed = command.envelope.sender_agency
    if topic_agency is not None and claimed != topic_agency:
        return Undecodable(
            origin,
            "sender_mismatch",
            f"header.sender_agency: the topic of agency {topic_agency!r} carried an event "
            f"claiming sender {claimed!r}",
            raw,
            sender,
        )
    digest = content_hash(decoded.reader, decoded.record)
    return Inbound(command=command, origin=origin, content_hash=digest, raw=raw)


def _unsealed(decoded: Decoded, origin: Origin, sealing: SealingPolicy | None) -> Decoded:
    policy = sealing if sealing is not None else default_sealing()
    try:
        opened = unseal_record(decoded.reader, decoded.record, policy)
    except SchemaError as exc:  # UnsealableValue, PlaintextPersonalData: never the value
        raise DecodeError(exc.code, f"{decoded.event_type}: {exc}") from exc
    if opened.plaintext_paths:
        count_plaintext(origin.source)
        log.warning(
            "plaintext_personal_data",
            topic=origin.source,
            partition=origin.partition,
            offset=origin.offset,
            event_type=decoded.event_type,
            fields=list(opened.plaintext_paths),
        )
    return Decoded(decoded.writer, decoded.reader, opened.record)


# --- content hash -----------------------------------------------------------------------------
def canonical_bytes(schema: SchemaVersion, record: dict[str, Any]) -> bytes:
    """The canonical form the content hash is taken over (see the module docstring)."""
    body = schema.shape.to_json(record, omit_nulls=True)
    doc = {"type": schema.fullname, "record": body}
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_hash(schema: SchemaVersion, record: dict[str, Any]) -> str:
    """SHA-256 hex of ``canonical_bytes``; ``schema`` is the current version of the record."""
    return hashlib.sha256(canonical_bytes(schema, record)).hexdigest()


def command_content_hash(command: Command, *, catalog: Catalog | None = None) -> str:
    """The content hash the hub computes for this command when it arrives."""
    catalog = catalog or default_catalog()
    event_type, record = command_to_record(command)
    schema = catalog.current(event_type)
    return content_hash(schema, schema.shape.from_json(schema.shape.to_json(record)))


# --- Kafka headers ----------------------------------------------------------------------------
def kafka_headers(schema: SchemaVersion) -> list[tuple[str, bytes]]:
    """Headers naming the event type and writer fingerprint (for tools; not authoritative)."""
    return [
        (HEADER_TYPE, schema.fullname.encode()),
        (HEADER_FINGERPRINT, schema.fingerprint_hex.encode()),
    ]


def read_kafka_headers(headers: Iterable[tuple[str, bytes | None]]) -> dict[str, str]:
    """``{"event_type": ..., "fingerprint": ...}`` from Kafka headers, whichever are present."""
    names = {HEADER_TYPE: "event_type", HEADER_FINGERPRINT: "fingerprint"}
    found: dict[str, str] = {}
    for key, value in headers:
        if key in names and value is not None:
            found[names[key]] = value.decode("utf-8", errors="replace")
    return found
