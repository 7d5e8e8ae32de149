"""The event store remembers which key store its personal data was sealed with.

On first use the hub records ``KeyStoreBinding.Bound`` (the key store's id) in the event
store, in the same transaction as the first command it runs. From then on a missing key
store, or a different one (a restore of the wrong file, a wrong ``key_store_path``), is a
clear SetupError before anything is written: a fresh key store would silently make every
earlier token unreadable and give everyone new subject ids.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from hub.errors import SetupError
from hub.privacy.keystore import KeyStore

BINDING_ID = uuid5(UUID("5c1d9b0e-6f0a-5d4e-9a3b-2e7c8f1a4b60"), "privacy/key-store-binding")


class KeyStoreBinding(Aggregate):
    """The id of the key store this event store's personal data is sealed with."""

    class Bound(Aggregate.Created):
        key_store_id: str

        def apply(self, aggregate: Any) -> None:
            cast("KeyStoreBinding", aggregate).key_store_id = self.key_store_id

    if TYPE_CHECKING:
        key_store_id: str

    @classmethod
    def bind(cls, key_store_id: str) -> KeyStoreBinding:
        return cls._create(cls.Bound, id=BINDING_ID, key_store_id=key_store_id)


def check_binding(
    keystore: KeyStore, load: Callable[[UUID], Any], event_store: str
) -> KeyStoreBinding | None:
    """Verify the key store against the event store; a new binding to record, or None."""
    found = load(BINDING_ID)
    if not isinstance(found, KeyStoreBinding):
        return KeyStoreBinding.bind(keystore.store_id())
    if not keystore.exists():
        raise SetupError(
            f"the key store {keystore.location} is missing, but the event store {event_store} "
            f"holds personal data sealed with key store {found.key_store_id}: restore the key "
            "store from its backup (or set key_store_path to it); nothing was written"
        )
    if keystore.store_id() != found.key_store_id:
        raise SetupError(
            f"the key store {keystore.location} (id {keystore.store_id()}) is not the one the "
            f"event store {event_store} was written with (id {found.key_store_id}): set "
            "key_store_path to the right file or restore it from its backup; nothing was written"
        )
    return None
