"""``casehub schemas export DIR``: the catalog as standalone files an agency's own code can use.

The committed files under ``schemas/`` refer to the shared records (``Header``, ``CaseRef``,
...) by name, which no Avro library resolves on its own. The export writes each version of each
record as the catalog reads it, every named type written out at its first use, so Apache's
``avro`` (Java, Python, .NET) and fastavro parse any one file alone::

    DIR/README.md                              what is here, and how to frame a value
    DIR/index.json                             record, version, kind, current, file, fingerprints
    DIR/events.md                              the JSON form and every field (docs/events.md)
    DIR/<fullname>/v<N>.avsc                   one standalone schema per record and version
    DIR/<fullname>/example.json                a valid event in the JSON form (events only)

Each version's fingerprints, over its Parsing Canonical Form (``doc``, ``logicalType`` and
properties such as ``pii`` stripped, as the Avro specification defines it):

* ``crc64_avro``: the 8 bytes of the CRC-64-AVRO (Rabin) fingerprint in the order the
  single-object header carries them (little-endian), as hex; ``crc64_avro_long`` the same
  value as the signed 64-bit number Java's ``SchemaNormalization.parsingFingerprint64`` and
  .NET's ``SchemaNormalization.ParsingFingerprint64`` return;
* ``sha256``: SHA-256 of the canonical form's UTF-8 bytes, as hex.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.codec import docs
from hub.codec.catalog import Catalog, SchemaVersion, default_catalog
from hub.codec.examples import example_json
from hub.errors import SchemaError

INDEX = "index.json"
EVENTS_MD = "events.md"
README = "README.md"
#: The version of the index file's layout (a field added later keeps it; a change bumps it).
INDEX_FORMAT = 1

_README = """\
# CaseHub event schemas (exported)

Written by `casehub schemas export`. Every file here stands alone: the records an event embeds
(`casehub.events.Header`, `CaseRef`, ...) are written out inside it, so any Avro library parses
`<record>/v<N>.avsc` without the others.

* `index.json`: every record and version, which one is current, its file, and its fingerprints.
* `<record>/v<N>.avsc`: the schema of that version, with its documentation (`doc`) and the
  `"pii": true` marks of personal-data fields.
* `<record>/example.json`: a valid event in the JSON form (`casehub publish`).
* `events.md`: what each event means, who may send it, and the JSON form.

A Kafka value is the Avro single-object encoding: the bytes `C3 01`, then the writer schema's
fingerprint as written in `index.json` (`crc64_avro`: 8 bytes, already in wire order), then
the Avro binary body written with that schema. Publish any version listed for an event (kind
`event`); the hub reads it into the current one. `shared` records travel only inside events;
`hub` records are what the hub publishes (receipts, timeline, dead letters).
"""


@dataclass(frozen=True)
class Exported:
    """What ``export`` wrote: the directory, the schema files, and the other files."""

    directory: Path
    schemas: tuple[Path, ...]
    others: tuple[Path, ...]
    records: int


def fingerprints(sv: SchemaVersion) -> dict[str, Any]:
    """The index entry's fingerprints of one version (see the module docstring)."""
    return {
        "crc64_avro": sv.fingerprint_hex,
        "crc64_avro_long": int.from_bytes(sv.fingerprint, "little", signed=True),
        "sha256": hashlib.sha256(sv.canonical_form.encode("utf-8")).hexdigest(),
    }


def index(catalog: Catalog) -> dict[str, Any]:
    """The index file's content: one entry per record version, in catalog order."""
    entries = [
        {
            "record": sv.fullname,
            "version": sv.version,
            "kind": sv.kind,
            "current": sv is catalog.current(sv.fullname),
            "file": _schema_file(sv),
            **fingerprints(sv),
            "canonical_form": sv.canonical_form,
        }
        for sv in catalog
    ]
    return {
        "format": INDEX_FORMAT,
        "single_object_header": "C3 01, then the 8 bytes of crc64_avro",
        "fingerprints": {
            "crc64_avro": "CRC-64-AVRO (Rabin) of the Parsing Canonical Form, 8 bytes "
            "little-endian as in the single-object header, hex",
            "crc64_avro_long": "the same as a signed 64-bit integer "
            "(Java SchemaNormalization.parsingFingerprint64)",
            "sha256": "SHA-256 of the Parsing Canonical Form (UTF-8), hex",
        },
        "schemas": entries,
    }


def export(directory: Path, catalog: Catalog | None = None) -> Exported:
    """Write the catalog's standalone schemas, index, examples and docs under ``directory``.

    The directory is created if missing; files of an earlier export are overwritten. A path
    that exists and is not a directory is refused (``SchemaError``).
    """
    catalog = catalog or default_catalog()
    if directory.exists() and not directory.is_dir():
        raise SchemaError(
            f"{directory} is a file, not a directory: give a directory to export the schemas "
            "into (it is created if missing)"
        )
    try:
        directory.mkdir(parents=True, exist_ok=True)
        schemas: list[Path] = []
        others: list[Path] = []
        for sv in catalog:
            path = directory / _schema_file(sv)
            path.parent.mkdir(exist_ok=True)
            _write_json(path, sv.schema)
            schemas.append(path)
            if sv.is_event and sv is catalog.current(sv.fullname):
                example = path.parent / "example.json"
                _write_json(example, example_json(sv.name, catalog=catalog))
                others.append(example)
        _write_json(directory / INDEX, index(catalog))
        (directory / EVENTS_MD).write_text(docs.render(catalog), encoding="utf-8")
        (directory / README).write_text(_README, encoding="utf-8")
    except OSError as exc:
        raise SchemaError(f"cannot write the schemas to {directory}: {exc}") from exc
    others += [directory / INDEX, directory / EVENTS_MD, directory / README]
    return Exported(directory, tuple(schemas), tuple(others), len(catalog.records()))


def _schema_file(sv: SchemaVersion) -> str:
    return f"{sv.fullname}/v{sv.version}.avsc"


def _write_json(path: Path, doc: Any) -> None:
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
