"""Opening a stored state with one key (or none) and sealing it with another."""

from __future__ import annotations

from hub.store.keys import StoreKey


def unseal(state: bytes, key: StoreKey | None) -> bytes:
    """The state's plaintext (the transcoder's bytes); ``ValueError`` if ``key`` did not seal it."""
    return key.open(bytes(state)) if key is not None else bytes(state)


def reseal(state: bytes, old: StoreKey | None, new: StoreKey | None) -> bytes:
    plain = unseal(state, old)
    return new.seal(plain) if new is not None else plain
