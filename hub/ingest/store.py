"""What the ingest needs from the event store, on top of the ``CaseHub`` application service.

``IngestStore`` wraps the application: the stored position of each inbound partition (its
tracking row), the partition leases (``hub.ingest.lease``) and ``record_batch``, which records
a batch's outcomes, its lease event and its tracking row in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Tracking

from hub.cases.commands import Inbound, Undecodable
from hub.ingest.lease import PartitionLease, lease_id


def tracking_name(topic: str, partition: int) -> str:
    """The tracking row of one inbound partition: ``ingest:<topic>:<partition>``."""
    return f"ingest:{topic}:{partition}"


class BatchApplication(Protocol):
    """The part of ``CaseHub`` (with its ``extra`` aggregates) the ingest uses."""

    @property
    def repository(self) -> Any: ...

    def process_batch(
        self,
        items: Sequence[Inbound | Undecodable],
        tracking: Tracking | None,
        *,
        extra: Sequence[Aggregate] = (),
    ) -> list[Any]: ...

    def max_tracking_id(self, application_name: str) -> int | None: ...

    def save(self, *objs: Any) -> Any: ...


class IngestStore:
    """Positions, leases and batches of the inbound partitions."""

    def __init__(self, app: BatchApplication) -> None:
        self.app = app

    def position(self, topic: str, partition: int) -> int | None:
        """The last offset of this partition whose outcome is stored, or None."""
        return self.app.max_tracking_id(tracking_name(topic, partition))

    def load_lease(self, topic: str, partition: int) -> PartitionLease | None:
        try:
            lease: PartitionLease = self.app.repository.get(lease_id(topic, partition))
        except AggregateNotFoundError:
            return None
        return lease

    def claim(
        self, topic: str, partition: int, claim_id: str, member_id: str
    ) -> tuple[PartitionLease, int | None]:
        """Claim the partition as ``claim_id``; returns the lease and the stored position to
        resume after.

        Raises ``IntegrityError`` when another member claimed or wrote it at the same moment
        (the caller retries: the claim is a compare-and-set on the lease's version).
        """
        lease = self.load_lease(topic, partition)
        if lease is None:
            lease = PartitionLease(topic, partition)
        position = self.position(topic, partition)
        lease.claim(claim_id, member_id, -1 if position is None else position)
        self.app.save(lease)
        return lease, position

    def record_batch(
        self,
        items: Sequence[Inbound | Undecodable],
        topic: str,
        partition: int,
        last_offset: int,
        lease: PartitionLease,
    ) -> list[Any]:
        """Record the batch's outcomes, ``lease.advance`` and the tracking row atomically."""
        lease.advance(last_offset)
        tracking = Tracking(tracking_name(topic, partition), last_offset)
        return self.app.process_batch(items, tracking, extra=(lease,))
