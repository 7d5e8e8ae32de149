"""Round-robin partition assignment over every agency topic, robust to new topics.

With many agency topics of few partitions each, kafka-python's ``range`` assignor gives every
topic's partition 0 to the same member, so one instance does most of the work. Its
``roundrobin`` assignor spreads them, but in kafka-python 3.0.12 it fails with ``KeyError``
when the members' subscriptions differ for a moment (one member's pattern already matched a
just-created agency topic, another's not yet): the skip loop reads a member id where it holds
an ``(instance id, member id)`` pair. This is that assignor with the loop fixed; every hub
instance runs it under its own protocol name.
"""

from __future__ import annotations

import collections
from typing import Any

from kafka.coordinator.assignors.abstract import ConsumerProtocolAssignment
from kafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
from kafka.structs import TopicPartition


class AgencyRoundRobinAssignor(RoundRobinPartitionAssignor):  # type: ignore[misc]
    name = "casehub-roundrobin"

    @classmethod
    def assign(cls, cluster: Any, members: Any) -> dict[str, Any]:
        member_topics = {m.member_id: set(m.metadata.topics) for m in members}
        topics = set().union(*member_topics.values()) if member_topics else set()
        partitions = sorted(
            TopicPartition(topic, p)
            for topic in topics
            for p in (cluster.partitions_for_topic(topic) or ())
        )
        static = sorted((m.group_instance_id, m.member_id) for m in members if m.group_instance_id)
        dynamic = sorted(m.member_id for m in members if not m.group_instance_id)
        order = [member_id for _, member_id in static] + dynamic
        assignment: dict[str, dict[str, list[int]]] = collections.defaultdict(
            lambda: collections.defaultdict(list)
        )
        turn = 0
        for tp in partitions:
            for _ in range(len(order)):
                member_id = order[turn % len(order)]
                turn += 1
                if tp.topic in member_topics[member_id]:
                    assignment[member_id][tp.topic].append(tp.partition)
                    break
        return {
            m.member_id: ConsumerProtocolAssignment(
                cls.version, sorted(assignment[m.member_id].items()), b""
            )
            for m in members
        }
