"""Personal data as tokens: AES-256-GCM ciphertext under the data subject's key.

A personal value is stored and published only as ``pii:v1:<subject>:<field>:<data>`` where
``data`` is base64url(nonce + ciphertext), and the subject id and field name are the
authenticated data, so a token cannot be moved to another person or field unnoticed.

``Revealer`` turns tokens back into plaintext for readers entitled to it: the latest
correction recorded for that subject and field wins, and a destroyed key reads as
``ERASED``. ``withhold_payload`` masks every token for readers who are not entitled.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import os
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hub.errors import SetupError
from hub.privacy.keystore import KeyStore

PREFIX = "pii:v1:"
#: What a reader sees of a person whose key was destroyed (crypto-shredded).
ERASED = "[erased]"
#: What a reader not entitled to personal data sees instead of it.
WITHHELD = "[withheld]"
_NONCE_BYTES = 12


@dataclass(frozen=True)
class Token:
    subject: str
    field: str
    data: bytes


def is_token(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def parse_token(value: str) -> Token:
    if not is_token(value):
        raise ValueError("not a personal-data token")
    parts = value[len(PREFIX) :].split(":")
    if len(parts) != 3 or not all(parts):
        raise SetupError(f"malformed personal-data token (subject and field expected): {value!r}")
    subject, field_name, data = parts
    try:
        raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    except (binascii.Error, ValueError) as exc:
        raise SetupError(f"malformed personal-data token for subject {subject}") from exc
    return Token(subject, field_name, raw)


def _aad(subject: str, field_name: str) -> bytes:
    return f"{subject}\x00{field_name}".encode()


def seal(key: bytes, subject: str, field_name: str, plaintext: str) -> str:
    """Encrypt ``plaintext`` for ``subject``'s ``field_name`` into a token."""
    if ":" in subject or ":" in field_name:
        raise ValueError("subject ids and field names must not contain ':'")
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode("utf-8"), _aad(subject, field_name))
    data = base64.urlsafe_b64encode(nonce + sealed).decode("ascii").rstrip("=")
    return f"{PREFIX}{subject}:{field_name}:{data}"


def open_sealed(key: bytes, token: Token) -> str:
    nonce, sealed = token.data[:_NONCE_BYTES], token.data[_NONCE_BYTES:]
    try:
        plain = AESGCM(key).decrypt(nonce, sealed, _aad(token.subject, token.field))
    except InvalidTag as exc:
        raise SetupError(
            f"personal data of subject {token.subject} does not decrypt with the key in the key "
            "store: the key store does not belong to this event store, or the data was altered"
        ) from exc
    return plain.decode("utf-8")


def seal_bytes(key: bytes, subject: str, plaintext: bytes) -> bytes:
    """Encrypt opaque bytes (a rejected record) for ``subject``: nonce + ciphertext."""
    nonce = os.urandom(_NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, _aad(subject, "raw"))


def open_bytes(key: bytes, subject: str, data: bytes) -> bytes:
    try:
        return AESGCM(key).decrypt(data[:_NONCE_BYTES], data[_NONCE_BYTES:], _aad(subject, "raw"))
    except InvalidTag as exc:
        raise SetupError(
            f"the data sealed for {subject} does not decrypt with the key in the key store"
        ) from exc


class Revealer:
    """Plaintext for entitled readers: corrections applied, erased people as ``ERASED``."""

    def __init__(self, keystore: KeyStore) -> None:
        self.keystore = keystore

    def reveal(self, value: str) -> str:
        if not is_token(value):
            return value
        token = parse_token(value)
        key = self.keystore.key(token.subject)
        if key is None:
            if self.keystore.is_destroyed(token.subject):
                return ERASED
            raise SetupError(
                f"personal data of subject {token.subject} is encrypted, but the key store "
                f"{self.keystore.location} has no key for it: the key store is missing or is not "
                "the one this event store was written with; restore it from its backup"
            )
        corrected = self.keystore.correction(token.subject, token.field)
        if corrected is not None and corrected != value:
            return open_sealed(key, parse_token(corrected))
        return open_sealed(key, token)

    def reveal_payload(self, obj: Any) -> Any:
        """A copy of ``obj`` (dicts, lists, tuples, dataclasses, strings), tokens revealed."""
        return _walk(obj, self.reveal)

    def withhold_payload(self, obj: Any) -> Any:
        return withhold_payload(obj)


def withhold_payload(obj: Any) -> Any:
    """A copy of ``obj`` with every token replaced by ``WITHHELD``."""
    return _walk(obj, lambda v: WITHHELD if is_token(v) else v)


def _walk(obj: Any, on_str: Any) -> Any:
    if isinstance(obj, str):
        return on_str(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        changes = {f.name: _walk(getattr(obj, f.name), on_str) for f in dataclasses.fields(obj)}
        return dataclasses.replace(obj, **changes)
    if isinstance(obj, dict):
        return {k: _walk(v, on_str) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_walk(v, on_str) for v in obj]
    if isinstance(obj, tuple):
        return tuple(_walk(v, on_str) for v in obj)
    return obj
