"""Leadership: which hub instance runs the relay and the deadline scheduler.

Every instance joins consumer group ``casehub-leader`` on the one-partition ``casehub.leader``
topic; the member the group assigns partition 0 is the leader. Kafka's group protocol does the
election and the failure detection (a killed leader's session expires within
``session_timeout_ms``, and the partition moves). Two instances may briefly both believe they
lead (a paused leader wakes before it notices); that is safe because the relay's stable
``transactional_id`` fences the older producer, and the scheduler's work is idempotent.

Leadership holds only while the consumer is a stable member owning partition 0 whose heartbeats
the coordinator answers (checked after every poll, not only in the rebalance listener).
kafka-python 3.0.12 throws away a JoinGroup/SyncGroup round that completes between two polls
and sends a new JoinGroup (which, from the group's leader, starts yet another rebalance): with
short polls on a loaded machine a member may never get back in. So while out of the group the
consumer polls ``rejoin_poll_timeout_ms`` at a time, and a consumer that has still not been a
stable member for ``rejoin_after_s`` (or whose member id the broker forgot) is closed and
replaced by a new one, which joins afresh.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from hub.logging import get_logger
from hub.settings import Settings
from hub.topics import LEADER, LEADER_GROUP, kafka_config

log = get_logger(__name__)


def stable_member(consumer: Any, session_timeout_ms: int) -> bool:
    """The consumer is a stable member of its group, and the coordinator said so lately.

    A member whose heartbeats have gone unanswered for a whole session has been (or is about to
    be) dropped by the broker, whatever its own state says: kafka-python 3.0.12 can keep
    ``STABLE`` after its heartbeat loop died, until ``LeaveGroup`` fails with
    ``UnknownMemberIdError``.
    """
    from kafka.structs import MemberState  # noqa: PLC0415

    if consumer.group_metadata().state != MemberState.STABLE:
        return False
    heartbeat = getattr(getattr(consumer, "_coordinator", None), "heartbeat", None)
    if heartbeat is None:  # pragma: no cover - another kafka-python
        return True
    answered = max(heartbeat.last_receive, heartbeat.last_reset)
    return bool(time.monotonic() - answered <= session_timeout_ms / 1000)


@dataclass(frozen=True)
class LeadershipOptions:
    session_timeout_ms: int = 6000
    heartbeat_interval_ms: int = 1000
    poll_timeout_ms: int = 200
    #: Poll timeout while out of the group: long enough for a whole JoinGroup/SyncGroup round
    #: (kafka-python 3.0.12 throws away a join that completes between two polls and joins again).
    rejoin_poll_timeout_ms: int = 3000
    #: A consumer that has not been a stable group member for this long is replaced.
    rejoin_after_s: float = 20.0
    close_timeout_ms: int = 3000


class Leadership:
    """Runs the election in its own thread (``run``); others ask ``is_leader``/``wait``."""

    def __init__(
        self, settings: Settings, stop: threading.Event, options: LeadershipOptions | None = None
    ) -> None:
        self.settings = settings
        self.stop = stop
        self.options = options or LeadershipOptions()
        self._leader = threading.Event()
        self._changed = threading.Condition()
        #: The group member of the moment (a new one after a replacement).
        self.consumer: Any = None

    def is_leader(self) -> bool:
        return self._leader.is_set() and not self.stop.is_set()

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds to be the leader; True if it is."""
        return self._leader.wait(timeout) and not self.stop.is_set()

    def _set(self, leading: bool) -> None:
        if leading and not self._leader.is_set():
            self._leader.set()
            log.info("leadership_gained", topic=LEADER, group=LEADER_GROUP)
        elif not leading and self._leader.is_set():
            self._leader.clear()
            log.info("leadership_lost", topic=LEADER, group=LEADER_GROUP)

    def run(self) -> None:
        from kafka.errors import KafkaError  # noqa: PLC0415

        backoff = 0.5
        try:
            while not self.stop.is_set():
                try:
                    self.consumer = self._join()
                except KafkaError as exc:  # no broker to bootstrap from: try again
                    log.warning("kafka_unavailable", stage="leadership", error=str(exc)[:200])
                    self.stop.wait(backoff)
                    backoff = min(backoff * 2, 5.0)
                    continue
                backoff = 0.5
                if self.consumer is None:
                    return
                self._follow(self.consumer, KafkaError)
                self._set(leading=False)
                self._close(self.consumer)
                self.consumer = None
        finally:
            self._set(leading=False)
            if self.consumer is not None:
                self._close(self.consumer)

    def _join(self) -> Any:
        """A new consumer subscribed to the leader topic (None when stopped meanwhile)."""
        from kafka import ConsumerRebalanceListener, KafkaConsumer  # noqa: PLC0415
        from kafka.errors import KafkaError  # noqa: PLC0415

        election = self

        class Listener(ConsumerRebalanceListener):  # type: ignore[misc]
            def on_partitions_revoked(self, revoked: Any) -> None:
                if revoked:
                    election._set(leading=False)

            def on_partitions_assigned(self, assigned: Any) -> None:
                election._set(leading=any(tp.partition == 0 for tp in assigned))

        o = self.options
        consumer: Any = KafkaConsumer(
            **kafka_config(self.settings),
            group_id=LEADER_GROUP,
            client_id="casehub-leader",
            enable_auto_commit=False,
            session_timeout_ms=o.session_timeout_ms,
            heartbeat_interval_ms=o.heartbeat_interval_ms,
            max_poll_interval_ms=max(10000, 3 * o.session_timeout_ms),
            allow_auto_create_topics=False,
            # A subscription that joined before the topic's metadata arrived is assigned
            # nothing until the next refresh: keep that short.
            metadata_max_age_ms=3000,
        )
        while not self._leader_topic_known(consumer, KafkaError):
            if self.stop.wait(0.5):
                self._close(consumer)
                return None
            log.info("leader_topic_waiting", topic=LEADER)
        consumer.subscribe([LEADER], listener=Listener())
        return consumer

    def _follow(self, consumer: Any, error: type[Exception]) -> None:
        """Poll until stopped, or until the consumer has been out of the group too long."""
        o = self.options
        backoff = 0.2
        stable_at = time.monotonic()
        stable = False
        while not self.stop.is_set():
            try:
                consumer.poll(timeout_ms=o.poll_timeout_ms if stable else o.rejoin_poll_timeout_ms)
            except error as exc:  # the broker is away: keep trying
                log.warning("kafka_unavailable", stage="leadership", error=str(exc)[:200])
                self.stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
            else:
                backoff = 0.2
            stable = stable_member(consumer, o.session_timeout_ms)
            if stable:
                stable_at = time.monotonic()
                self._set(leading=any(tp.partition == 0 for tp in consumer.assignment()))
                continue
            self._set(leading=False)
            if time.monotonic() - stable_at > o.rejoin_after_s:
                log.warning(
                    "leadership_consumer_replaced",
                    group=LEADER_GROUP,
                    unstable_for_s=round(time.monotonic() - stable_at, 1),
                    state=str(getattr(consumer.group_metadata(), "state", "")),
                )
                return

    def _close(self, consumer: Any) -> None:
        try:
            consumer.close(autocommit=False, timeout_ms=self.options.close_timeout_ms)
        except Exception as exc:  # noqa: BLE001 - a broken consumer is dropped all the same
            log.warning("leadership_close_failed", error=str(exc)[:200])

    @staticmethod
    def _leader_topic_known(consumer: Any, error: type[Exception]) -> bool:
        try:
            return bool(consumer.partitions_for_topic(LEADER))
        except error:
            return False
