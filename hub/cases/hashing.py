"""The per-case hash chain: canonical JSON and SHA-256 (docs/design.md, "Tamper evidence").

An event's hash covers its type name, originator id, version, timestamp and every stored field
except ``event_hash`` itself, encoded as canonical JSON: sorted keys, no whitespace, UTF-8,
dates and datetimes in ISO-8601, UUIDs as strings, dataclasses as objects of their fields,
tuples and lists alike as arrays.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from uuid import UUID

import orjson

HASH_ALG = "sha256"
GENESIS_HASH = "0" * 64

#: Keys of a stored event's state that are not part of the event as first recorded.
_NOT_HASHED = frozenset({"event_hash", "class_version"})


def to_canonical(value: Any) -> Any:
    """Turn a field value into plain JSON data, the same way before and after storage."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): to_canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_canonical(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
    msg = f"no canonical encoding for {type(value).__name__}"
    raise TypeError(msg)


#: Field names per dataclass (``dataclasses.fields`` is slow enough to matter per event).
_FIELDS: dict[type[Any], tuple[str, ...]] = {}


def _fields(cls: type[Any]) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


def _default(value: Any) -> Any:
    """What the C encoders cannot write themselves (same results as ``to_canonical``)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: getattr(value, name) for name in _fields(type(value))}
    msg = f"no canonical encoding for {type(value).__name__}"
    raise TypeError(msg)


_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default
)
#: orjson writes the same bytes as ``_ENCODER`` for everything an event holds (sorted keys,
#: compact, UTF-8, UUIDs as hyphenated lowercase text) about 3x faster (hashing was a fifth of
#: ingest time). Dates and dataclasses still go through ``_default``: orjson would write
#: dataclass fields unsorted and drop seconds from UTC offsets. What orjson refuses (integers
#: beyond 64 bits, non-string keys) falls back to the standard encoder. The two differ only for
#: floats below 1e-4 (``0.00001`` against ``1e-05``); no event field is a float.
_ORJSON_OPTIONS = (
    orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
)


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8; dates ISO-8601, UUIDs as strings, tuples as arrays."""
    try:
        return orjson.dumps(value, default=_default, option=_ORJSON_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError included: let the standard encoder decide
        return _ENCODER.encode(value).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def event_hash(type_name: str, state: Mapping[str, Any]) -> str:
    """Hash of one event: its type name and its state (originator id, version, timestamp, …)."""
    hashed = {k: v for k, v in state.items() if k not in _NOT_HASHED}
    hashed["type"] = type_name
    return sha256_hex(canonical_json(hashed))


def content_hash(payload: Mapping[str, Any]) -> str:
    """SHA-256 of a canonical payload (used for the hub's own facts, which have no record)."""
    return sha256_hex(canonical_json(payload))
