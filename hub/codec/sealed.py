"""Personal-data fields on the wire: sealed by the publisher, opened by the hub at decode.

A field marked ``"pii": true`` in the schemas carries, in the same Avro string, either the
value sealed for the hub (``sealed:v1:…``, see ``hub.privacy.sealing``) or, from an agency
that does not seal yet, the plaintext. Field paths are written as in ``FieldError``:
``name``, ``parties[0].id_number``; the path and the event type's full name are the associated
data of each sealed value.

The hub opens every sealed value before the record becomes a command, so the content hash is
taken over the opened content: a resend sealed afresh (new ephemeral key, other bytes) is still
the same content. What the hub does with each kind of value is a ``SealingPolicy``:

* a sealed value it cannot open (another key, altered bytes) → ``unsealable_personal_data``;
* a plaintext value → accepted, counted per topic and logged as ``plaintext_personal_data``
  (topic, partition, offset and field paths, never the value), or with ``require_sealed_pii``
  rejected as ``plaintext_personal_data``.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.codec.catalog import SchemaVersion
from hub.codec.values import ArrayShape, MapShape, NullableShape, RecordShape, Shape, StringShape
from hub.errors import SchemaError
from hub.privacy.sealing import (
    HubPublicKey,
    HubSealingKeys,
    UnsealableValue,
    default_key_paths,
    is_sealed,
    load_public_key,
    load_sealing_keys,
)
from hub.settings import Settings

#: Reason codes of the two rejections (dead letters, receipts, metrics).
UNSEALABLE = UnsealableValue.code
PLAINTEXT = "plaintext_personal_data"


class PlaintextPersonalData(SchemaError):
    """Personal data arrived unsealed while the hub requires it sealed."""

    code = PLAINTEXT


@dataclass(frozen=True)
class SealingPolicy:
    """The hub's keys (None: it holds none) and whether plaintext personal data is refused."""

    keys: HubSealingKeys | None = None
    require_sealed: bool = False


#: No keys, plaintext accepted.
NO_SEALING = SealingPolicy()


def sealing_policy(settings: Settings) -> SealingPolicy:
    """The policy from settings; ``SetupError`` if a named key file is missing or not a key."""
    named = [Path(p.strip()) for p in settings.hub_sealing_key_file.split(",") if p.strip()]
    if not named:
        default = default_key_paths(settings.data_dir)[0]
        named = [default] if default.exists() else []
    keys = load_sealing_keys(named) if named else None
    return SealingPolicy(keys, settings.require_sealed_pii)


def default_sealing() -> SealingPolicy:
    """The policy of a decoder given none: no keys, plaintext accepted. Settings are never
    loaded here: an entry point passes ``hub.bootstrap.sealing(settings)``."""
    return NO_SEALING


def publisher_key(settings: Settings) -> HubPublicKey | None:
    """The hub's public key the publisher seals with, or None when none is configured."""
    if not settings.hub_public_key_file:
        return None
    return load_public_key(Path(settings.hub_public_key_file))


# --- walking the personal-data fields ---------------------------------------------------------
Visit = Callable[[str, str], str]


def _walk(shape: Shape, value: Any, path: str, visit: Visit, *, pii: bool = False) -> Any:  # noqa: PLR0911 - one per shape
    if value is None:
        return None
    if isinstance(shape, NullableShape):
        return _walk(shape.inner, value, path, visit, pii=pii)
    if isinstance(shape, StringShape):
        return visit(path, value) if pii and isinstance(value, str) and value else value
    if isinstance(shape, RecordShape) and isinstance(value, dict):
        out = dict(value)
        for f in shape.fields:
            if f.name in out:
                sub = f"{path}.{f.name}" if path else f.name
                out[f.name] = _walk(f.shape, out[f.name], sub, visit, pii=f.pii)
        return out
    if isinstance(shape, ArrayShape) and isinstance(value, list | tuple):
        return [_walk(shape.items, v, f"{path}[{i}]", visit, pii=pii) for i, v in enumerate(value)]
    if isinstance(shape, MapShape) and isinstance(value, dict):
        return {
            k: _walk(shape.values, v, f"{path}[{k!r}]", visit, pii=pii) for k, v in value.items()
        }
    return value  # a value of the wrong kind: encode_record refuses it, naming the field


def has_personal_fields(shape: Shape, *, pii: bool = False) -> bool:
    """Whether the shape holds a personal-data string anywhere (a ``"pii": true`` field)."""
    if isinstance(shape, StringShape):
        return pii
    if isinstance(shape, NullableShape):
        return has_personal_fields(shape.inner, pii=pii)
    if isinstance(shape, ArrayShape):
        return has_personal_fields(shape.items, pii=pii)
    if isinstance(shape, MapShape):
        return has_personal_fields(shape.values, pii=pii)
    if isinstance(shape, RecordShape):
        return any(has_personal_fields(f.shape, pii=f.pii) for f in shape.fields)
    return False


def personal_values(schema: SchemaVersion, record: dict[str, Any]) -> dict[str, str]:
    """``{field path: value}`` of every non-empty personal-data string in the record."""
    found: dict[str, str] = {}

    def visit(path: str, value: str) -> str:
        found[path] = value
        return value

    _walk(schema.shape, record, "", visit)
    return found


def seal_record(schema: SchemaVersion, record: dict[str, Any], key: HubPublicKey) -> dict[str, Any]:
    """A copy of the record (Python form) with each personal-data value sealed for the hub.

    A value that is already sealed is left as it is (an agency system may seal upstream).
    """

    def visit(path: str, value: str) -> str:
        return value if is_sealed(value) else key.seal(value, schema.fullname, path)

    result: dict[str, Any] = _walk(schema.shape, record, "", visit)
    return result


@dataclass(frozen=True)
class Unsealed:
    """A record with its sealed values opened, and the paths that arrived in plaintext."""

    record: dict[str, Any]
    plaintext_paths: tuple[str, ...]


def unseal_record(schema: SchemaVersion, record: dict[str, Any], policy: SealingPolicy) -> Unsealed:
    """Open every sealed personal-data value; raises ``UnsealableValue`` (or, under
    ``require_sealed``, ``PlaintextPersonalData``) naming the field, never its value.
    """
    plaintext: list[str] = []

    def visit(path: str, value: str) -> str:
        if not is_sealed(value):
            plaintext.append(path)
            return value
        if policy.keys is None:
            raise UnsealableValue(
                f"{path}: the value is sealed but this hub holds no sealing key "
                "(create one with `casehub privacy hub-keygen`, or set hub_sealing_key_file)"
            )
        return policy.keys.open(value, schema.fullname, path)

    opened: dict[str, Any] = _walk(schema.shape, record, "", visit)
    if plaintext and policy.require_sealed:
        raise PlaintextPersonalData(
            f"{schema.name}: personal data in plaintext at {', '.join(plaintext)}; "
            "this hub requires it sealed with its public key (require_sealed_pii)"
        )
    return Unsealed(opened, tuple(plaintext))


# --- plaintext from agencies that do not seal yet ---------------------------------------------
_lock = threading.Lock()
_plaintext_seen: Counter[str] = Counter()


def count_plaintext(topic: str) -> None:
    with _lock:
        _plaintext_seen[topic] += 1


def plaintext_counts() -> dict[str, int]:
    """Records accepted with plaintext personal data since the process started, per topic."""
    with _lock:
        return dict(_plaintext_seen)
