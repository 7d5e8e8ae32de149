"""The Kafka side of ``casehub security``: ACLs and SCRAM credentials through the admin client.

kafka-python 3.0's ``KafkaAdminClient`` speaks both APIs itself: ``create_acls`` /
``describe_acls`` / ``delete_acls`` (KIP-140) and ``alter_user_scram_credentials`` /
``describe_user_scram_credentials`` (KIP-554, brokers 2.7+). The salted password is derived
on the client (PBKDF2-HMAC-SHA-512); the clear password never travels. The connection must be
a principal allowed to alter ACLs and credentials (``ALTER`` on the cluster): in practice the
broker's super user.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Self, cast

from hub.errors import SetupError
from hub.logging import get_logger
from hub.security.acls import Acl, Operation, PatternKind, Permission, ResourceKind
from hub.security.credentials import Secret, check_principal_name

log = get_logger(__name__)

#: PBKDF2 rounds for new SCRAM-SHA-512 credentials (Kafka accepts 4096 to 16384).
SCRAM_ITERATIONS = 8192
SCRAM_MECHANISM = "SCRAM_SHA_512"


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

    def __init__(self, client_config: dict[str, Any], *, admin: Any = None) -> None:
        if admin is None:
            from kafka import KafkaAdminClient  # noqa: PLC0415 - keep `casehub --help` fast
            from kafka.errors import KafkaError  # noqa: PLC0415

            try:
                admin = KafkaAdminClient(
                    **client_config, client_id="casehub-security", request_timeout_ms=15000
                )
            except KafkaError as exc:
                raise SetupError(
                    f"cannot reach Kafka at {client_config.get('bootstrap_servers')} as "
                    f"{client_config.get('sasl_plain_username') or 'an anonymous client'}: "
                    f"{type(exc).__name__}"
                ) from exc
        self._admin = admin

    # --- ACLs --------------------------------------------------------------------------------

    def existing_acls(self) -> set[Acl]:
        from kafka.admin import (  # noqa: PLC0415
            ACLFilter,
            ACLOperation,
            ACLPermissionType,
            ACLResourcePatternType,
            ResourcePatternFilter,
            ResourceType,
        )

        everything = ACLFilter(
            principal=None,
            host=None,
            operation=ACLOperation.ANY,
            permission_type=ACLPermissionType.ANY,
            resource_pattern=ResourcePatternFilter(
                ResourceType.ANY, None, ACLResourcePatternType.ANY
            ),
        )
        acls, _ = self._call("describe the ACLs", self._admin.describe_acls, everything)
        return {_from_kafka(a) for a in acls}

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
            result = self._call(
                "create ACLs", self._admin.create_acls, [_to_kafka(a) for a in missing]
            )
            if result["failed"]:
                names = ", ".join(sorted({e.__name__ for e in result["failed"]}))
                raise SetupError(f"the broker refused {len(result['failed'])} ACL(s): {names}")
            for acl in missing:
                log.info("acl_created", principal=acl.principal, acl=acl.describe())
        if stale:
            self._call("delete ACLs", self._admin.delete_acls, [_to_kafka(a) for a in stale])
            for acl in stale:
                log.info("acl_deleted", principal=acl.principal, acl=acl.describe())
        return AclChanges(tuple(missing), tuple(stale), len(wanted & existing))

    # --- SCRAM credentials -------------------------------------------------------------------

    def upsert_scram(
        self, name: str, password: Secret, *, iterations: int = SCRAM_ITERATIONS
    ) -> None:
        """Create or replace ``name``'s SCRAM-SHA-512 credential (a rotation if it exists)."""
        from kafka.admin import UserScramCredentialUpsertion  # noqa: PLC0415

        check_principal_name(name)
        upsertion = UserScramCredentialUpsertion(
            name, SCRAM_MECHANISM, password.reveal(), iterations=iterations
        )
        errors = self._call(
            "alter SCRAM credentials", self._admin.alter_user_scram_credentials, [upsertion]
        )
        if errors.get(name):
            raise SetupError(f"the broker refused the credential for {name}: {errors[name]}")
        log.info(
            "scram_credential_upserted", user=name, mechanism="SCRAM-SHA-512", iterations=iterations
        )

    def delete_scram(self, name: str) -> None:
        from kafka.admin import UserScramCredentialDeletion  # noqa: PLC0415

        deletion = UserScramCredentialDeletion(check_principal_name(name), SCRAM_MECHANISM)
        errors = self._call(
            "alter SCRAM credentials", self._admin.alter_user_scram_credentials, [deletion]
        )
        if errors.get(name):
            raise SetupError(
                f"the broker refused to delete the credential of {name}: {errors[name]}"
            )
        log.info("scram_credential_deleted", user=name, mechanism="SCRAM-SHA-512")

    def scram_users(self) -> dict[str, list[str]]:
        """Every user with a SCRAM credential: its mechanisms and iteration counts."""
        described = self._call(
            "describe SCRAM credentials", self._admin.describe_user_scram_credentials
        )
        return {
            user: [
                f"{c['mechanism'].name.replace('_', '-')}/{c['iterations']}"
                for c in info["credential_infos"]
            ]
            for user, info in sorted(described.items())
            if not info["error"]
        }

    # --- plumbing ----------------------------------------------------------------------------

    def _call(self, what: str, method: Any, *args: Any) -> Any:
        from kafka.errors import KafkaError  # noqa: PLC0415

        try:
            return method(*args)
        except KafkaError as exc:
            raise SetupError(
                f"could not {what}: {type(exc).__name__} (the admin connection needs ALTER and "
                "DESCRIBE on the cluster, e.g. the broker's super user)"
            ) from exc

    def close(self) -> None:
        self._admin.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _to_kafka(acl: Acl) -> Any:
    from kafka.admin import (  # noqa: PLC0415
        ACL,
        ACLOperation,
        ACLPermissionType,
        ACLResourcePatternType,
        ResourcePattern,
        ResourceType,
    )

    return ACL(
        principal=acl.principal,
        host=acl.host,
        operation=ACLOperation[acl.operation],
        permission_type=ACLPermissionType[acl.permission],
        resource_pattern=ResourcePattern(
            ResourceType[acl.resource], acl.name, ACLResourcePatternType[acl.pattern]
        ),
    )


def _from_kafka(acl: Any) -> Acl:
    pattern = acl.resource_pattern
    return Acl(
        principal=acl.principal,
        resource=cast("ResourceKind", pattern.resource_type.name),
        name=pattern.resource_name,
        pattern=cast("PatternKind", pattern.pattern_type.name),
        operation=cast("Operation", acl.operation.name),
        permission=cast("Permission", acl.permission_type.name),
        host=acl.host,
    )
