"""The hub's Kafka topics: their names, their settings, and ``casehub topics ensure``.

Inbound, one topic per admitted agency (``casehub.agency.<agency-id>.events``, keyed by the case
reference). Outbound, written only by the relay: ``casehub.timeline`` (every accepted event,
keyed by case id), ``casehub.feed.<agency-id>`` (that agency's cases, notices to it, receipts
for its events) and ``casehub.deadletter`` (each rejection). Internal: ``casehub.relay.position``
(compacted; the relay's last committed notification id) and ``casehub.leader`` (one partition;
its owner in the ``casehub-leader`` group runs the relay and the scheduler).

``ensure_topics`` is idempotent: it creates what is missing and leaves the rest alone.
"""

from __future__ import annotations

import argparse
import functools
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self

from hub.errors import SetupError
from hub.logging import get_logger

# The agency topic's name is the SDK's contract with the hub: the SDK owns it; re-exported.
from hub.publish.naming import agency_topic as agency_topic  # noqa: PLC0414
from hub.publish.naming import check_agency_id
from hub.settings import Settings

if TYPE_CHECKING:
    from hub.kafka.admin import KafkaAdmin

log = get_logger(__name__)

TIMELINE = "casehub.timeline"
DEADLETTER = "casehub.deadletter"
RELAY_POSITION = "casehub.relay.position"
LEADER = "casehub.leader"

INGEST_GROUP = "casehub-ingest"
LEADER_GROUP = "casehub-leader"
RELAY_TRANSACTIONAL_ID = "casehub-relay"

#: The ingest's pattern subscription: every agency's inbound topic, present and future.
INBOUND_PATTERN = r"^casehub\.agency\..+\.events$"
_INBOUND = re.compile(r"^casehub\.agency\.(?P<agency>.+)\.events$")
_FEED = re.compile(r"^casehub\.feed\.(?P<agency>.+)$")

#: Outbound history is the hub's published record: kept forever.
FOREVER = {"retention.ms": "-1"}


@functools.lru_cache(maxsize=4096)  # the relay asks for some five an event, of a few agencies
def feed_topic(agency_id: str) -> str:
    """The outbound topic an agency reads: its cases, notices to it, receipts for its events."""
    return f"casehub.feed.{check_agency_id(agency_id)}"


def agency_of_topic(topic: str) -> str | None:
    """The agency whose inbound topic this is, or None for any other topic."""
    match = _INBOUND.match(topic)
    return match["agency"] if match else None


def agency_of_feed(topic: str) -> str | None:
    match = _FEED.match(topic)
    return match["agency"] if match else None


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    replication: int
    config: dict[str, str] = field(default_factory=dict)


def hub_topics(settings: Settings) -> list[TopicSpec]:
    """The topics that exist whatever the directory holds."""
    partitions, replication = settings.topic_partitions, settings.topic_replication
    return [
        TopicSpec(TIMELINE, partitions, replication, dict(FOREVER)),
        TopicSpec(DEADLETTER, partitions, replication, dict(FOREVER)),
        TopicSpec(RELAY_POSITION, 1, replication, {"cleanup.policy": "compact"}),
        TopicSpec(LEADER, 1, replication),
    ]


def agency_topics(settings: Settings, agency_id: str) -> list[TopicSpec]:
    """An agency's inbound topic and its feed."""
    partitions, replication = settings.topic_partitions, settings.topic_replication
    return [
        TopicSpec(agency_topic(agency_id), partitions, replication),
        TopicSpec(feed_topic(agency_id), partitions, replication, dict(FOREVER)),
    ]


def planned_topics(settings: Settings, agencies: Iterable[str]) -> list[TopicSpec]:
    specs = hub_topics(settings)
    for agency_id in sorted(set(agencies)):
        specs.extend(agency_topics(settings, agency_id))
    return specs


class TopicAdmin:
    """Creates missing topics; one admin connection (``hub.kafka``), closed with the object."""

    def __init__(self, settings: Settings, *, wait_s: float = 30.0) -> None:
        # librdkafka loads on first use, not with the command line (`casehub --help` stays fast).
        from hub.kafka.admin import KafkaAdmin  # noqa: PLC0415

        self.wait_s = wait_s
        self._admin: KafkaAdmin = KafkaAdmin(settings, client_id="casehub-topics")

    def existing(self) -> set[str]:
        return set(self._admin.topics())

    def ensure(self, specs: Sequence[TopicSpec]) -> list[str]:
        """Create every topic of ``specs`` that does not exist yet; returns the ones created.

        Returns once every partition of each new topic has a leader, so that a producer or a
        consumer started next finds it whole.
        """
        from hub.kafka.admin import NewTopicSpec  # noqa: PLC0415

        existing = self.existing()
        missing = [s for s in specs if s.name not in existing]
        if not missing:
            return []
        created = self._admin.create_topics(
            [NewTopicSpec(s.name, s.partitions, s.replication, s.config) for s in missing]
        )
        for spec in missing:
            self._wait_for_leaders(spec)
        return created

    def _wait_for_leaders(self, spec: TopicSpec) -> None:
        from hub.kafka.errors import KafkaUnavailable  # noqa: PLC0415

        deadline = time.monotonic() + self.wait_s
        while True:
            try:
                leaders = self._admin.partition_leaders(spec.name)
            except SetupError:  # not in the metadata yet
                leaders = {}
            if len(leaders) >= spec.partitions and all(b >= 0 for b in leaders.values()):
                return
            if time.monotonic() > deadline:
                raise KafkaUnavailable(
                    f"topic {spec.name} has no leader for every partition after {self.wait_s:.0f}s"
                )
            time.sleep(0.1)

    def close(self) -> None:
        self._admin.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def ensure_topics(settings: Settings, agencies: Iterable[str]) -> list[str]:
    """Create every topic the hub and the given agencies need; returns the ones created."""
    with TopicAdmin(settings) as admin:
        return admin.ensure(planned_topics(settings, agencies))


# --- the command group ------------------------------------------------------------------------


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("topics", help="the hub's Kafka topics")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")
    verbs.required = True
    ensure = verbs.add_parser(
        "ensure", help="create the hub's topics and every admitted agency's (idempotent)"
    )
    ensure.add_argument("--store", choices=("sqlite", "postgres"), help="event store to read")
    ensure.add_argument(
        "--agency", action="append", default=[], help="also an agency not yet in the directory"
    )
    ensure.set_defaults(func=_ensure_command)


def _ensure_command(args: argparse.Namespace, settings: Settings) -> int:
    from hub.bootstrap import open_probe_hub  # noqa: PLC0415

    if args.store:
        settings = settings.with_overrides(store=args.store)
    with open_probe_hub(settings) as app:
        agencies = set(app.agency_ids()) | set(args.agency)
    created = ensure_topics(settings, agencies)
    for name in created:
        print(f"created {name}")
    print(f"{len(created)} topic(s) created; {len(agencies)} agencies in the directory")
    return 0
