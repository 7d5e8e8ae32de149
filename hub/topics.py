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
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Self

from hub.errors import SetupError
from hub.kafka_config import kafka_config as _client_config
from hub.logging import get_logger
from hub.settings import Settings

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
#: What Kafka allows in a topic name, less the dot that separates our name parts.
_AGENCY_ID = re.compile(r"^[A-Za-z0-9_-]{1,200}$")

#: Outbound history is the hub's published record: kept forever.
FOREVER = {"retention.ms": "-1"}


def _check_agency(agency_id: str) -> str:
    if not _AGENCY_ID.match(agency_id):
        raise SetupError(
            f"agency id {agency_id!r} cannot name a Kafka topic: use letters, digits, - and _"
        )
    return agency_id


def agency_topic(agency_id: str) -> str:
    """The inbound topic an agency publishes to."""
    return f"casehub.agency.{_check_agency(agency_id)}.events"


def feed_topic(agency_id: str) -> str:
    """The outbound topic an agency reads: its cases, notices to it, receipts for its events."""
    return f"casehub.feed.{_check_agency(agency_id)}"


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


def kafka_config(settings: Settings) -> dict[str, Any]:
    """kafka-python's connection arguments, built by ``hub.kafka_config`` (the one place: SASL
    user, the password masked as ``********`` in any log or repr, TLS CA); the pipeline's
    modules import it from here."""
    return _client_config(settings)


class TopicAdmin:
    """Creates missing topics; one admin connection, closed with the object."""

    def __init__(self, settings: Settings) -> None:
        from kafka import KafkaAdminClient  # noqa: PLC0415 - keep `casehub --help` fast

        self._admin: Any = KafkaAdminClient(
            **kafka_config(settings), client_id="casehub-topics", request_timeout_ms=15000
        )

    def existing(self) -> set[str]:
        return set(self._admin.list_topics())

    def ensure(self, specs: Sequence[TopicSpec]) -> list[str]:
        """Create every topic of ``specs`` that does not exist yet; returns the ones created."""
        from kafka.errors import TopicAlreadyExistsError  # noqa: PLC0415

        missing = [s for s in specs if s.name not in self.existing()]
        if not missing:
            return []
        request = {
            s.name: {
                "num_partitions": s.partitions,
                "replication_factor": s.replication,
                "configs": s.config,
            }
            for s in missing
        }
        response = self._admin.create_topics(request, raise_errors=False)
        created: list[str] = []
        for topic in response["topics"]:
            code = topic["error_code"]
            if code == 0:
                created.append(topic["name"])
            elif code != TopicAlreadyExistsError.errno:
                raise SetupError(
                    f"could not create topic {topic['name']}: error {code} "
                    f"({topic.get('error_message') or 'no message'})"
                )
        self._admin.wait_for_topics([s.name for s in missing], timeout_ms=30000)
        for name in created:
            log.info("topic_created", topic=name)
        return created

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
    from hub.serve.wiring import open_hub  # noqa: PLC0415

    if args.store:
        settings = settings.with_overrides(store=args.store)
    with open_hub(settings) as app:
        agencies = set(app.agency_ids()) | set(args.agency)
    created = ensure_topics(settings, agencies)
    for name in created:
        print(f"created {name}")
    print(f"{len(created)} topic(s) created; {len(agencies)} agencies in the directory")
    return 0
