"""Leadership: which hub instance runs the relay and the deadline scheduler.

Every instance joins consumer group ``casehub-leader`` on the one-partition ``casehub.leader``
topic; the member the group assigns partition 0 is the leader. Kafka's group protocol does the
election and the failure detection (a killed leader's session expires within
``session_timeout_ms``, and the partition moves). Two instances may briefly both believe they
lead (a paused leader wakes before it notices); that is safe because the relay's stable
``transactional_id`` fences the older producer, and the scheduler's work is idempotent.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from hub.logging import get_logger
from hub.settings import Settings
from hub.topics import LEADER, LEADER_GROUP, kafka_config

log = get_logger(__name__)


@dataclass(frozen=True)
class LeadershipOptions:
    session_timeout_ms: int = 6000
    heartbeat_interval_ms: int = 1000
    poll_timeout_ms: int = 200


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
        while not self._leader_topic_known(consumer, KafkaError) and not self.stop.wait(0.5):
            log.info("leader_topic_waiting", topic=LEADER)
        consumer.subscribe([LEADER], listener=Listener())
        backoff = 0.2
        try:
            while not self.stop.is_set():
                try:
                    consumer.poll(timeout_ms=o.poll_timeout_ms)
                except KafkaError as exc:  # the broker is away: keep trying
                    log.warning("kafka_unavailable", stage="leadership", error=str(exc)[:200])
                    self.stop.wait(backoff)
                    backoff = min(backoff * 2, 5.0)
                    continue
                backoff = 0.2
        finally:
            self._set(leading=False)
            consumer.close(autocommit=False)

    @staticmethod
    def _leader_topic_known(consumer: Any, error: type[Exception]) -> bool:
        try:
            return bool(consumer.partitions_for_topic(LEADER))
        except error:
            return False
