"""The schema catalog: every version of every record under ``schemas/``, side by side.

Layout: ``schemas/<fullname>/v<N>.avsc``, one record per file. An event record refers to the
shared records (``casehub.events.Header``, ``CaseRef``, ``DocumentRef``, ``MajorFlag``,
``Party``) by full name; the catalog inlines the referenced version at its first use (v1
unless the referring file pins another with ``"casehub.refs": {"<fullname>": N}``), so each
version becomes one standalone schema, parsed with fastavro so named-type reuse follows the
specification. The current version of a record is its highest version. Besides the agency events
(``casehub.events``), the catalog holds the hub's own outbound records (``casehub.hub``).

Each version is known by its CRC-64-AVRO fingerprint (over the Parsing Canonical Form, which
strips ``doc``, ``logicalType`` and custom properties such as ``pii``), as written in the
single-object encoding header.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import fastavro.schema

from hub.codec.values import RecordShape, compile_record
from hub.errors import SchemaError
from hub.settings import PROJECT_ROOT

#: A copy of ``schemas/`` that an installed wheel carries inside this package (``setup.py``
#: puts it there at build time); in a checkout there is none and the committed folder is read.
_PACKAGED_SCHEMAS = Path(__file__).resolve().parent / "schemas"
#: Where the committed schemas live.
SCHEMA_DIR = _PACKAGED_SCHEMAS if _PACKAGED_SCHEMAS.is_dir() else PROJECT_ROOT / "schemas"
#: The namespace of every agency-side record.
NAMESPACE = "casehub.events"
#: Records that are embedded in events, not events themselves.
SHARED_RECORDS = frozenset(
    f"{NAMESPACE}.{name}" for name in ("Header", "CaseRef", "DocumentRef", "MajorFlag", "Party")
)
_VERSION_FILE = re.compile(r"^v(?P<n>[1-9][0-9]*)\.avsc$")
_PINS = "casehub.refs"
_PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})

JsonSchema = Any  # a schema in its JSON form: dict, list or str


@dataclass(frozen=True, eq=False)
class SchemaVersion:
    """One version of one record, ready to write and read."""

    fullname: str
    version: int
    path: Path
    #: The standalone schema as written (shared records inlined), docs and properties kept.
    schema: dict[str, Any] = field(repr=False)
    #: fastavro's parsed form of ``schema`` with logical types stripped: the codec converts
    #: logical values itself (``hub.codec.values``), so decode errors name the field.
    plain: dict[str, Any] = field(repr=False)
    canonical_form: str = field(repr=False)
    fingerprint: bytes
    #: The compiled converter between Python values, Avro values and the JSON form.
    shape: RecordShape = field(repr=False)

    @property
    def name(self) -> str:
        """The short name, e.g. ``CaseRegistered``."""
        return self.fullname.rsplit(".", 1)[-1]

    @property
    def fingerprint_hex(self) -> str:
        return self.fingerprint.hex()

    @property
    def kind(self) -> str:
        """``event`` (an agency publishes it), ``shared`` (embedded in events) or ``hub``."""
        if self.fullname in SHARED_RECORDS:
            return "shared"
        return "event" if self.fullname.startswith(f"{NAMESPACE}.") else "hub"

    @property
    def is_event(self) -> bool:
        """An agency-side event record (namespace ``casehub.events``, not a shared record)."""
        return self.kind == "event"


class Catalog:
    """Every version of every record, the current one per record, and fingerprint lookup."""

    def __init__(self, versions: Mapping[str, Mapping[int, SchemaVersion]]) -> None:
        self._versions = {name: dict(sorted(v.items())) for name, v in sorted(versions.items())}
        self._by_fingerprint: dict[bytes, SchemaVersion] = {}
        for per_version in self._versions.values():
            for sv in per_version.values():
                if sv.kind == "shared":
                    continue
                other = self._by_fingerprint.get(sv.fingerprint)
                if other is not None:
                    raise SchemaError(
                        f"{sv.path} and {other.path} have the same canonical form "
                        f"(fingerprint {sv.fingerprint_hex}); a new version must change the schema"
                    )
                self._by_fingerprint[sv.fingerprint] = sv

    @classmethod
    def load(cls, *roots: Path) -> Catalog:
        """Read every ``<fullname>/v<N>.avsc`` under the roots (later roots add versions)."""
        raw = _read_files(roots or (SCHEMA_DIR,))
        versions: dict[str, dict[int, SchemaVersion]] = {}
        for (fullname, version), (path, doc) in sorted(raw.items()):
            versions.setdefault(fullname, {})[version] = _build(fullname, version, path, doc, raw)
        return cls(versions)

    # --- lookups ------------------------------------------------------------------------------
    def records(self) -> list[str]:
        """Every record's full name, events and shared records."""
        return list(self._versions)

    def event_types(self) -> list[str]:
        """The short names of the agency event records, e.g. ``CaseRegistered``."""
        return [self.current(n).name for n in self._versions if self.current(n).is_event]

    def versions(self, name: str) -> list[SchemaVersion]:
        return list(self._per_version(name).values())

    def version(self, name: str, version: int) -> SchemaVersion:
        try:
            return self._per_version(name)[version]
        except KeyError:
            raise SchemaError(f"{self.fullname(name)} has no version {version}") from None

    def current(self, name: str) -> SchemaVersion:
        """The version the hub writes and reads into: the highest one."""
        return next(reversed(self._per_version(name).values()))

    def by_fingerprint(self, fingerprint: bytes) -> SchemaVersion | None:
        """The (event or hub) record version with this fingerprint, or None (shared records)."""
        return self._by_fingerprint.get(fingerprint)

    def __iter__(self) -> Iterator[SchemaVersion]:
        for per_version in self._versions.values():
            yield from per_version.values()

    @staticmethod
    def fullname(name: str) -> str:
        return name if "." in name else f"{NAMESPACE}.{name}"

    def _per_version(self, name: str) -> dict[int, SchemaVersion]:
        try:
            return self._versions[self.fullname(name)]
        except KeyError:
            raise SchemaError(f"unknown record type {name!r}") from None


@cache
def default_catalog() -> Catalog:
    """The catalog of the committed schemas, loaded once per process."""
    return Catalog.load(SCHEMA_DIR)


# --- loading ----------------------------------------------------------------------------------
RawFiles = dict[tuple[str, int], tuple[Path, dict[str, Any]]]


def _read_files(roots: tuple[Path, ...]) -> RawFiles:
    raw: RawFiles = {}
    for root in roots:
        if not root.is_dir():
            raise SchemaError(f"schema directory {root} does not exist")
        for folder in sorted(p for p in root.iterdir() if p.is_dir()):
            for path in sorted(folder.glob("*.avsc")):
                match = _VERSION_FILE.match(path.name)
                if match is None:
                    raise SchemaError(f"{path}: schema files are named v<N>.avsc")
                try:
                    doc = json.loads(path.read_text(encoding="utf-8"))
                except json.JSONDecodeError as exc:
                    raise SchemaError(f"{path}: not valid JSON: {exc}") from exc
                if not isinstance(doc, dict) or doc.get("type") != "record":
                    raise SchemaError(f"{path}: each file holds one record schema")
                fullname = _qualify(doc["name"], doc.get("namespace", ""))
                if fullname != folder.name:
                    raise SchemaError(f"{path}: record {fullname} is filed under {folder.name}")
                raw[(fullname, int(match["n"]))] = (path, doc)
    return raw


def _qualify(name: str, namespace: str) -> str:
    return name if "." in name or not namespace else f"{namespace}.{name}"


def _build(
    fullname: str, version: int, path: Path, doc: dict[str, Any], raw: RawFiles
) -> SchemaVersion:
    try:
        standalone = _inline(doc, raw, path)
        _check_docs(standalone, path)
        parsed = fastavro.schema.parse_schema(standalone, _write_hint=False)
        canonical = fastavro.schema.to_parsing_canonical_form(parsed)
        fingerprint = bytes.fromhex(fastavro.schema.fingerprint(canonical, "CRC-64-AVRO"))
        plain = fastavro.schema.parse_schema(_strip_logical(standalone))
        assert isinstance(plain, dict)
        shape = compile_record(standalone)
    except SchemaError:
        raise
    except (fastavro.schema.SchemaParseException, fastavro.schema.UnknownType) as exc:
        raise SchemaError(f"{path}: invalid Avro schema: {exc}") from exc
    return SchemaVersion(fullname, version, path, standalone, plain, canonical, fingerprint, shape)


def _inline(doc: dict[str, Any], raw: RawFiles, path: Path) -> dict[str, Any]:  # noqa: C901 - one walk over every Avro schema form
    """Copy ``doc`` with each referenced shared record written out at its first use."""
    pins: dict[str, int] = doc.get(_PINS, {})
    defined: set[str] = set()

    def walk(node: JsonSchema, namespace: str) -> JsonSchema:  # noqa: C901 - as above
        if isinstance(node, list):
            return [walk(branch, namespace) for branch in node]
        if isinstance(node, str):
            if node in _PRIMITIVES:
                return node
            name = _qualify(node, namespace)
            if name in defined:
                return name
            key = (name, pins.get(name, 1))
            if key not in raw:
                raise SchemaError(
                    f"{path}: refers to {name} v{key[1]}, which is not in the catalog"
                )
            return walk(raw[key][1], namespace)
        if not isinstance(node, dict):
            raise SchemaError(f"{path}: unexpected schema element {node!r}")
        kind = node.get("type")
        out = {k: v for k, v in node.items() if k != _PINS}
        if kind in {"record", "enum", "fixed"}:
            ns = node.get("namespace", namespace)
            defined.add(_qualify(node["name"], ns))
            if kind == "record":
                out["fields"] = [{**f, "type": walk(f["type"], ns)} for f in node["fields"]]
            return out
        if kind == "array":
            out["items"] = walk(node["items"], namespace)
        elif kind == "map":
            out["values"] = walk(node["values"], namespace)
        elif isinstance(kind, (dict, list)) or (isinstance(kind, str) and kind not in _PRIMITIVES):
            out["type"] = walk(kind, namespace)
        return out

    result: dict[str, Any] = walk(doc, doc.get("namespace", ""))
    return result


def _check_docs(schema: dict[str, Any], path: Path) -> None:  # noqa: C901 - one walk
    """Every record and every field carries a ``doc`` (the catalog is the documentation)."""

    def walk(node: JsonSchema, where: str) -> None:
        if isinstance(node, list):
            for branch in node:
                walk(branch, where)
        elif isinstance(node, dict):
            if node.get("type") == "record":
                if not node.get("doc"):
                    raise SchemaError(f"{path}: record {node['name']} has no doc")
                for f in node["fields"]:
                    if not f.get("doc"):
                        raise SchemaError(f"{path}: field {where}{f['name']} has no doc")
                    walk(f["type"], f"{where}{f['name']}.")
            elif node.get("type") == "array":
                walk(node["items"], where)
            elif isinstance(node.get("type"), (dict, list)):
                walk(node["type"], where)

    walk(schema, "")


def _strip_logical(node: JsonSchema) -> JsonSchema:
    if isinstance(node, list):
        return [_strip_logical(n) for n in node]
    if isinstance(node, dict):
        return {k: _strip_logical(v) for k, v in node.items() if k != "logicalType"}
    return node
