"""The store key: parsed from the settings, and whether it fits a stored event's state."""

from __future__ import annotations

import json

import pytest
from eventsourcing.cryptography import AESCipher

from hub.settings import Settings
from hub.store.keys import (
    CIPHER_TOPIC,
    Held,
    StoreKey,
    StoreKeyError,
    check_sample,
    cipher_env,
    fit,
    key_check_for,
    parse_key,
    store_key,
)

PLAIN = json.dumps({"title": "Unlicensed food production"}).encode()


def key(name: str = "k") -> object:
    return parse_key(AESCipher.create_key(32), name)


class TestParse:
    def test_every_aes_size_is_a_key(self):
        """16, 24 and 32 bytes of base64 make a key; its id is the same for the same key."""
        for size in (16, 24, 32):
            text = AESCipher.create_key(size)
            assert parse_key(text, "s").key_id == parse_key(text + "\n", "s").key_id

    def test_the_key_never_shows_in_repr(self):
        text = AESCipher.create_key(32)
        assert text not in repr(parse_key(text, "s"))
        assert text not in repr(Settings(store_cipher_key=text))

    @pytest.mark.parametrize(
        ("text", "message"),
        [("%%%", "is not base64"), ("aGVsbG8=", "holds 5 bytes"), ("", "holds 0 bytes")],
    )
    def test_not_a_key_names_its_source(self, text, message):
        with pytest.raises(StoreKeyError, match=f"the-setting {message}"):
            parse_key(text, "the-setting")

    def test_no_key_no_cipher(self):
        """Without a key the store is not encrypted: eventsourcing gets no cipher settings."""
        assert store_key(Settings()) is None
        env = cipher_env(None)
        assert env["CIPHER_TOPIC"] == env["CASEHUB_CIPHER_TOPIC"] == ""  # pinned off
        assert env["CIPHER_KEY"] == env["CASEHUB_CIPHER_KEY"] == ""

    def test_a_key_turns_on_eventsourcings_aes_cipher(self):
        text = AESCipher.create_key(32)
        env = cipher_env(store_key(Settings(store_cipher_key=text)))
        assert env["CIPHER_TOPIC"] == env["CASEHUB_CIPHER_TOPIC"] == CIPHER_TOPIC
        assert env["CIPHER_KEY"] == env["CASEHUB_CIPHER_KEY"] == text

    def test_a_missing_key_file_is_named(self, tmp_path):
        missing = tmp_path / "nope.key"
        with pytest.raises(StoreKeyError, match=f"store_cipher_key_file \\({missing}\\)"):
            store_key(Settings(store_cipher_key_file=str(missing)))


class TestFit:
    def test_an_empty_store_takes_any_key(self):
        check_sample(None, key(), "here")
        check_sample(None, None, "here")

    def test_the_right_key_and_plaintext_without_key_fit(self):
        k = key()
        check_sample(k.seal(PLAIN), k, "here")  # type: ignore[attr-defined]
        check_sample(PLAIN, None, "here")

    def test_a_wrong_key(self):
        with pytest.raises(StoreKeyError, match="other does not open the event store here"):
            check_sample(key().seal(PLAIN), key("other"), "here")  # type: ignore[attr-defined]

    def test_sealed_but_no_key(self):
        with pytest.raises(StoreKeyError, match="the event store here is encrypted"):
            check_sample(key().seal(PLAIN), None, "here")  # type: ignore[attr-defined]

    def test_plaintext_but_a_key(self):
        with pytest.raises(StoreKeyError, match="here was written without encryption, but k"):
            check_sample(PLAIN, key(), "here")


def skey(name: str = "k") -> StoreKey:
    return parse_key(AESCipher.create_key(32), name)


def damaged(sealed: bytes) -> bytes:
    flipped = bytearray(sealed)
    flipped[-1] ^= 0x01
    return bytes(flipped)


class TestKeyCheck:
    def test_the_right_key_passes_its_key_check_whatever_the_events_hold(self):
        """A damaged first event is no concern of the key check: the audit tools name it."""
        k = skey()
        held = Held(key_check_for(k), (damaged(k.seal(PLAIN)), k.seal(PLAIN)))
        assert fit(held, k, "here") is False

    def test_a_wrong_key_fails_the_key_check(self):
        k, file_key = skey(), skey("store_cipher_key_file (x)")
        held = Held(key_check_for(k), (k.seal(PLAIN),))
        with pytest.raises(
            StoreKeyError, match=r"the key file does not match this store \(key check failed\)"
        ):
            fit(held, file_key, "here")

    def test_no_key_on_a_store_with_a_key_check(self):
        k = skey()
        held = Held(key_check_for(k), (k.seal(PLAIN),))
        with pytest.raises(StoreKeyError, match="the event store here is encrypted"):
            fit(held, None, "here")

    def test_without_a_key_check_one_readable_event_proves_the_skey(self):
        """A store sealed before key checks: a damaged first event is not a wrong key, and the
        store is to be given its key check."""
        k = skey()
        held = Held(None, (damaged(k.seal(PLAIN)), k.seal(PLAIN)))
        assert fit(held, k, "here") is True
        with pytest.raises(StoreKeyError, match="holds no key check yet, so its first 2 event"):
            fit(held, skey("other"), "here")

    def test_an_empty_store_takes_any_key_and_replaces_a_stale_key_check(self):
        k = skey()
        assert fit(Held(), k, "here") is True
        assert fit(Held(), None, "here") is False
        stale = Held(key_check_for(skey()), ())
        assert fit(stale, k, "here") is True
        assert fit(stale, None, "here") is True  # dropped: the store will be plaintext
