"""Leadership: which hub instance runs the relay and the deadline scheduler.

Every instance is a member (``hub.kafka.group.GroupMember``) of group ``casehub-leader`` on the
one-partition ``casehub.leader`` topic; the member the group assigns partition 0 is the leader.
The broker runs the election and the failure detection (KIP-848): a killed leader's session
expires after ``group.consumer.session.timeout.ms`` (6 s on the project's brokers) and the
partition moves to another member, within 12 s in all.

Leadership is gained in the member's ``claim`` callback and lost in ``release`` (revoked or
lost). Each gain starts a new *term* (``term()``), so a duty that was fenced can wait for a
term newer than the one it was fenced in instead of fighting the new leader. Two instances may
briefly both believe they lead (a member cut off from the coordinator keeps its assignment
until it hears back); that is safe because the relay's stable ``transactional_id`` fences the
older producer, and the scheduler's work is idempotent.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hub.kafka.group import ConsumerFailed, GroupMember, Partition, Start
from hub.logging import get_logger
from hub.settings import Settings
from hub.topics import LEADER, LEADER_GROUP

log = get_logger(__name__)


@dataclass(frozen=True)
class LeadershipOptions:
    poll_timeout_ms: int = 200
    client_id: str = "casehub-leader"
    #: librdkafka consumer properties on top of the group member's.
    extra_consumer_config: dict[str, Any] = field(default_factory=dict)


class Leadership:
    """Runs the election in its own thread (``run``); others ask ``is_leader``/``wait``/``term``."""

    def __init__(
        self, settings: Settings, stop: threading.Event, options: LeadershipOptions | None = None
    ) -> None:
        self.settings = settings
        self.stop = stop
        self.options = options or LeadershipOptions()
        self._leader = threading.Event()
        self._lock = threading.Lock()
        self._term = 0
        #: The group member of the moment (a new one after a fatal client error).
        self.member: GroupMember | None = None

    def is_leader(self) -> bool:
        return self._leader.is_set() and not self.stop.is_set()

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds to be the leader; True if it is."""
        return self._leader.wait(timeout) and not self.stop.is_set()

    def term(self) -> int:
        """How many times this instance has gained leadership (0: never yet)."""
        with self._lock:
            return self._term

    def _set(self, *, leading: bool) -> None:
        with self._lock:
            if leading and not self._leader.is_set():
                self._term += 1
                self._leader.set()
                log.info("leadership_gained", topic=LEADER, group=LEADER_GROUP, term=self._term)
            elif not leading and self._leader.is_set():
                self._leader.clear()
                log.info("leadership_lost", topic=LEADER, group=LEADER_GROUP, term=self._term)

    # --- the member's callbacks (inside poll) -------------------------------------------------
    def _claim(self, partitions: list[Partition]) -> Mapping[Partition, Start]:
        if (LEADER, 0) in partitions:
            self._set(leading=True)
        return dict.fromkeys(partitions)  # nothing is ever read from the leader topic

    def _release(self, partitions: list[Partition], lost: bool) -> None:
        if (LEADER, 0) in partitions:
            if lost:
                log.warning("leadership_session_lost", group=LEADER_GROUP)
            self._set(leading=False)

    # --- the thread ---------------------------------------------------------------------------
    def _join(self) -> GroupMember:
        member = GroupMember(
            self.settings,
            group=LEADER_GROUP,
            client_id=self.options.client_id,
            claim=self._claim,
            release=self._release,
            extra=self.options.extra_consumer_config,
        )
        member.subscribe([LEADER])
        return member

    def run(self) -> None:
        timeout_s = self.options.poll_timeout_ms / 1000
        try:
            while not self.stop.is_set():
                self.member = self._join()
                try:
                    while not self.stop.is_set():
                        self.member.poll(max_records=1, timeout_s=timeout_s)
                except ConsumerFailed as exc:  # the client is unusable: join with a new one
                    log.warning("leadership_member_failed", group=LEADER_GROUP, error=str(exc))
                    self._set(leading=False)
                    self.member.close()
                    self.member = None
                    self.stop.wait(1.0)
        finally:
            self._set(leading=False)
            if self.member is not None:
                # Leaving the group hands partition 0 to another instance at once.
                self.member.close()
                self.member = None
