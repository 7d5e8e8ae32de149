"""Generates ``docs/events.md`` from the catalog and the notes below (kept up to date by a test).

Run ``casehub schemas docs --write`` after changing a schema or a note.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hub.codec.catalog import SHARED_RECORDS, Catalog, SchemaVersion, default_catalog
from hub.codec.mapping import EVENT_COMMANDS
from hub.codec.values import RecordShape
from hub.settings import PROJECT_ROOT

EVENTS_MD = PROJECT_ROOT / "docs" / "events.md"


@dataclass(frozen=True)
class EventNote:
    mechanism: str
    senders: str
    meaning: str


_M1 = "1 · information sharing (信息资源共享机制)"
_M2 = "2 · investigation and verification assistance (调查核实协助机制)"
_M3 = "3 · administrative disputes (行政争议实质性化解)"
_M4 = "4 · procuratorial recommendations (检察建议落实反馈机制)"
_M5 = "5 · regular liaison (常态化工作联系机制)"
_PRO = "the procuratorate (人民检察院)"
_ADDR = "the addressed organ only"

NOTES: dict[str, EventNote] = {
    "AgencyAdmitted": EventNote(
        _M5,
        "the Rule-of-Law Office (依法治市办) only",
        "An agency joins the hub with its role; only admitted agencies may publish.",
    ),
    "OfficerRegistered": EventNote(
        _M5,
        "any admitted agency, for its own officers",
        "An officer of the sending agency is registered; events name their acting officer.",
    ),
    "LiaisonDesignated": EventNote(
        _M5,
        "any admitted agency, for its own officers",
        "The agency's liaison officer (联络员) from a date, replacing the previous one; "
        "the history is kept and notices are routed to the current liaison.",
    ),
    "CaseRegistered": EventNote(
        _M1,
        "the owning agency (header.case_ref.owning_agency = sender)",
        "A case (案件) is shared on the hub under the owner's case number (案号). With `major` "
        "set it is a major case (重大案件) and a notice (通报) goes to the partners.",
    ),
    "ParticipantAdded": EventNote(
        _M1,
        "the case owner or the procuratorate",
        "Another agency is brought into the case and sees its timeline.",
    ),
    "InformationShared": EventNote(
        _M1,
        "any participant of the case",
        "Information sharing (信息共享) on the case; with `major` set it is a major event "
        "(重大事件) notified to every partner (及时相互通报). v2 adds document references.",
    ),
    "NoticeAcknowledged": EventNote(
        _M1,
        "a recipient of the notice",
        "The recipient signs for a major notice (签收回执); how late it came is on the record.",
    ),
    "AssistanceRequested": EventNote(
        _M2,
        f"{_PRO} only",
        "An investigation and verification assistance request (调查核实协助函) to an organ, "
        "with what is asked and a due date.",
    ),
    "AssistanceRequestAcknowledged": EventNote(
        _M2, _ADDR, "The organ signs for the request (签收)."
    ),
    "MaterialsSupplied": EventNote(
        _M2,
        _ADDR,
        "The organ supplies materials (提供材料): documents by reference and hash, never embedded.",
    ),
    "AssistanceCompleted": EventNote(_M2, _ADDR, "The organ has done what was asked."),
    "AssistanceDeclined": EventNote(
        _M2, _ADDR, "The organ declines, giving its reason (不予协助（说明理由）)."
    ),
    "DisputeOpened": EventNote(
        _M3,
        "the procuratorate, the justice bureau or the organ concerned",
        "An administrative dispute (行政争议) is opened on the case for mediated resolution, "
        "naming its parties.",
    ),
    "MediationSessionHeld": EventNote(
        _M3,
        "the dispute's opener or the justice bureau",
        "A mediation session (调解) was held with the named participants.",
    ),
    "DisputeResolved": EventNote(
        _M3,
        "the dispute's opener or the justice bureau",
        "The dispute ends in settlement (和解协议) on the recorded terms.",
    ),
    "DisputeWithdrawn": EventNote(
        _M3, "the dispute's opener or the justice bureau", "The dispute is withdrawn."
    ),
    "DisputeReferredToLitigation": EventNote(
        _M3,
        "the dispute's opener or the justice bureau",
        "The dispute goes to litigation (转入诉讼): only after a mediation session, or with a "
        "reason (the mediation principle).",
    ),
    "RecommendationIssued": EventNote(
        _M4,
        f"{_PRO} only",
        "A procuratorial recommendation (检察建议) to an organ; the reply is due two months from "
        "receipt unless an urgent due date is set.",
    ),
    "RecommendationServed": EventNote(
        _M4, f"{_PRO} only", "The recommendation document (检察建议书) is served (送达)."
    ),
    "RecommendationReceived": EventNote(
        _M4, _ADDR, "The addressee signs for it (签收); the written-reply period starts."
    ),
    "RecommendationObjected": EventNote(
        _M4, _ADDR, "The addressee raises an objection (异议) with its grounds."
    ),
    "ObjectionReviewed": EventNote(
        _M4,
        f"{_PRO} only",
        "The procuratorate's review (复核) of an objection: upheld, amended or withdrawn.",
    ),
    "RecommendationReplied": EventNote(
        _M4,
        f"{_ADDR} (the addressee replies)",
        "The written reply (书面回复): measures taken and adopted / partly adopted / not adopted "
        "(采纳 / 部分采纳 / 未采纳).",
    ),
    "RectificationChecked": EventNote(
        _M4,
        f"{_PRO} only",
        "Follow-up (跟踪监督): whether the organ rectified (整改：已整改 / 未整改).",
    ),
    "ConsultationRecorded": EventNote(
        _M4,
        f"{_PRO} only",
        "A consultation was held and opinions heard (沟通协商，听取意见).",
    ),
    "RecommendationEscalated": EventNote(
        _M4,
        f"{_PRO} only",
        "Escalation (报告上级检察院 / 通报其上级主管机关) of an unanswered or rejected "
        "recommendation.",
    ),
    "RecommendationClosed": EventNote(
        _M4, f"{_PRO} only", "The procuratorate closes the recommendation."
    ),
    "DeadlineExtended": EventNote(
        "2 and 4 · deadlines (期限 / 延期)",
        "the issuing side: the procuratorate for its requests and recommendations",
        "An extension (延期) moves an assistance or reply due date (期限).",
    ),
}

_INTRO = """\
# Events agencies publish (generated)

<!-- Generated by `casehub schemas docs --write` from schemas/ and hub/codec/docs.py.
     Do not edit by hand: a test fails when this file is out of date. -->

Every event an agency system publishes to `casehub.agency.<agency-id>.events` is one Avro
record in the namespace `casehub.events`, named as the past-tense fact, with the common
`header` first. Schemas live in `schemas/<fullname>/v<N>.avsc`, versions side by side; the
highest version is current.

## Wire format

* Kafka value: Avro **single-object encoding**: `C3 01`, the 8-byte little-endian
  CRC-64-AVRO fingerprint of the writer schema's Parsing Canonical Form, then the Avro binary
  body. Any Avro library can read it given the schema; the hub accepts every version in the
  catalog and resolves it into the current one.
* Kafka key: the case reference `owning_agency/case_number`, or the sending agency's id for
  directory events (`AgencyAdmitted`, `OfficerRegistered`, `LiaisonDesignated`).
* Kafka headers (for tools; the body's fingerprint is authoritative):
  `casehub-event-type` (full record name) and `casehub-schema-fingerprint` (16 hex digits).
* Topics are created by the hub; publishers never create them.

## The JSON form (`casehub publish`, `casehub schemas example TYPE`)

One event per line (JSON Lines; wrapped here for reading):

```json
{"type": "CaseRegistered",
 "header": {"event_id": "0b9f3a52-7c1e-4f3e-9a34-2d6c1f0e8b11",
            "case_ref": {"owning_agency": "market-regulation", "case_number": "市监罚〔2026〕12号"},
            "sender_agency": "market-regulation", "officer_id": "mr-officer-1",
            "occurred_at": "2026-03-02T09:30:00+08:00", "classification": "INTERNAL"},
 "title": "…", "category": "…", "summary": "…"}
```

* `type`: the record name (`CaseRegistered` or `casehub.events.CaseRegistered`).
* `header` and every other key: the record's fields, current version.
* UUIDs as strings; timestamps ISO-8601 **with** a UTC offset (`Z` or `+08:00`), stored to the
  millisecond; dates `YYYY-MM-DD`; enums by symbol; arrays as lists; optional records as an
  object or `null`.
* A field with a default may be left out (shown as *default* below); an unknown key is an
  error.
* `header.sender_agency` must be the agency publishing (`casehub publish --agency`), and the
  agency whose topic carries the event.
* `header.case_ref` is required on case events and must be `null` on directory events.

## Publishing

* SDK: `hub.publish.AgencyPublisher(agency_id, bootstrap_servers=...)`; `publish(command)` /
  `send(command)` / `publish_many(pairs)` validate each command against the catalog, encode it
  and send it with kafka-python's idempotent producer (`enable_idempotence=True`,
  `acks="all"`), returning a `PublishResult` per record (partition and offset, or the reason).
* CLI: `casehub publish --agency ID FILE.jsonl [--stop-on-error] [--bootstrap HOST:PORT,...]`.
  A line that is not JSON, misses or mistypes a field, names an unknown type or another sender
  is reported as `FILE:LINE: refused: <field path>: <problem>` and not sent; the rest continue
  unless `--stop-on-error`. The last line of output is `sent N, refused M`; the exit code is 1
  if anything was refused, 2 if the broker or topic is not available.
* `casehub schemas example TYPE` prints a valid line for any event type.
* Partitions: the record key is hashed with **murmur2** (the partitioner of kafka-python and
  of the Java client; the hub's own librdkafka producers use `murmur2_random`), so one case
  stays on one partition whichever client publishes it.
* Size: a record value over **512 KiB** (`inbound_max_bytes`) is refused as
  `record_too_large`; an event whose outbound timeline record would pass **1,000,000 bytes**
  (`outbound_max_bytes`; JSON escaping doubles `"` and `\\`, so text full of quotes counts
  double) is refused as `event_too_large`. Both are dead-lettered with a REJECTED receipt on
  the sender's feed, and the events behind them are processed as usual.

## Receipts

For every record it reads from an agency's topic the hub publishes one receipt
(`casehub.hub.Receipt`, key: the event id, or `topic/partition/offset` for a rejection) on that
agency's feed, `casehub.feed.<agency-id>`, once the outcome is stored. `status` says what
happened:

* `ACCEPTED`: the event was recorded; `case_id` (null for directory events), `version` and
  `event_hash` say where.
* `REJECTED`: a rule refused it, or it could not be decoded; `reason_code`, `message` and
  `rejection_id` say why, and the record itself is on `casehub.deadletter`.
* `DUPLICATE`: the same `event_id` with the same content was accepted before, and nothing is
  recorded again; `case_id`, `version` and `event_hash` are the original's, and
  `original_source_topic`, `original_source_partition` and `original_source_offset` say
  where the original came from.

Every receipt names the record it answers: `source_topic`, `source_partition` and
`source_offset` are where that record sat on Kafka (for a DUPLICATE: the resend's place, the
original's is in `original_source_*`). `""` and `-1` mean unknown: an event accepted before
the hub kept the origin, or one that did not come from Kafka. A record Kafka delivers twice
from the same place gets one receipt; a resend with the same `event_id` and different content
is `REJECTED` as `conflicting_duplicate`. `notification_id` orders receipts and tells a
repeated delivery of one receipt from a new one. In Python,
`hub.outbound.wire.receipt_from_record(value)` reads a receipt of any version into a
`ReceiptEntry` (`status`, `source` and `original_source` as `(topic, partition, offset)`, …).

Receipt v2 added `DUPLICATE` and `original_source_*`; its status enum has the default
`UNKNOWN` (never written), so a reader on v2 reads any status a later version adds. A reader
still on v1 (no enum default) cannot read a DUPLICATE receipt: read receipts with v2.

## Content hash

Each inbound event's `content_hash` is the SHA-256 (hex) of the UTF-8 bytes of the canonical
JSON `{"record": <record>, "type": "<full record name>"}`, where `<record>` is the record as
decoded into the **current** schema, in the JSON form above with timestamps normalised to UTC
(`YYYY-MM-DDTHH:MM:SS.mmmZ`), every null-valued field left out, keys sorted, no whitespace,
non-ASCII characters unescaped. Leaving nulls out keeps the hash of an older event stable when
a later version adds a nullable field.

The hub never stores or publishes this bare hash: it would let anyone who guesses a name or an
ID number confirm it. What it keeps for recognising a resend is `k1:` + HMAC-SHA-256 of this
hash under a secret held in the hub's key store (`docs/privacy.md`).

## Personal information

Fields marked **PII** carry the schema property `"pii": true`: officer names, and a dispute
party's name and identity number. Treat them as personal information (个人信息) everywhere:
never log them.

**Sealed for the hub.** A publisher seals each non-empty PII value with the hub's public key
before sending, and the same Avro string field carries `sealed:v1:<base64url>` instead of the
value (the schemas do not change): X25519 with a fresh ephemeral key, HKDF-SHA256, AES-256-GCM,
the associated data binding the event type's full name and the field path (`name`,
`parties[0].id_number`). The SDK and `casehub publish` do this when `hub_public_key_file` (or
`--hub-public-key`) names the public key from `casehub privacy hub-keygen`; see
`docs/security.md`. The hub opens the values when it decodes, so the JSON form above and the
content hash are always of the plain values. A value the hub cannot open is rejected as
`unsealable_personal_data`; a plaintext value is accepted with a warning (or, with
`require_sealed_pii`, rejected as `plaintext_personal_data`).

## Compatibility

Schemas evolve only in ways an Avro reader can resolve: add fields with defaults, never remove
a field without a default, never change a type; a published `v<N>.avsc` never changes. Add a
new version beside the old ones; the highest is current, and the hub reads every older version
into it. `casehub schemas check` proves every version of every record reads data written with
each earlier version (backward-transitive); `casehub schemas list` shows versions and
fingerprints.

Shared records (`Header`, `CaseRef`, `DocumentRef`, `MajorFlag`, `Party`) are versioned the
same way. An event file refers to them by full name and gets v1 unless it pins another
version with a top-level property, e.g. `"casehub.refs": {"casehub.events.Header": 2}`, so a
new header version changes only the event versions that opt in.
"""

#: The last section of docs/events.md: for an agency system written without the hub's SDK.
PEER_GUIDE = """\
## Peer guide: publishing without the hub's SDK

An agency system in Java, .NET or any language with an Avro library and a Kafka client can
publish without `hub.publish`. What it needs, and the mistakes that cost peers a day:

### 1. The schemas, standalone

`casehub schemas export DIR` writes every version of every record as one file that parses
alone: `DIR/<full record name>/v<N>.avsc` (e.g. `DIR/casehub.events.CaseRegistered/v1.avsc`),
with `Header`, `CaseRef` and the other shared records written out inside it. The files under
`schemas/` refer to those by name and do not parse alone. `DIR/index.json` lists each record
and version with its kind (`event`: you publish it; `shared`: only inside events; `hub`: what
the hub publishes), whether it is current, its file, and its fingerprints:

* `crc64_avro`: the CRC-64-AVRO (Rabin) fingerprint of the schema's Parsing Canonical Form,
  as the 8 bytes the single-object header carries (little-endian), in hex;
* `crc64_avro_long`: the same value as the signed 64-bit number Java's
  `SchemaNormalization.parsingFingerprint64(schema)` and .NET's
  `SchemaNormalization.ParsingFingerprint64(schema)` return;
* `sha256`: SHA-256 of the Parsing Canonical Form, in hex (`canonical_form` is in the index).

`DIR/events.md` is this document; `DIR/<record>/example.json` a valid event in the JSON form.
Publish the current version of each event (older versions are accepted and read into it).

### 2. Framing: Avro single-object encoding

The Kafka value is `C3 01`, the 8 fingerprint bytes, then the Avro binary body written with
that same schema; nothing before, nothing after (left-over bytes are refused as `bad_avro`).
Check once, when your system starts, that your library's fingerprint of the file equals the
index's `crc64_avro`; where it does not, send the index's bytes.

* **Java** (`org.apache.avro`): `Schema schema = new Schema.Parser().parse(file)`, then
  `new BinaryMessageEncoder<GenericRecord>(GenericData.get(), schema).encode(record)` returns a
  `ByteBuffer` holding header, fingerprint and body. Its fingerprint is
  `SchemaNormalization.parsingFingerprint64(schema)`, which follows the specification (it
  leaves out `logicalType`) and equals the index's `crc64_avro_long`.
* **Python** (`avro`): `avro.schema.parse(text)`, then write `b"\\xc3\\x01"` +
  `bytes.fromhex(entry["crc64_avro"])` and the body with
  `avro.io.DatumWriter(schema).write(record, avro.io.BinaryEncoder(out))`; the library has no
  single-object writer. Do **not** take the fingerprint from `schema.fingerprint()`: avro 1.12
  keeps `logicalType` in its canonical form, so for every event (they all carry a UUID and a
  timestamp) it gives another value, which the hub refuses as `unknown_schema`. fastavro:
  `fastavro.schemaless_writer(out, fastavro.parse_schema(json.load(f)), record)` after the same
  ten bytes; its `fastavro.schema.fingerprint(to_parsing_canonical_form(parsed), "CRC-64-AVRO")`
  gives the index's hex.
* **.NET** (`Apache.Avro`): `Schema schema = Schema.Parse(text)`; write `0xC3, 0x01`, then
  `SchemaNormalization.ParsingFingerprint("CRC-64-AVRO", schema)` (the 8 bytes, little-endian),
  then the body with
  `new GenericDatumWriter<GenericRecord>(schema).Write(record, new BinaryEncoder(stream))`.

Strings are UTF-8 (case numbers such as `市监罚〔2026〕12号` as written). The `Header` fields
`event_id`, `correlation_id`, `causation_id` are UUID strings; `occurred_at` is milliseconds
since the epoch (`timestamp-millis`). Personal-data fields (`"pii": true`) are sealed for the
hub as described under *Personal information* above.

**Send bytes, not text.** A tool that reads its input as text, such as Kafka's
`kafka-console-producer`, turns `C3 01` into `EF BF BD 01` (U+FFFD, the replacement
character, for a byte that is not UTF-8): the hub refuses such a value as `value_text_mangled`
("the value holds U+FFFD replacement bytes (EF BF BD) where the single-object header C3 01
should be: it was sent as text"). Use a producer API, or kcat with the value in a file
(`kcat -P -t TOPIC -k KEY value.bin` sends each file named as one message).

### 3. Topic, key and partitioner

* Topic: `casehub.agency.<your agency id>.events`, created by the hub when it admits you.
  Never create topics: where your client can, turn auto-creation off (librdkafka
  `allow.auto.create.topics=false`).
* Key: the UTF-8 bytes of `owning_agency/case_number` (the event's `header.case_ref`), or your
  agency id for the directory events `AgencyAdmitted`, `OfficerRegistered` and
  `LiaisonDesignated`.
* Partitioner: **murmur2** of the key, as the Java client's default partitioner does it, so one
  case stays on one partition and its events stay in order whichever client sends them. Java
  (and kafka-python) do this by default. **librdkafka-based clients do not**: their default is
  `consistent_random` (CRC32) and spreads a case's events over other partitions. Set
  `partitioner=murmur2_random` (confluent-kafka-python, kcat `-X partitioner=murmur2_random`;
  .NET `ProducerConfig.Partitioner = Partitioner.Murmur2Random`).
* Producer: `enable.idempotence=true` and `acks=all`, so a retry never duplicates or reorders.
* Headers are optional: `casehub-event-type` and `casehub-schema-fingerprint` help tools; the
  hub reads the fingerprint in the value.

### 4. Size

A value over **512 KiB** (`inbound_max_bytes`) is refused as `record_too_large`; an event whose
timeline record would pass **1,000,000 bytes** (`outbound_max_bytes`) as `event_too_large`
(see *Publishing*). Documents travel by reference (`DocumentRef`: id and SHA-256), never inside
an event.

### 5. Client versions

The hub's brokers run Kafka 4 with SCRAM-SHA-512 (`SASL_SSL` in production, see
`docs/security.md`).

* Java client 2.1 or later (Kafka 4 no longer speaks the older protocol versions); any 3.x or
  4.x client is fine.
* **librdkafka 2.6.1 or later** for SCRAM against Kafka 4: this covers confluent-kafka-python,
  confluent-kafka-dotnet (`librdkafka.redist`), confluent-kafka-go and kcat. Debian 12's `kcat`
  is built on librdkafka 2.0.2 and cannot authenticate; build kcat against a newer librdkafka
  or use another client.
* The hub's own SDK (`hub.publish`) runs on kafka-python 3.0.

### 6. What comes back

The hub answers your records on your feed, `casehub.feed.<your agency id>`, with receipts
(`casehub.hub.Receipt`, exported with the rest; read them with its newest version). Every
receipt names the topic, partition and offset of the record it answers. ACCEPTED gives the
case version the event became; DUPLICATE answers an exact resend and points at the original
(its version and where it came from); a REJECTED receipt names the reason code
(`value_text_mangled`, `bad_magic`, `unknown_schema`, `bad_avro`, `invalid_record`,
`sender_mismatch`, `record_too_large`, a rule's code, ...), and the record itself is kept as a
dead letter the hub's operators can redrive once the cause is fixed. The section "Receipts"
above describes every field.
"""


def render(catalog: Catalog | None = None) -> str:
    catalog = catalog or default_catalog()
    lines = [_INTRO, "## Event types", ""]
    lines += ["| event | command | mechanism | who may send it |", "|---|---|---|---|"]
    for name in catalog.event_types():
        note = NOTES[name]
        cmd = EVENT_COMMANDS[name].__name__
        lines.append(f"| [{name}](#{name.lower()}) | `{cmd}` | {note.mechanism} | {note.senders} |")
    lines.append("")
    for name in catalog.event_types():
        lines += _event_section(catalog, name)
    lines += ["## Shared records", ""]
    for fullname in sorted(SHARED_RECORDS):
        sv = catalog.current(fullname)
        lines += [f"### {sv.name} (v{sv.version})", "", sv.shape.doc, "", *_field_table(sv), ""]
    lines.append(PEER_GUIDE)
    return "\n".join(lines).rstrip() + "\n"


def _event_section(catalog: Catalog, name: str) -> list[str]:
    note = NOTES[name]
    current = catalog.current(name)
    versions = ", ".join(f"v{sv.version} `{sv.fingerprint_hex}`" for sv in catalog.versions(name))
    return [
        f"### {name}",
        "",
        f"{note.meaning}",
        "",
        f"* Command: `hub.cases.commands.{EVENT_COMMANDS[name].__name__}`",
        f"* Who may send it: {note.senders}",
        f"* Versions (fingerprint): {versions}; current v{current.version}",
        "",
        current.shape.doc,
        "",
        *_field_table(current),
        "",
    ]


def _field_table(sv: SchemaVersion) -> list[str]:
    rows = ["| field | type | description |", "|---|---|---|"]
    shape: RecordShape = sv.shape
    for f in shape.fields:
        kind = f.shape.describe()
        if f.has_default:
            kind += f" (default `{_default(f.default)}`)"
        doc = f.doc + (" **PII**" if f.pii else "")
        rows.append(f"| `{f.name}` | {kind} | {doc} |")
    return rows


def _default(value: object) -> str:
    if value is None:
        return "null"
    if value == "":
        return '""'
    return str(value)


def write(path: Path = EVENTS_MD, catalog: Catalog | None = None) -> Path:
    path.write_text(render(catalog), encoding="utf-8")
    return path
