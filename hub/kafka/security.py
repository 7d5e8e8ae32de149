"""ACLs and SCRAM credentials through librdkafka's admin client, as plain values.

``hub.security.admin`` decides what to create and delete; this module only speaks the admin
API. ACLs travel as ``AclEntry`` with Kafka's own names (``CLUSTER``, ``LITERAL``, ``READ``),
translated here to librdkafka's enums (which call the cluster resource ``BROKER``: the same
wire code). A refusal by the broker is a ``SetupError``; a broker that does not answer is
``KafkaUnavailable``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from confluent_kafka import KafkaException
from confluent_kafka.admin import (  # type: ignore[attr-defined]
    AclBinding,
    AclBindingFilter,
    AclOperation,
    AclPermissionType,
    ResourcePatternType,
    ResourceType,
    ScramCredentialInfo,
    ScramMechanism,
    UserScramCredentialDeletion,
    UserScramCredentialUpsertion,
)

from hub.errors import SetupError
from hub.kafka.admin import KafkaAdmin
from hub.kafka.errors import KafkaUnavailable, describe, kafka_error

#: Kafka's name of a resource type -> librdkafka's (they differ only for the cluster).
_RESOURCE_IN = {"CLUSTER": "BROKER"}
_RESOURCE_OUT = {v: k for k, v in _RESOURCE_IN.items()}
_MECHANISM = ScramMechanism.SCRAM_SHA_512


@dataclass(frozen=True, slots=True)
class AclEntry:
    """One ACL binding in Kafka's names."""

    principal: str
    host: str
    resource: str
    name: str
    pattern: str
    operation: str
    permission: str


def _binding(entry: AclEntry) -> AclBinding:
    return AclBinding(*_fields(entry))


def _filter(entry: AclEntry) -> AclBindingFilter:
    return AclBindingFilter(*_fields(entry))


def _fields(entry: AclEntry) -> tuple[Any, ...]:
    """An entry in the order AclBinding and AclBindingFilter take their fields."""
    return (
        ResourceType[_RESOURCE_IN.get(entry.resource, entry.resource)],
        entry.name,
        ResourcePatternType[entry.pattern],
        entry.principal,
        entry.host,
        AclOperation[entry.operation],
        AclPermissionType[entry.permission],
    )


def _entry(binding: Any) -> AclEntry:
    resource = binding.restype.name
    return AclEntry(
        principal=binding.principal,
        host=binding.host,
        resource=_RESOURCE_OUT.get(resource, resource),
        name=binding.name,
        pattern=binding.resource_pattern_type.name,
        operation=binding.operation.name,
        permission=binding.permission_type.name,
    )


def _wait(admin: KafkaAdmin, future: Any, what: str) -> Any:
    try:
        return future.result(timeout=admin.timeout_s + 5)
    except KafkaException as exc:
        error = kafka_error(exc)
        if error is not None and error.retriable():
            raise KafkaUnavailable(f"could not {what}: {describe(exc)}") from exc
        raise SetupError(f"the broker refused to {what}: {describe(exc)}") from exc
    except TimeoutError as exc:
        raise KafkaUnavailable(f"{what} timed out") from exc


def describe_acls(admin: KafkaAdmin) -> list[AclEntry]:
    """Every ACL on the cluster."""
    none: Any = None  # a filter's "any name, principal, host" (typed as str upstream)
    everything = AclBindingFilter(
        ResourceType.ANY,
        none,
        ResourcePatternType.ANY,
        none,
        none,
        AclOperation.ANY,
        AclPermissionType.ANY,
    )
    future = admin.client.describe_acls(everything, request_timeout=admin.timeout_s)
    return [_entry(b) for b in _wait(admin, future, "describe the ACLs")]


def create_acls(admin: KafkaAdmin, entries: Sequence[AclEntry]) -> list[str]:
    """Create the ACLs; returns the broker's reason for each it refused (empty: all made)."""
    if not entries:
        return []
    futures = admin.client.create_acls(
        [_binding(e) for e in entries], request_timeout=admin.timeout_s
    )
    refused: list[str] = []
    for future in futures.values():
        try:
            _wait(admin, future, "create an ACL")
        except SetupError as exc:
            refused.append(str(exc))
    return refused


def delete_acls(admin: KafkaAdmin, entries: Sequence[AclEntry]) -> None:
    if not entries:
        return
    futures = admin.client.delete_acls(
        [_filter(e) for e in entries], request_timeout=admin.timeout_s
    )
    for future in futures.values():
        _wait(admin, future, "delete an ACL")


def alter_scram(admin: KafkaAdmin, user: str, password: str | None, iterations: int) -> str:
    """Upsert ``user``'s SCRAM-SHA-512 credential (``password`` None: delete it); returns the
    broker's refusal, or "" when it was done."""
    alteration: Any = (
        UserScramCredentialDeletion(user, _MECHANISM)
        if password is None
        else UserScramCredentialUpsertion(
            user, ScramCredentialInfo(_MECHANISM, iterations), password.encode()
        )
    )
    futures = admin.client.alter_user_scram_credentials(
        [alteration], request_timeout=admin.timeout_s
    )
    try:
        _wait(admin, futures[user], "alter SCRAM credentials")
    except SetupError as exc:
        return str(exc)
    return ""


def describe_scram(admin: KafkaAdmin) -> dict[str, list[tuple[str, int]]]:
    """Every user with a SCRAM credential: (mechanism, iterations) of each."""
    future = admin.client.describe_user_scram_credentials(request_timeout=admin.timeout_s)
    described = _wait(admin, future, "describe SCRAM credentials")
    return {
        user: [
            (info.mechanism.name.replace("_", "-"), int(info.iterations))
            for info in description.scram_credential_infos
        ]
        for user, description in described.items()
    }
