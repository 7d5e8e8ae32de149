"""Per-partition leases: the fencing token that keeps a deposed ingest instance from writing.

The tracking row of a partition only checks that offsets increase, so a paused instance whose
partitions were taken over could, on waking, still write a batch the new owner has not reached
yet. Each inbound partition therefore has a ``PartitionLease`` aggregate (id: uuid5 of the
topic and partition), and every batch appends one event to it *in the same transaction* as
the batch's case events, rejections and tracking row:

- when the group assigns the partition, the new owner loads the lease and appends ``Claimed``
  (a claim id of its own, its member id, and the position it resumes from); the store's
  optimistic concurrency on (lease id, version) makes this a compare-and-set, so the position
  it read and the claim it wrote cannot be separated by another writer;
- each batch appends ``Advanced`` (the batch's last offset) at the next version. If anyone
  else has written the lease since this instance loaded it (a newer claim), the transaction
  fails with ``IntegrityError`` and nothing of the batch is stored: the stale instance is
  fenced. It re-reads the lease, sees a claim that is not its own, and stops writing that
  partition until the group gives it the partition again.

A claim is identified by its own id (uuid4, one per claim): librdkafka's group member (KIP-848)
exposes no group generation, and a member id alone would not tell two claims of the same
member apart (a partition revoked and assigned back). The newest claim always wins. Claims
recorded before (version 1) carried the group ``generation``; they are upcast to a claim id
that no new claim can equal, so an old lease is simply claimed over.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from hub.ids import CASE_NAMESPACE


def lease_id(topic: str, partition: int) -> UUID:
    """The lease of one inbound partition: uuid5 of ``lease/<topic>/<partition>``."""
    return uuid5(CASE_NAMESPACE, f"lease/{topic}/{partition}")


class PartitionLease(Aggregate):
    """Who may write one inbound partition's batches, and up to which offset they have."""

    @event("Opened")
    def __init__(self, topic: str, partition: int) -> None:
        self.topic = topic
        self.partition = partition
        self.claim_id = ""
        self.member_id = ""
        self.claims = 0
        self.offset = -1

    @classmethod
    def create_id(cls, topic: str, partition: int) -> UUID:
        return lease_id(topic, partition)

    class Claimed(Aggregate.Event):
        """A group member took the partition; it resumes after ``resume_after``."""

        class_version = 2

        claim_id: str
        member_id: str
        resume_after: int

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # Version 1 named the claim by the kafka-python group generation.
            state["claim_id"] = f"generation-{state.pop('generation')}"

        def apply(self, aggregate: Any) -> None:
            lease = cast("PartitionLease", aggregate)
            lease.claim_id = self.claim_id
            lease.member_id = self.member_id
            lease.claims += 1
            lease.offset = self.resume_after

    def claim(self, claim_id: str, member_id: str, resume_after: int) -> None:
        """Record a claim: ``claim_id`` holds the lease from now on."""
        self.trigger_event(
            self.Claimed, claim_id=claim_id, member_id=member_id, resume_after=resume_after
        )

    @event("Advanced")
    def advance(self, offset: int) -> None:
        """A batch up to ``offset`` was recorded by the current claimant."""
        self.offset = offset

    def held_by(self, claim_id: str) -> bool:
        return bool(claim_id) and self.claim_id == claim_id

    def describe(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "partition": self.partition,
            "claim_id": self.claim_id,
            "member_id": self.member_id,
            "claims": self.claims,
            "offset": self.offset,
            "version": self.version,
        }

    if TYPE_CHECKING:
        topic: str
        partition: int
        claim_id: str
        member_id: str
        claims: int
        offset: int
