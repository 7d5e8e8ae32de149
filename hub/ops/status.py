"""``casehub ops status``: what the broker and the store say about the hub right now.

* **topics**: every ``casehub.*`` topic, per partition its beginning and end offsets and the
  records between them (``end - beginning``; on a transactional topic the count includes
  transaction markers, as Kafka's own tools do);
* **groups**: every consumer group of the hub (``casehub-ingest``, ``casehub-leader``,
  ``casehub-view-*``), per partition the committed offset and the lag (log end offset −
  committed offset, computed as ``kafka-consumer-groups.sh --describe`` computes it: the end
  offset is the high watermark, read uncommitted);
* **agencies** (from the event store): the time the hub recorded each agency's last accepted
  event, its accepted count, and its rejections by reason code;
* **schemas**: the writer schemas (fingerprints) in use on the agency topics, counted from the
  ``casehub-schema-fingerprint`` header of the last ``sample`` records of every partition (the
  fingerprint in the record's own single-object header when the Kafka header is missing).

Everything here only reads.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Self

from hub.logging import get_logger
from hub.settings import Settings
from hub.topics import INGEST_GROUP, LEADER_GROUP, agency_of_topic

log = get_logger(__name__)

VIEW_GROUP_PREFIX = "casehub-view-"
#: Stored-event topic prefixes of events an agency sends (cases and the directory).
AGENCY_EVENT_TOPICS = ("hub.cases.domainmodel:", "hub.directory.domainmodel:")
REJECTION_TOPIC = "hub.cases.indexes:Rejection.Recorded"


def is_hub_group(group_id: str) -> bool:
    return group_id in (INGEST_GROUP, LEADER_GROUP) or group_id.startswith(VIEW_GROUP_PREFIX)


@dataclass(frozen=True)
class PartitionOffsets:
    partition: int
    beginning: int
    end: int

    @property
    def records(self) -> int:
        return self.end - self.beginning


@dataclass(frozen=True)
class TopicStatus:
    topic: str
    partitions: list[PartitionOffsets]

    @property
    def records(self) -> int:
        return sum(p.records for p in self.partitions)

    @property
    def end(self) -> int:
        return sum(p.end for p in self.partitions)


@dataclass(frozen=True)
class PartitionLag:
    topic: str
    partition: int
    committed: int | None  # None: the group has committed nothing for this partition
    end: int

    @property
    def lag(self) -> int | None:
        return None if self.committed is None else max(0, self.end - self.committed)


@dataclass(frozen=True)
class GroupStatus:
    group: str
    state: str
    members: int
    partitions: list[PartitionLag]

    @property
    def lag(self) -> int:
        return sum(p.lag or 0 for p in self.partitions)


@dataclass
class AgencyStatus:
    agency: str
    last_event_at: datetime | None = None
    accepted: int = 0
    rejections: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class SchemaUse:
    fingerprint: str
    record: str  # e.g. casehub.event.CaseRegistered v1, or "unknown"
    topic: str
    count: int


@dataclass
class Status:
    topics: list[TopicStatus]
    groups: list[GroupStatus]
    agencies: list[AgencyStatus]
    schemas: list[SchemaUse]
    sampled_per_partition: int

    def to_json(self) -> dict[str, Any]:
        return {
            "topics": [
                {
                    "topic": t.topic,
                    "records": t.records,
                    "partitions": [asdict(p) | {"records": p.records} for p in t.partitions],
                }
                for t in self.topics
            ],
            "groups": [
                {
                    "group": g.group,
                    "state": g.state,
                    "members": g.members,
                    "lag": g.lag,
                    "partitions": [asdict(p) | {"lag": p.lag} for p in g.partitions],
                }
                for g in self.groups
            ],
            "agencies": [
                {
                    "agency": a.agency,
                    "last_event_at": a.last_event_at.isoformat() if a.last_event_at else None,
                    "accepted": a.accepted,
                    "rejections": dict(sorted(a.rejections.items())),
                    "rejected": sum(a.rejections.values()),
                }
                for a in self.agencies
            ],
            "schemas": {
                "sampled_per_partition": self.sampled_per_partition,
                "in_use": [asdict(s) for s in self.schemas],
            },
        }


# --- Kafka ----------------------------------------------------------------------------------------
class KafkaInspector:
    """One admin client and one group-less consumer; closed with the object."""

    def __init__(self, settings: Settings) -> None:
        from kafka import KafkaAdminClient, KafkaConsumer  # noqa: PLC0415

        from hub.kafka_config import kafka_config  # noqa: PLC0415

        config = kafka_config(settings)
        self._admin: Any = KafkaAdminClient(
            **config, client_id="casehub-ops", request_timeout_ms=15000
        )
        # read_uncommitted: end offsets are the high watermark, as Kafka's group tool reports.
        self._consumer: Any = KafkaConsumer(
            **config, group_id=None, enable_auto_commit=False, client_id="casehub-ops"
        )
        self._reader: Any = None
        self._config = config

    def close(self) -> None:
        self._consumer.close(autocommit=False)
        if self._reader is not None:
            self._reader.close(autocommit=False)
        self._admin.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def hub_topics(self) -> list[str]:
        return sorted(t for t in self._admin.list_topics() if t.startswith("casehub."))

    def _partitions(self, topic: str) -> list[Any]:
        from kafka import TopicPartition  # noqa: PLC0415

        found = self._consumer.partitions_for_topic(topic) or set()
        return [TopicPartition(topic, p) for p in sorted(found)]

    def topics(self, names: list[str] | None = None) -> list[TopicStatus]:
        out: list[TopicStatus] = []
        for topic in names if names is not None else self.hub_topics():
            tps = self._partitions(topic)
            if not tps:
                continue
            begin = self._consumer.beginning_offsets(tps)
            end = self._consumer.end_offsets(tps)
            out.append(
                TopicStatus(
                    topic, [PartitionOffsets(tp.partition, begin[tp], end[tp]) for tp in tps]
                )
            )
        return out

    def group_ids(self) -> list[str]:
        return sorted(
            g["group_id"] for g in self._admin.list_groups() if is_hub_group(g["group_id"])
        )

    def groups(self, group_ids: list[str] | None = None) -> list[GroupStatus]:
        ids = group_ids if group_ids is not None else self.group_ids()
        if not ids:
            return []
        described = self._admin.describe_groups(ids)
        out: list[GroupStatus] = []
        for group_id in ids:
            info = described.get(group_id) or {}
            committed = self._admin.list_group_offsets({group_id: None}).get(group_id, {})
            assigned = {
                (tp.topic, tp.partition)
                for tp in committed
                if committed[tp] is not None and committed[tp].offset >= 0
            }
            assigned |= _assigned_partitions(info)
            tps = [
                tp for topic in sorted({t for t, _ in assigned}) for tp in self._partitions(topic)
            ]
            tps = [tp for tp in tps if (tp.topic, tp.partition) in assigned]
            end = self._consumer.end_offsets(tps) if tps else {}
            by_name = {(tp.topic, tp.partition): meta for tp, meta in committed.items()}
            lags = []
            for tp in tps:
                meta = by_name.get((tp.topic, tp.partition))
                offset = meta.offset if meta is not None and meta.offset >= 0 else None
                lags.append(PartitionLag(tp.topic, tp.partition, offset, end[tp]))
            out.append(
                GroupStatus(
                    group_id,
                    str(info.get("group_state") or "Unknown"),
                    len(info.get("members") or []),
                    lags,
                )
            )
        return out

    def tail(self, topic: str, per_partition: int) -> Iterator[Any]:
        """The last ``per_partition`` committed records of every partition of ``topic``."""
        from kafka import KafkaConsumer  # noqa: PLC0415

        if self._reader is None:
            self._reader = KafkaConsumer(
                **self._config,
                group_id=None,
                enable_auto_commit=False,
                isolation_level="read_committed",
                client_id="casehub-ops-reader",
            )
        reader = self._reader
        tps = self._partitions(topic)
        if not tps:
            return
        reader.assign(tps)
        begin = reader.beginning_offsets(tps)
        end = reader.end_offsets(tps)  # read_committed: the last stable offset
        wanted = {tp for tp in tps if end[tp] > begin[tp]}
        for tp in wanted:
            reader.seek(tp, max(begin[tp], end[tp] - per_partition))
        for tp in set(tps) - wanted:
            reader.pause(tp)
        idle = 0
        while wanted and idle < 20:
            polled = reader.poll(timeout_ms=500)
            idle = 0 if polled else idle + 1
            for tp, records in polled.items():
                yield from (r for r in records if r.offset < end[tp])
            wanted = {tp for tp in wanted if reader.position(tp) < end[tp]}


def _assigned_partitions(info: dict[str, Any]) -> set[tuple[str, int]]:
    """(topic, partition) of every member's assignment (decoded by kafka-python when it can)."""
    out: set[tuple[str, int]] = set()
    for member in info.get("members") or []:
        assignment = member.get("member_assignment")
        for topic, partitions in getattr(assignment, "assignment", None) or []:
            out.update((topic, p) for p in partitions)
    return out


def schema_use(inspector: KafkaInspector, topics: list[str], sample: int) -> list[SchemaUse]:
    from hub.codec import HEADER_FINGERPRINT, default_catalog, fingerprint_of  # noqa: PLC0415

    catalog = default_catalog()
    out: list[SchemaUse] = []
    for topic in topics:
        if agency_of_topic(topic) is None:
            continue
        counts: Counter[str] = Counter()
        for record in inspector.tail(topic, sample):
            headers = dict(record.headers or [])
            raw = headers.get(HEADER_FINGERPRINT)
            if raw:
                fingerprint = bytes(raw).decode("ascii", "replace")
            else:
                body = fingerprint_of(bytes(record.value or b""))
                fingerprint = body.hex() if body is not None else "none"
            counts[fingerprint] += 1
        for fingerprint, count in sorted(counts.items()):
            out.append(SchemaUse(fingerprint, _schema_name(catalog, fingerprint), topic, count))
    return out


def _schema_name(catalog: Any, fingerprint: str) -> str:
    try:
        sv = catalog.by_fingerprint(bytes.fromhex(fingerprint))
    except ValueError:
        sv = None
    return f"{sv.fullname} v{sv.version}" if sv is not None else "unknown"


# --- the store ------------------------------------------------------------------------------------
def agency_activity(app: Any, *, page: int = 1000) -> list[AgencyStatus]:
    """Per agency: when the hub recorded its last accepted event, how many, rejections by reason.

    One pass over the notification log (read-only); the operator's own directory entries
    (actor ``operator``) are not an agency's.
    """
    agencies: dict[str, AgencyStatus] = {}

    def of(agency: str) -> AgencyStatus:
        return agencies.setdefault(agency, AgencyStatus(agency))

    for agency_id in _directory_agencies(app):
        of(agency_id)
    for notification in notifications(app, page=page):
        topic = notification.topic
        if topic == REJECTION_TOPIC:
            event = app.mapper.to_domain_event(notification)
            sender = event.sender_agency or agency_of_topic(event.source) or "(unknown)"
            rejections = of(sender).rejections
            rejections[event.reason_code] = rejections.get(event.reason_code, 0) + 1
        elif topic.startswith(AGENCY_EVENT_TOPICS):
            event = app.mapper.to_domain_event(notification)
            agency = str(getattr(event, "actor_agency", "") or "")
            if not agency or agency == "operator":
                continue
            status = of(agency)
            status.accepted += 1
            moment = getattr(event, "timestamp", None)
            if moment is not None and (
                status.last_event_at is None or moment > status.last_event_at
            ):
                status.last_event_at = moment
    return sorted(agencies.values(), key=lambda a: a.agency)


def notifications(app: Any, *, page: int = 1000, topics: tuple[str, ...] = ()) -> Iterator[Any]:
    start = 1
    while True:
        batch = app.recorder.select_notifications(start=start, limit=page, topics=topics)
        if not batch:
            return
        yield from batch
        start = int(batch[-1].id) + 1


def _directory_agencies(app: Any) -> list[str]:
    try:
        return [a.agency_id for a in app.directory().agencies]
    except Exception:  # noqa: BLE001 - an empty store has no directory yet
        return []


def collect_status(settings: Settings, app: Any, *, sample: int = 200) -> Status:
    with KafkaInspector(settings) as inspector:
        names = inspector.hub_topics()
        topics = inspector.topics(names)
        groups = inspector.groups()
        schemas = schema_use(inspector, names, sample) if sample > 0 else []
    return Status(topics, groups, agency_activity(app), schemas, sample)


# --- the table ------------------------------------------------------------------------------------
def render_status(status: Status) -> str:
    lines: list[str] = ["TOPICS"]
    lines += _table(
        ("topic", "partitions", "end offsets", "records"),
        [
            (
                t.topic,
                str(len(t.partitions)),
                " ".join(str(p.end) for p in t.partitions),
                str(t.records),
            )
            for t in status.topics
        ],
    )
    lines += ["", "CONSUMER GROUPS"]
    rows: list[tuple[str, ...]] = []
    for g in status.groups:
        rows.append((g.group, g.state, str(g.members), "(total)", "", "", "", str(g.lag)))
        rows += [
            ("", "", "", p.topic, str(p.partition), _dash(p.committed), str(p.end), _dash(p.lag))
            for p in g.partitions
        ]
    lines += _table(
        ("group", "state", "members", "topic", "partition", "committed", "end", "lag"), rows
    )
    lines += ["", "AGENCIES (event store)"]
    lines += _table(
        ("agency", "last event recorded", "accepted", "rejected", "rejections by reason"),
        [
            (
                a.agency,
                a.last_event_at.isoformat(timespec="seconds") if a.last_event_at else "-",
                str(a.accepted),
                str(sum(a.rejections.values())),
                ", ".join(f"{k}={v}" for k, v in sorted(a.rejections.items())) or "-",
            )
            for a in status.agencies
        ],
    )
    lines += ["", f"SCHEMAS IN USE (last {status.sampled_per_partition} records per partition)"]
    lines += _table(
        ("topic", "fingerprint", "schema", "records"),
        [(s.topic, s.fingerprint, s.record, str(s.count)) for s in status.schemas],
    )
    return "\n".join(lines)


def _dash(value: int | None) -> str:
    return "-" if value is None else str(value)


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    if not rows:
        return ["  (none)"]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return ["  " + fmt.format(*header).rstrip()] + ["  " + fmt.format(*r).rstrip() for r in rows]
