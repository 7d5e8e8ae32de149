"""Per-partition leases: the fencing token that keeps a deposed ingest instance from writing.

The tracking row of a partition only checks that offsets increase, so a paused instance whose
partitions were taken over could, on waking, still write a batch the new owner has not reached
yet. Each inbound partition therefore has a ``PartitionLease`` aggregate (id: uuid5 of the
topic and partition), and every batch appends one event to it *in the same transaction* as
the batch's case events, rejections and tracking row:

- on assignment the new owner loads the lease and appends ``Claimed`` (its consumer-group
  generation and member id, and the position it resumes from); the store's optimistic
  concurrency on (lease id, version) makes this a compare-and-set, so the position it read and
  the claim it wrote cannot be separated by another writer;
- each batch appends ``Advanced`` (the batch's last offset) at the next version. If anyone
  else has written the lease since this instance loaded it (a newer claim), the transaction
  fails with ``IntegrityError`` and nothing of the batch is stored: the stale instance is
  fenced. It re-reads the lease, sees a claim that is not its own, and stops writing that
  partition until the group gives it the partition again.

The generation is kept on every claim so an operator can read who owned what and when; a
claim from a generation older than the stored one is logged (it can only come from an
instance paused inside its own rebalance, and the group's next rebalance corrects it). The
newest claim always wins, so a group that Kafka deleted and recreated (generation restarting
from 1) never locks the hub out.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from hub.cases.ids import CASE_NAMESPACE


def lease_id(topic: str, partition: int) -> UUID:
    """The lease of one inbound partition: uuid5 of ``lease/<topic>/<partition>``."""
    return uuid5(CASE_NAMESPACE, f"lease/{topic}/{partition}")


class PartitionLease(Aggregate):
    """Who may write one inbound partition's batches, and up to which offset they have."""

    @event("Opened")
    def __init__(self, topic: str, partition: int) -> None:
        self.topic = topic
        self.partition = partition
        self.generation = -1
        self.member_id = ""
        self.claims = 0
        self.offset = -1

    @classmethod
    def create_id(cls, topic: str, partition: int) -> UUID:
        return lease_id(topic, partition)

    @event("Claimed")
    def claim(self, generation: int, member_id: str, resume_after: int) -> None:
        """A group member took the partition; it resumes after ``resume_after``."""
        self.generation = generation
        self.member_id = member_id
        self.claims += 1
        self.offset = resume_after

    @event("Advanced")
    def advance(self, offset: int) -> None:
        """A batch up to ``offset`` was recorded by the current claimant."""
        self.offset = offset

    def held_by(self, generation: int, member_id: str) -> bool:
        return self.generation == generation and self.member_id == member_id

    def describe(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "partition": self.partition,
            "generation": self.generation,
            "member_id": self.member_id,
            "claims": self.claims,
            "offset": self.offset,
            "version": self.version,
        }
