"""The admin client: topics, offsets, groups and cluster facts, with bounded waits.

Every call waits at most ``timeout_s`` and turns librdkafka's errors into the hub's:
``KafkaUnavailable`` when the cluster does not answer, ``SetupError`` when it refuses.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Self

from confluent_kafka import (
    ConsumerGroupTopicPartitions,
    IsolationLevel,
    KafkaError,
    KafkaException,
    TopicPartition,
)
from confluent_kafka.admin import NewTopic, OffsetSpec  # type: ignore[attr-defined]

from hub.errors import SetupError
from hub.kafka.clients import admin_client
from hub.kafka.errors import UNREACHABLE, KafkaUnavailable, describe
from hub.logging import get_logger
from hub.settings import Settings

log = get_logger(__name__)

_LATEST: Any = OffsetSpec.latest()  # type: ignore[no-untyped-call]
_EARLIEST: Any = OffsetSpec.earliest()  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class NewTopicSpec:
    name: str
    partitions: int
    replication: int
    config: Mapping[str, str]


@dataclass(frozen=True)
class GroupDescription:
    group: str
    state: str
    members: int
    #: (topic, partition) -> member id, for every assigned partition
    assignment: Mapping[tuple[str, int], str]


class KafkaAdmin:
    """One admin connection, closed with the object (``with KafkaAdmin(settings) as admin``)."""

    def __init__(
        self,
        settings: Settings,
        *,
        client_id: str = "casehub-admin",
        timeout_s: float = 15.0,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        self.timeout_s = timeout_s
        self.servers = ",".join(settings.bootstrap_servers)
        #: librdkafka's last word that no broker can be reached ("" while none came).
        self._unreachable = ""
        self._admin = admin_client(
            settings, client_id=client_id, extra={"error_cb": self._on_error, **dict(extra or {})}
        )

    def _on_error(self, error: KafkaError) -> None:
        if error.code() in UNREACHABLE:
            self._unreachable = describe(error)

    # --- topics ---------------------------------------------------------------------------------
    def topics(self) -> dict[str, int]:
        """Every topic's name and partition count (internal topics left out)."""
        metadata = self._call(lambda t: self._admin.list_topics(timeout=t))
        return {
            name: len(t.partitions)
            for name, t in metadata.topics.items()
            if not name.startswith("__") and t.error is None
        }

    def partition_leaders(self, topic: str) -> dict[int, int]:
        """partition -> the broker id that leads it (-1 while none does)."""
        metadata = self._call(lambda t: self._admin.list_topics(topic, timeout=t))
        found = metadata.topics.get(topic)
        if found is None or found.error is not None:
            raise SetupError(f"topic {topic} does not exist")
        return {p: int(m.leader) for p, m in found.partitions.items()}

    def brokers(self) -> dict[int, str]:
        """broker id -> host:port, of the brokers the cluster reports alive."""
        metadata = self._call(lambda t: self._admin.list_topics(timeout=t))
        return {int(b.id): f"{b.host}:{b.port}" for b in metadata.brokers.values()}

    def controller_id(self) -> int:
        """The broker id the cluster names as its controller (-1 while it names none)."""
        metadata = self._call(lambda t: self._admin.list_topics(timeout=t))
        return int(metadata.controller_id)

    def in_sync_replicas(self, topic: str) -> dict[int, tuple[int, tuple[int, ...]]]:
        """partition -> (replication factor, the broker ids of its in-sync replicas)."""
        metadata = self._call(lambda t: self._admin.list_topics(topic, timeout=t))
        found = metadata.topics.get(topic)
        if found is None or found.error is not None:
            raise SetupError(f"topic {topic} does not exist")
        return {
            p: (len(m.replicas), tuple(sorted(int(b) for b in m.isrs)))
            for p, m in found.partitions.items()
        }

    def create_topics(self, specs: Sequence[NewTopicSpec]) -> list[str]:
        """Create each topic; an existing one is not an error. Returns those created."""
        if not specs:
            return []
        futures = self._admin.create_topics(
            [
                NewTopic(
                    s.name,
                    num_partitions=s.partitions,
                    replication_factor=s.replication,
                    config=dict(s.config),
                )
                for s in specs
            ],
            operation_timeout=self.timeout_s,
            request_timeout=self.timeout_s,
        )
        created: list[str] = []
        for name, future in futures.items():
            try:
                future.result(timeout=self.timeout_s + 5)
            except KafkaException as exc:
                error = exc.args[0]
                if error.code() == KafkaError.TOPIC_ALREADY_EXISTS:
                    continue
                if error.retriable():
                    raise KafkaUnavailable(
                        f"could not create topic {name}: {describe(exc)}"
                    ) from exc
                raise SetupError(f"could not create topic {name}: {describe(exc)}") from exc
            except TimeoutError as exc:
                raise KafkaUnavailable(f"creating topic {name} timed out") from exc
            created.append(name)
            log.info("topic_created", topic=name)
        return created

    def delete_topics(self, names: Iterable[str]) -> None:
        names = list(names)
        if not names:
            return
        futures = self._admin.delete_topics(names, operation_timeout=self.timeout_s)
        for name, future in futures.items():
            try:
                future.result(timeout=self.timeout_s + 5)
            except KafkaException as exc:
                if exc.args[0].code() != KafkaError.UNKNOWN_TOPIC_OR_PART:
                    raise SetupError(f"could not delete topic {name}: {describe(exc)}") from exc

    # --- offsets --------------------------------------------------------------------------------
    def end_offsets(
        self, partitions: Iterable[tuple[str, int]], *, committed_only: bool = False
    ) -> dict[tuple[str, int], int]:
        """Each partition's end: the high watermark, or with ``committed_only`` the last stable
        offset (what a ``read_committed`` reader can reach)."""
        return self._offsets(partitions, _LATEST, committed_only=committed_only)

    def beginning_offsets(
        self, partitions: Iterable[tuple[str, int]]
    ) -> dict[tuple[str, int], int]:
        return self._offsets(partitions, _EARLIEST, committed_only=False)

    def _offsets(
        self, partitions: Iterable[tuple[str, int]], spec: Any, *, committed_only: bool
    ) -> dict[tuple[str, int], int]:
        request = {TopicPartition(t, p): spec for t, p in partitions}
        if not request:
            return {}
        isolation = (
            IsolationLevel.READ_COMMITTED if committed_only else IsolationLevel.READ_UNCOMMITTED
        )
        futures = self._admin.list_offsets(
            request, isolation_level=isolation, request_timeout=self.timeout_s
        )
        out: dict[tuple[str, int], int] = {}
        for tp, future in futures.items():
            info = self._result(future, f"offsets of {tp.topic}[{tp.partition}]")
            out[(tp.topic, tp.partition)] = int(info.offset)
        return out

    # --- groups ---------------------------------------------------------------------------------
    def groups(self) -> list[str]:
        future = self._admin.list_consumer_groups(request_timeout=self.timeout_s)
        result = self._result(future, "the list of consumer groups")
        return sorted(g.group_id for g in result.valid)

    def group_states(self) -> dict[str, str]:
        """Every consumer group's state, by name (``STABLE``, ``EMPTY``, ``DEAD``, ...)."""
        future = self._admin.list_consumer_groups(request_timeout=self.timeout_s)
        result = self._result(future, "the list of consumer groups")
        return {g.group_id: getattr(g.state, "name", str(g.state)) for g in result.valid}

    def delete_groups(self, groups: Iterable[str]) -> list[str]:
        """Delete the groups (each must have no members); returns those deleted. A group that
        does not exist is not an error; one that still has members is a ``SetupError``."""
        groups = list(groups)
        if not groups:
            return []
        futures = self._admin.delete_consumer_groups(groups, request_timeout=self.timeout_s)
        deleted: list[str] = []
        for group, future in futures.items():
            try:
                future.result(timeout=self.timeout_s + 5)
            except KafkaException as exc:
                code = exc.args[0].code()
                if code == KafkaError.GROUP_ID_NOT_FOUND:
                    continue
                if code == KafkaError.NON_EMPTY_GROUP:
                    raise SetupError(f"group {group} still has members") from exc
                raise KafkaUnavailable(f"could not delete group {group}: {describe(exc)}") from exc
            except TimeoutError as exc:
                raise KafkaUnavailable(f"deleting group {group} timed out") from exc
            deleted.append(group)
        return deleted

    def committed(self, group: str) -> dict[tuple[str, int], int]:
        """The group's committed offsets (partitions with none are left out)."""
        futures = self._admin.list_consumer_group_offsets(
            [ConsumerGroupTopicPartitions(group)], request_timeout=self.timeout_s
        )
        result = self._result(futures[group], f"offsets of group {group}")
        return {
            (tp.topic, tp.partition): int(tp.offset)
            for tp in result.topic_partitions or []
            if tp.offset >= 0
        }

    def set_committed(self, group: str, offsets: Mapping[tuple[str, int], int]) -> None:
        """Set a group's committed offsets (the group must have no active member): for tools
        and tests that stand in for a consumer; a group that does not exist is created."""
        request = ConsumerGroupTopicPartitions(
            group, [TopicPartition(t, p, o) for (t, p), o in offsets.items()]
        )
        futures = self._admin.alter_consumer_group_offsets(
            [request], request_timeout=self.timeout_s
        )
        result = self._result(futures[group], f"offsets of group {group}")
        for tp in result.topic_partitions or []:
            if tp.error is not None:
                raise SetupError(
                    f"could not set {group}'s offset of {tp.topic}[{tp.partition}]: {tp.error}"
                )

    def describe_group(self, group: str) -> GroupDescription:
        futures = self._admin.describe_consumer_groups([group], request_timeout=self.timeout_s)
        found = self._result(futures[group], f"group {group}")
        assignment: dict[tuple[str, int], str] = {}
        for member in found.members or []:
            for tp in member.assignment.topic_partitions if member.assignment else []:
                assignment[(tp.topic, tp.partition)] = member.member_id
        state = getattr(found.state, "name", str(found.state))
        return GroupDescription(group, state, len(found.members or []), assignment)

    # --- plumbing -------------------------------------------------------------------------------
    def _call(self, fn: Any) -> Any:
        """``fn(timeout)``, asked again every second until ``timeout_s``: it gives up at once
        when librdkafka says no broker can be reached at all."""
        deadline = time.monotonic() + self.timeout_s
        while True:
            try:
                return fn(max(0.1, min(1.0, deadline - time.monotonic())))
            except KafkaException as exc:
                self._admin.poll(0)  # serve error_cb
                if self._unreachable or time.monotonic() >= deadline:
                    raise KafkaUnavailable(
                        f"no Kafka broker answers at {self.servers}: "
                        f"{self._unreachable or describe(exc)}"
                    ) from exc

    def _result(self, future: Any, what: str) -> Any:
        deadline = time.monotonic() + self.timeout_s + 5
        while True:
            try:
                return future.result(timeout=max(0.1, min(1.0, deadline - time.monotonic())))
            except KafkaException as exc:
                raise KafkaUnavailable(f"could not read {what}: {describe(exc)}") from exc
            except TimeoutError as exc:
                self._admin.poll(0)  # serve error_cb
                if self._unreachable:
                    raise KafkaUnavailable(
                        f"could not read {what}: no Kafka broker answers at {self.servers}: "
                        f"{self._unreachable}"
                    ) from exc
                if time.monotonic() >= deadline:
                    raise KafkaUnavailable(f"reading {what} timed out") from exc

    @property
    def client(self) -> Any:
        """The admin client itself, for ``hub.security.admin`` (SCRAM users and ACLs)."""
        return self._admin

    def close(self) -> None:
        self._admin.poll(0)  # serve queued log lines

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
