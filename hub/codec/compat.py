"""Backward-transitive compatibility: each version of a record reads data of every earlier one.

Two independent proofs per (reader, writer) pair:

* Apache Avro's own ``ReaderWriterCompatibilityChecker`` (the ``avro`` package; the breaks it
  finds are reported by record, versions and field path);
* decoding a sample datum written with the older version using the newer one as reader
  (fastavro's schema resolution, the code path ingest uses).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

import fastavro

from hub.codec.catalog import Catalog, SchemaVersion
from hub.codec.examples import example_json, sample_value
from hub.codec.values import RecordShape
from hub.errors import SetupError


@dataclass(frozen=True)
class Incompatibility:
    record: str
    reader_version: int
    writer_version: int
    field: str
    problem: str

    def __str__(self) -> str:
        return (
            f"{self.record} v{self.reader_version} cannot read v{self.writer_version}: "
            f"field {self.field}: {self.problem}"
        )


def check_catalog(catalog: Catalog) -> list[Incompatibility]:
    """Every break of backward-transitive compatibility in the catalog (empty: all good)."""
    problems: list[Incompatibility] = []
    for name in catalog.records():
        versions = catalog.versions(name)
        for i, reader in enumerate(versions):
            for writer in versions[:i]:
                problems += check_pair(reader, writer)
    return problems


def check_pair(reader: SchemaVersion, writer: SchemaVersion) -> list[Incompatibility]:
    found = _avro_check(reader, writer)
    if not found:
        found = _sample_check(reader, writer)
    return found


def _avro_check(reader: SchemaVersion, writer: SchemaVersion) -> list[Incompatibility]:
    try:
        import avro.schema  # noqa: PLC0415 - the Apache library is needed only for the check
        from avro.compatibility import (  # noqa: PLC0415
            ReaderWriterCompatibilityChecker,
            SchemaCompatibilityType,
        )
    except ImportError as exc:
        raise SetupError("the schema check needs the 'avro' package: pip install avro") from exc
    r = avro.schema.parse(json.dumps(reader.schema))
    w = avro.schema.parse(json.dumps(writer.schema))
    checker = ReaderWriterCompatibilityChecker()  # type: ignore[no-untyped-call]
    result = checker.get_compatibility(r, w)
    if result.compatibility is SchemaCompatibilityType.compatible:
        return []
    kinds = ", ".join(sorted(str(k.name) for k in result.incompatibilities))
    out = []
    for location in sorted(result.locations):
        message = "; ".join(sorted(result.messages))
        out.append(
            Incompatibility(
                reader.fullname,
                reader.version,
                writer.version,
                _field_path(reader.schema, str(location)),
                f"{kinds} ({message})",
            )
        )
    return out


def _sample_check(reader: SchemaVersion, writer: SchemaVersion) -> list[Incompatibility]:
    sample = _sample(writer)
    buf = io.BytesIO()
    fastavro.schemaless_writer(buf, writer.plain, writer.shape.to_avro(sample))
    buf.seek(0)
    try:
        fastavro.schemaless_reader(buf, writer.plain, reader.plain)
    except Exception as exc:  # noqa: BLE001 - any failure to resolve is the finding itself
        return [Incompatibility(reader.fullname, reader.version, writer.version, "?", str(exc))]
    return []


def _sample(sv: SchemaVersion) -> dict[str, Any]:
    if sv.is_event:
        body = {k: v for k, v in example_json(sv.name).items() if k != "type"}
        # The example follows the current version; keep the fields this version has.
        shape: RecordShape = sv.shape
        body = {k: v for k, v in body.items() if k in {f.name for f in shape.fields}}
        record: dict[str, Any] = shape.from_json(body)
        return record
    value: dict[str, Any] = sv.shape.from_json(sample_value(sv.shape))
    return value


def _field_path(schema: dict[str, Any], location: str) -> str:
    """Turn the checker's location (``/fields/3/type/fields/0``) into ``header.event_id``."""
    parts = [p for p in location.split("/") if p]
    names: list[str] = []
    node: Any = schema
    i = 0
    while i < len(parts):
        part = parts[i]
        if part == "fields" and i + 1 < len(parts) and isinstance(node, dict):
            field = node["fields"][int(parts[i + 1])]
            names.append(field["name"])
            node = field
            i += 2
            continue
        if part == "type" and isinstance(node, dict):
            node = node["type"]
        elif part == "items" and isinstance(node, dict):
            node = node["items"]
        elif part.isdigit() and isinstance(node, list):
            node = node[int(part)]
        i += 1
        if isinstance(node, str):
            break
    return ".".join(names) or "(record)"
