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


def _default(value: Any) -> Any:
    """What the C encoder cannot write itself (same results as ``to_canonical``)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    msg = f"no canonical encoding for {type(value).__name__}"
    raise TypeError(msg)


_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default
)


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8; dates ISO-8601, UUIDs as strings, tuples as arrays."""
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
