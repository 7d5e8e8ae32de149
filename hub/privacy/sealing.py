"""Sealing personal data for the hub: hybrid public-key encryption of single field values.

An agency system seals each personal-data field of an event (``"pii": true`` in the schemas)
with the hub's public key before it publishes, so the agency topic never carries the value in
plaintext; only the hub, holding the private key, opens it when it decodes the record.

Scheme (``sealed:v1``): a fresh X25519 key pair per value; the shared secret with the hub's key
goes through HKDF-SHA256 (salt: the ephemeral and the hub's public key, info ``casehub
sealed:v1``) to a one-time AES-256-GCM key. The associated data binds the value to its event
type and field path, so a sealed value cannot be moved to another field or event type
unnoticed. The value travels in the same Avro string field as ``sealed:v1:<blob>``, the blob
base64url without padding of::

    key_id (8) | ephemeral public key (32) | nonce (12) | ciphertext and GCM tag

``key_id`` is the first 8 bytes of SHA-256 of the hub's raw public key: the hub names the key a
value was sealed for when it cannot open it, and can hold old keys beside a new one while
agencies move over (rotation).

Key files are PEM: the private key PKCS#8 (mode 0600), the public key SubjectPublicKeyInfo,
readable with ``openssl pkey``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from hub.errors import SchemaError, SetupError

#: Every sealed value starts with this; anything else in a personal-data field is plaintext.
SEALED_PREFIX = "sealed:v1:"
_INFO = b"casehub sealed:v1"
_KEY_ID_LEN = 8
_PUBLIC_LEN = 32
_NONCE_LEN = 12
_TAG_LEN = 16
_MIN_BLOB = _KEY_ID_LEN + _PUBLIC_LEN + _NONCE_LEN + _TAG_LEN

#: File names ``casehub privacy hub-keygen`` writes under ``<data_dir>/keys/``.
PRIVATE_KEY_NAME = "hub-sealing.key"
PUBLIC_KEY_NAME = "hub-sealing.pub"


class UnsealableValue(SchemaError):
    """A sealed value the hub cannot open: another key, altered bytes, or not a sealed value."""

    code = "unsealable_personal_data"


def is_sealed(value: str) -> bool:
    return value.startswith(SEALED_PREFIX)


def sealing_context(event_type: str, field_path: str) -> bytes:
    """The associated data: binds a sealed value to its event type and field path."""
    return b"\x00".join((_INFO, event_type.encode(), field_path.encode()))


def _key_id(public: X25519PublicKey) -> bytes:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).digest()[:_KEY_ID_LEN]


def _derive(shared: bytes, ephemeral: bytes, hub: bytes) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral + hub, info=_INFO)
    return hkdf.derive(shared)


@dataclass(frozen=True, eq=False)
class HubPublicKey:
    """The hub's public sealing key, as agencies hold it: seals values only the hub opens."""

    key: X25519PublicKey

    @property
    def key_id(self) -> str:
        return _key_id(self.key).hex()

    def seal(self, plaintext: str, event_type: str, field_path: str) -> str:
        ephemeral = X25519PrivateKey.generate()
        eph_raw = ephemeral.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        hub_raw = self.key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        aes_key = _derive(ephemeral.exchange(self.key), eph_raw, hub_raw)
        nonce = os.urandom(_NONCE_LEN)
        sealed = AESGCM(aes_key).encrypt(
            nonce, plaintext.encode(), sealing_context(event_type, field_path)
        )
        blob = _key_id(self.key) + eph_raw + nonce + sealed
        return SEALED_PREFIX + base64.urlsafe_b64encode(blob).rstrip(b"=").decode("ascii")


@dataclass(frozen=True, eq=False)
class HubSealingKeys:
    """The hub's private sealing key(s): the current one first, older ones still open values."""

    keys: tuple[X25519PrivateKey, ...]

    def __post_init__(self) -> None:
        if not self.keys:
            raise SetupError("a sealing keyring needs at least one key")

    @property
    def public(self) -> HubPublicKey:
        return HubPublicKey(self.keys[0].public_key())

    @property
    def key_ids(self) -> list[str]:
        return [_key_id(k.public_key()).hex() for k in self.keys]

    def open(self, sealed: str, event_type: str, field_path: str) -> str:
        """The plaintext of a ``sealed:v1:`` value; raises ``UnsealableValue`` saying why."""
        if not is_sealed(sealed):
            raise UnsealableValue(f"{field_path}: not a {SEALED_PREFIX} value")
        text = sealed[len(SEALED_PREFIX) :]
        try:
            blob = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        except (binascii.Error, ValueError) as exc:
            raise UnsealableValue(f"{field_path}: the sealed value is not base64url") from exc
        if len(blob) < _MIN_BLOB:
            raise UnsealableValue(f"{field_path}: the sealed value is too short ({len(blob)} B)")
        key_id = blob[:_KEY_ID_LEN]
        eph_raw = blob[_KEY_ID_LEN : _KEY_ID_LEN + _PUBLIC_LEN]
        nonce = blob[_KEY_ID_LEN + _PUBLIC_LEN : _KEY_ID_LEN + _PUBLIC_LEN + _NONCE_LEN]
        sealed_bytes = blob[_KEY_ID_LEN + _PUBLIC_LEN + _NONCE_LEN :]
        private = next((k for k in self.keys if _key_id(k.public_key()) == key_id), None)
        if private is None:
            raise UnsealableValue(
                f"{field_path}: sealed for hub key {key_id.hex()}, but this hub holds "
                f"{', '.join(self.key_ids)}; the agency must use the hub's current public key"
            )
        hub_raw = private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        try:
            aes_key = _derive(
                private.exchange(X25519PublicKey.from_public_bytes(eph_raw)), eph_raw, hub_raw
            )
            plain = AESGCM(aes_key).decrypt(
                nonce, sealed_bytes, sealing_context(event_type, field_path)
            )
            return plain.decode("utf-8")
        except (InvalidTag, ValueError) as exc:  # ValueError: a degenerate ephemeral key
            raise UnsealableValue(
                f"{field_path}: the sealed value does not open with hub key {key_id.hex()} "
                f"for {event_type}.{field_path} (altered, or sealed for another field)"
            ) from exc


# --- key files --------------------------------------------------------------------------------
def default_key_paths(data_dir: Path) -> tuple[Path, Path]:
    """``(private, public)`` under ``<data_dir>/keys/``."""
    keys = data_dir / "keys"
    return keys / PRIVATE_KEY_NAME, keys / PUBLIC_KEY_NAME


def generate_key_files(private_path: Path, public_path: Path, *, force: bool = False) -> str:
    """Write a new key pair (private key mode 0600); returns its key id. Never overwrites
    an existing private key unless ``force``: values sealed for it could no longer be opened.
    """
    if private_path.exists() and not force:
        raise SetupError(
            f"{private_path} already exists; values sealed for it open only with it "
            "(use --force to replace it, after keeping a copy for rotation)"
        )
    private = X25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    private_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    public_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = private_path.with_name(private_path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    tmp.replace(private_path)  # nothing half-written: the key appears whole or not at all
    public_path.write_bytes(public_pem)
    return _key_id(private.public_key()).hex()


def load_public_key(path: Path) -> HubPublicKey:
    """The hub's public key from a PEM file; ``SetupError`` naming the file otherwise."""
    data = _read(path, "hub public key")
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise SetupError(f"{path} is not a PEM public key: {exc}") from exc
    if not isinstance(key, X25519PublicKey):
        raise SetupError(f"{path} holds a {type(key).__name__}, not the hub's X25519 key")
    return HubPublicKey(key)


def load_sealing_keys(paths: Iterable[Path]) -> HubSealingKeys:
    """The hub's private key(s) from PEM files, current first; ``SetupError`` on any problem."""
    keys: list[X25519PrivateKey] = []
    for path in paths:
        data = _read(path, "hub sealing key")
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError) as exc:
            raise SetupError(f"{path} is not an unencrypted PEM private key: {exc}") from exc
        if not isinstance(key, X25519PrivateKey):
            raise SetupError(f"{path} holds a {type(key).__name__}, not an X25519 key")
        keys.append(key)
    return HubSealingKeys(tuple(keys))


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise SetupError(
            f"{what} file {path} does not exist (the hub creates it with "
            "`casehub privacy hub-keygen`)"
        ) from exc
    except OSError as exc:
        raise SetupError(f"cannot read {what} file {path}: {exc}") from exc
