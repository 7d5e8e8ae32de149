"""The Kafka side of ``casehub security``: ACLs and SCRAM credentials through the admin client.

librdkafka's admin client (``hub.kafka.admin``) speaks both APIs: ``create_acls`` /
``describe_acls`` / ``delete_acls`` (KIP-140) and ``alter_user_scram_credentials`` /
``describe_user_scram_credentials`` (KIP-554). The salted password is derived on the client
(PBKDF2-HMAC-SHA-512); the clear password never travels. The connection (``Settings``) must be
a principal allowed to alter ACLs and credentials (``ALTER`` on the cluster): in practice the
broker's super user (``local_super_user`` for the development sasl broker).

librdkafka names Kafka's ``CLUSTER`` resource type ``BROKER`` (the same wire code, 4): the
hub's ACLs keep Kafka's name and translate at this edge.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Self, cast

from hub.errors import CaseHubError, SetupError
from hub.kafka.admin import KafkaAdmin
from hub.kafka.security import (
    AclEntry,
    alter_scram,
    create_acls,
    delete_acls,
    describe_acls,
    describe_scram,
)
from hub.logging import get_logger
from hub.security.acls import Acl, Operation, PatternKind, Permission, ResourceKind
from hub.security.credentials import Secret, check_principal_name
from hub.settings import Settings

log = get_logger(__name__)

#: PBKDF2 rounds for new SCRAM-SHA-512 credentials (Kafka accepts 4096 to 16384).
SCRAM_ITERATIONS = 8192
SCRAM_MECHANISM = "SCRAM-SHA-512"
_ADVICE = (
    "(the admin connection needs ALTER and DESCRIBE on the cluster, e.g. the broker's super user)"
)


@dataclass(frozen=True)
class AclChanges:
    """What ``apply_acls`` did: ACLs created and deleted, and how many were already there."""

    created: tuple[Acl, ...]
    deleted: tuple[Acl, ...]
    unchanged: int

    @property
    def changed(self) -> bool:
        return bool(self.created or self.deleted)


class SecurityAdmin:
    """One admin connection for ACLs and SCRAM credentials; close it (or use ``with``)."""

    def __init__(self, settings: Settings, *, timeout_s: float = 15.0) -> None:
        self._admin = KafkaAdmin(settings, client_id="casehub-security", timeout_s=timeout_s)
        self._who = (
            f"{','.join(settings.bootstrap_servers)} as "
            f"{settings.kafka_sasl_username or 'an anonymous client'}"
        )

    # --- ACLs --------------------------------------------------------------------------------

    def existing_acls(self) -> set[Acl]:
        found = self._call("describe the ACLs", describe_acls, self._admin)
        return {_from_entry(a) for a in found}

    def apply_acls(
        self, desired: Iterable[Acl], *, prune: set[str] | frozenset[str] = frozenset()
    ) -> AclChanges:
        """Create the missing ACLs of ``desired``; with ``prune``, delete the ACLs of those
        principals that ``desired`` does not hold. Running it twice changes nothing."""
        wanted = set(desired)
        existing = self.existing_acls()
        missing = sorted(wanted - existing)
        stale = sorted(a for a in existing - wanted if a.principal in prune)
        if missing:
            refused = self._call(
                "create ACLs", create_acls, self._admin, [_to_entry(a) for a in missing]
            )
            if refused:
                raise SetupError(
                    f"the broker refused {len(refused)} ACL(s): {'; '.join(sorted(set(refused)))}"
                )
            for acl in missing:
                log.info("acl_created", principal=acl.principal, acl=acl.describe())
        if stale:
            self._call("delete ACLs", delete_acls, self._admin, [_to_entry(a) for a in stale])
            for acl in stale:
                log.info("acl_deleted", principal=acl.principal, acl=acl.describe())
        return AclChanges(tuple(missing), tuple(stale), len(wanted & existing))

    # --- SCRAM credentials -------------------------------------------------------------------

    def upsert_scram(
        self, name: str, password: Secret, *, iterations: int = SCRAM_ITERATIONS
    ) -> None:
        """Create or replace ``name``'s SCRAM-SHA-512 credential (a rotation if it exists)."""
        check_principal_name(name)
        error = self._call(
            "alter SCRAM credentials",
            alter_scram,
            self._admin,
            name,
            password.reveal(),
            iterations,
        )
        if error:
            raise SetupError(f"the broker refused the credential for {name}: {error}")
        log.info(
            "scram_credential_upserted", user=name, mechanism=SCRAM_MECHANISM, iterations=iterations
        )

    def delete_scram(self, name: str) -> None:
        error = self._call(
            "alter SCRAM credentials",
            alter_scram,
            self._admin,
            check_principal_name(name),
            None,
            0,
        )
        if error:
            raise SetupError(f"the broker refused to delete the credential of {name}: {error}")
        log.info("scram_credential_deleted", user=name, mechanism=SCRAM_MECHANISM)

    def scram_users(self) -> dict[str, list[str]]:
        """Every user with a SCRAM credential: its mechanisms and iteration counts."""
        described = self._call("describe SCRAM credentials", describe_scram, self._admin)
        return {
            user: [f"{mechanism}/{iterations}" for mechanism, iterations in credentials]
            for user, credentials in sorted(described.items())
        }

    # --- plumbing ----------------------------------------------------------------------------

    def _call(self, what: str, method: Any, *args: Any) -> Any:
        try:
            return method(*args)
        except SetupError as exc:
            raise SetupError(f"could not {what} at {self._who}: {exc} {_ADVICE}") from exc
        except CaseHubError as exc:
            raise SetupError(f"could not {what}: cannot reach Kafka at {self._who}: {exc}") from exc

    def close(self) -> None:
        self._admin.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _to_entry(acl: Acl) -> AclEntry:
    return AclEntry(
        principal=acl.principal,
        host=acl.host,
        resource=acl.resource,
        name=acl.name,
        pattern=acl.pattern,
        operation=acl.operation,
        permission=acl.permission,
    )


def _from_entry(entry: AclEntry) -> Acl:
    return Acl(
        principal=entry.principal,
        resource=cast("ResourceKind", entry.resource),
        name=entry.name,
        pattern=cast("PatternKind", entry.pattern),
        operation=cast("Operation", entry.operation),
        permission=cast("Permission", entry.permission),
        host=entry.host,
    )
