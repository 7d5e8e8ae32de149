"""The wire edge: schema catalog, single-object encoding, Avro ⇄ command mapping.

The only package of the hub that imports fastavro. What the rest of the hub calls:

* ``decode_inbound(raw, origin, topic_agency)`` → ``Inbound | Undecodable`` (never raises
  for bad input) — the ingest pipeline's entry point;
* ``encode_command(command)`` / ``decode_command(raw)`` / ``decode_record(raw)``;
* ``command_from_json`` / ``command_to_json`` — the JSON form of ``docs/events.md``;
* ``content_hash`` / ``command_content_hash``; ``kafka_headers`` / ``read_kafka_headers``;
* ``SealingPolicy`` / ``sealing_policy(settings)``: how the hub opens personal data sealed by
  publishers (``hub.codec.sealed``; ``encode_command(..., sealer=)`` seals it);
* ``Catalog`` / ``default_catalog()``.
"""

from __future__ import annotations

from hub.codec.catalog import SCHEMA_DIR, Catalog, SchemaVersion, default_catalog
from hub.codec.codec import (
    HEADER_FINGERPRINT,
    HEADER_TYPE,
    MAGIC,
    Decoded,
    DecodeError,
    canonical_bytes,
    command_content_hash,
    content_hash,
    decode_command,
    decode_inbound,
    decode_record,
    encode_command,
    encode_record,
    fingerprint_of,
    kafka_headers,
    read_kafka_headers,
)
from hub.codec.jsonform import command_from_json, command_from_json_text, command_to_json
from hub.codec.mapping import (
    DIRECTORY_EVENTS,
    EVENT_COMMANDS,
    case_of,
    command_to_record,
    event_type_of,
    record_to_command,
)
from hub.codec.sealed import SealingPolicy, sealing_policy
from hub.codec.values import FieldError

__all__ = [
    "DIRECTORY_EVENTS",
    "EVENT_COMMANDS",
    "HEADER_FINGERPRINT",
    "HEADER_TYPE",
    "MAGIC",
    "SCHEMA_DIR",
    "Catalog",
    "DecodeError",
    "Decoded",
    "FieldError",
    "SchemaVersion",
    "SealingPolicy",
    "canonical_bytes",
    "case_of",
    "command_content_hash",
    "command_from_json",
    "command_from_json_text",
    "command_to_json",
    "command_to_record",
    "content_hash",
    "decode_command",
    "decode_inbound",
    "decode_record",
    "default_catalog",
    "encode_command",
    "encode_record",
    "event_type_of",
    "fingerprint_of",
    "kafka_headers",
    "read_kafka_headers",
    "record_to_command",
    "sealing_policy",
]
