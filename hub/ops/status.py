"""``casehub ops status``: what the broker and the store say about the hub right now.

* **topics**: every ``casehub.*`` topic, per partition its beginning and end offsets and the
  records between them (``end - beginning``; on a transactional topic the count includes
  transaction markers, as Kafka's own tools do);
* **groups**: every consumer group of the hub (``casehub-ingest``, ``casehub-leader``,
  ``casehub-view-*``), per partition of every topic it consumes the committed offset, the log
  end offset (the high watermark) and the lag: the committed records a ``read_committed``
  reader finds between the committed offset (the partition's beginning when the group has
  committed nothing there) and the end. Transaction markers and aborted records are not work,
  so a group that has read everything shows 0 even where Kafka's own tool, which subtracts
  offsets, shows 1 for the marker that follows the last record;
* **relay**: its committed position (the last ``RelayPosition`` record on Kafka: notification
  id, when and by which relay it was written), the store's head, how many stored
  notifications that publish something lie after the position, and what the serving process
  on ``metrics_port`` says (its ``/readyz`` reasons and the relay's errors by kind), when one
  answers there;
* **agencies** (from the event store): each agency by its directory name, the time the hub
  recorded its last accepted event, its accepted count, and its rejections by reason code;
* **schemas**: the writer schemas (fingerprints) in use on the agency topics, counted from the
  ``casehub-schema-fingerprint`` header of the last ``sample`` records of every partition (the
  fingerprint in the record's own single-object header when the Kafka header is missing).

Everything here only reads. The table shows every moment as ``hub.presentation.clock`` does:
local time (Asia/Shanghai) with its offset, and says so below; the JSON keeps ISO-8601 instants.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Self

from hub.errors import CaseHubError
from hub.kafka.admin import KafkaAdmin
from hub.kafka.reader import open_reader, read_partitions
from hub.kafka.records import Record
from hub.logging import get_logger
from hub.presentation import clock
from hub.presentation.names import Names
from hub.presentation.table import display_width, pad
from hub.relay.position import read_position_record
from hub.relay.records import PUBLISHING_TOPICS
from hub.settings import Settings
from hub.topics import INBOUND_PATTERN, INGEST_GROUP, LEADER, LEADER_GROUP, agency_of_topic

log = get_logger(__name__)

VIEW_GROUP_PREFIX = "casehub-view-"
#: Stored-event topic prefixes of events an agency sends (cases and the directory).
AGENCY_EVENT_TOPICS = ("hub.cases.domainmodel:", "hub.directory.domainmodel:")
REJECTION_TOPIC = "hub.cases.indexes:Rejection.Recorded"
#: Above this many offsets between a group's position and the end, a partition's lag is the
#: offset difference (an upper bound, marked not exact) instead of a count of what is there.
COUNT_LIMIT = 200_000

#: The topics a group of the hub consumes whether or not it has committed or been assigned
#: anything yet: so a partition no member has reached still shows its backlog.
_SUBSCRIPTIONS: dict[str, re.Pattern[str]] = {
    INGEST_GROUP: re.compile(INBOUND_PATTERN),
    LEADER_GROUP: re.compile(rf"^{re.escape(LEADER)}$"),
}

Partition = tuple[str, int]


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
    end: int  # the log end offset (high watermark), as Kafka's tool prints it
    #: Committed records after the group's position: the work it has not done yet.
    lag: int
    #: False when the lag is the offset difference (over ``COUNT_LIMIT``), an upper bound.
    exact: bool = True


@dataclass(frozen=True)
class GroupStatus:
    group: str
    state: str
    members: int
    partitions: list[PartitionLag]

    @property
    def lag(self) -> int:
        return sum(p.lag for p in self.partitions)


@dataclass(frozen=True)
class RelayStatus:
    #: The last committed position record (None: the relay never committed one).
    position: int | None
    last_commit_at: datetime | None
    relay_id: str | None
    #: The store's last notification id (None: the store is empty).
    store_head: int | None
    #: Stored notifications after the position that publish something (leases and indexes
    #: publish nothing, so a store head past the position is not by itself a lag).
    lag: int
    #: The reasons the process serving ``metrics_port`` gives for being unready (None: it is
    #: ready, or nothing answers there: ``ready`` tells which).
    last_error: str | None
    #: The relay's failed attempts by kind, from that process's ``/metrics``.
    errors: dict[str, int] = field(default_factory=dict)
    #: That process's ``/readyz`` answer; None when nothing answers on this host's port.
    ready: bool | None = None


@dataclass
class AgencyStatus:
    agency: str
    last_event_at: datetime | None = None
    accepted: int = 0
    rejections: dict[str, int] = field(default_factory=dict)
    #: The directory's names (中文名, English name); empty for an agency it does not know.
    names: tuple[str, str] = ("", "")


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
    relay: RelayStatus | None = None

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
                    "partitions": [asdict(p) for p in g.partitions],
                }
                for g in self.groups
            ],
            "relay": None if self.relay is None else _relay_json(self.relay),
            "agencies": [
                {
                    "agency": a.agency,
                    "name_zh": a.names[0],
                    "name_en": a.names[1],
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


def _relay_json(relay: RelayStatus) -> dict[str, Any]:
    return asdict(relay) | {
        "last_commit_at": relay.last_commit_at.isoformat() if relay.last_commit_at else None
    }


# --- Kafka ----------------------------------------------------------------------------------------
class KafkaInspector:
    """One admin client and one assign-only ``read_committed`` reader; closed with the object."""

    def __init__(self, settings: Settings, *, count_limit: int = COUNT_LIMIT) -> None:
        self.count_limit = count_limit
        self._stack = ExitStack()
        self._admin = self._stack.enter_context(KafkaAdmin(settings, client_id="casehub-ops"))
        self._reader = self._stack.enter_context(open_reader(settings, client_id="casehub-ops"))
        self._partitions: dict[str, int] | None = None

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _topic_partitions(self) -> dict[str, int]:
        if self._partitions is None:
            self._partitions = self._admin.topics()
        return self._partitions

    def hub_topics(self) -> list[str]:
        return sorted(t for t in self._topic_partitions() if t.startswith("casehub."))

    def partitions(self, topics: Iterable[str]) -> list[Partition]:
        counts = self._topic_partitions()
        return [(t, p) for t in sorted(set(topics)) for p in range(counts.get(t, 0))]

    def topics(self, names: list[str] | None = None) -> list[TopicStatus]:
        names = names if names is not None else self.hub_topics()
        parts = self.partitions(names)
        begin = self._admin.beginning_offsets(parts)
        end = self._admin.end_offsets(parts)
        return [
            TopicStatus(
                topic,
                [PartitionOffsets(p, begin[(t, p)], end[(t, p)]) for t, p in parts if t == topic],
            )
            for topic in names
            if any(t == topic for t, _ in parts)
        ]

    def group_ids(self) -> list[str]:
        return [g for g in self._admin.groups() if is_hub_group(g)]

    def groups(self, group_ids: list[str] | None = None) -> list[GroupStatus]:
        ids = group_ids if group_ids is not None else self.group_ids()
        out: list[GroupStatus] = []
        for group_id in ids:
            described = self._admin.describe_group(group_id)
            committed = self._admin.committed(group_id)
            # Every partition of every topic the group consumes: those it committed for or was
            # assigned, and for the hub's own groups their subscription, so that a partition
            # nobody reached yet shows its whole backlog instead of nothing.
            topics = {t for t, _ in committed} | {t for t, _ in described.assignment}
            pattern = _SUBSCRIPTIONS.get(group_id)
            if pattern is not None:
                topics |= {t for t in self._topic_partitions() if pattern.match(t)}
            parts = self.partitions(topics)
            out.append(
                GroupStatus(
                    group_id,
                    described.state,
                    described.members,
                    self.lags(parts, committed),
                )
            )
        return out

    def lags(self, parts: list[Partition], committed: dict[Partition, int]) -> list[PartitionLag]:
        """Per partition, the committed records between the group's position and the end."""
        if not parts:
            return []
        begin = self._admin.beginning_offsets(parts)
        end = self._admin.end_offsets(parts)
        stable = self._admin.end_offsets(parts, committed_only=True)
        starts = {tp: max(begin[tp], committed.get(tp, begin[tp])) for tp in parts}
        to_count = {
            tp: starts[tp]
            for tp in parts
            if starts[tp] < stable[tp] and stable[tp] - starts[tp] <= self.count_limit
        }
        counted = self.count_committed(to_count, stable)
        out: list[PartitionLag] = []
        for tp in parts:
            topic, partition = tp
            if tp in counted:
                lag, exact = counted[tp], True
            elif starts[tp] >= stable[tp]:
                lag, exact = 0, True
            else:  # too many to read for a status line: the offsets say at most this many
                lag, exact = stable[tp] - starts[tp], False
            out.append(PartitionLag(topic, partition, committed.get(tp), end[tp], lag, exact))
        return out

    def count_committed(
        self, starts: dict[Partition, int], ends: dict[Partition, int]
    ) -> dict[Partition, int]:
        """How many committed records lie in ``[start, end)`` of each partition."""
        counts = dict.fromkeys(starts, 0)

        def count(record: Record) -> bool:
            tp = (record.topic, record.partition)
            if record.offset < ends[tp]:
                counts[tp] += 1
            return False  # counted, not kept

        read_partitions(self._reader, starts, keep=count)
        return counts

    def tail(self, topic: str, per_partition: int) -> list[Record]:
        """The last ``per_partition`` committed records of every partition of ``topic``."""
        parts = self.partitions([topic])
        begin = self._admin.beginning_offsets(parts)
        stable = self._admin.end_offsets(parts, committed_only=True)
        starts = {
            tp: max(begin[tp], stable[tp] - per_partition) for tp in parts if stable[tp] > begin[tp]
        }
        records = read_partitions(
            self._reader, starts, keep=lambda r: r.offset < stable[(r.topic, r.partition)]
        )
        # Offsets count markers too: keep the last ``per_partition`` records proper.
        by_partition: dict[Partition, list[Record]] = {}
        for record in records:
            by_partition.setdefault((record.topic, record.partition), []).append(record)
        return [r for tp in sorted(by_partition) for r in by_partition[tp][-per_partition:]]


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

    for agency_id, names in _directory_agencies(app):
        of(agency_id).names = names
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


def _directory_agencies(app: Any) -> list[tuple[str, tuple[str, str]]]:
    try:
        return [(a.agency_id, (a.name_zh, a.name_en)) for a in app.directory().agencies]
    except Exception:  # noqa: BLE001 - an empty store has no directory yet
        return []


# --- the relay ----------------------------------------------------------------------------------
def unrelayed(app: Any, after: int | None, *, limit: int | None = None, page: int = 1000) -> int:
    """How many stored notifications after ``after`` publish something (``limit``: stop there).

    Leases and indexes publish nothing; a relay whose committed position is followed only by
    them has nothing left to do (a batch of only those commits no position record).
    """
    found = 0
    start = 1 if after is None else after + 1
    while limit is None or found < limit:
        batch = app.recorder.select_notifications(start=start, limit=page)
        if not batch:
            break
        found += sum(1 for n in batch if n.topic.startswith(PUBLISHING_TOPICS))
        start = int(batch[-1].id) + 1
    return found if limit is None else min(found, limit)


def relay_status(settings: Settings, app: Any, *, timeout_s: float = 15.0) -> RelayStatus:
    """The relay as Kafka and the store see it, and what the serving process says of it."""
    record = read_position_record(settings, timeout_s=timeout_s)
    position = None if record is None else record.notification_id
    ready, reasons, errors = _ask_serving_process(settings)
    last_error = "; ".join(f"{name}: {why}" for name, why in sorted(reasons.items())) or None
    return RelayStatus(
        position=position,
        last_commit_at=None if record is None else record.written_at,
        relay_id=None if record is None else record.relay_id,
        store_head=app.recorder.max_notification_id(),
        lag=unrelayed(app, position),
        last_error=last_error,
        errors=errors,
        ready=ready,
    )


def _ask_serving_process(
    settings: Settings, *, timeout_s: float = 3.0
) -> tuple[bool | None, dict[str, str], dict[str, int]]:
    """(ready, reasons, relay errors by kind) from ``/readyz`` and ``/metrics`` on this host's
    ``metrics_port``; (None, {}, {}) when nothing answers there (best effort: the process may
    run elsewhere, or not be the leader)."""
    if settings.metrics_port <= 0:
        return None, {}, {}
    base = f"http://127.0.0.1:{settings.metrics_port}"
    try:
        readyz = _http_get(f"{base}/readyz", timeout_s)
        metrics = _http_get(f"{base}/metrics", timeout_s)
    except (OSError, ValueError) as exc:
        log.debug("ops_status_no_serving_process", url=base, error=str(exc))
        return None, {}, {}
    try:
        doc = json.loads(readyz)
    except ValueError:
        return None, {}, {}
    ready = bool(doc.get("ready"))
    reasons = {str(k): str(v) for k, v in (doc.get("reasons") or {}).items()}
    return ready, reasons, _relay_errors(metrics.decode("utf-8", "replace"))


def _http_get(url: str, timeout_s: float) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:  # noqa: S310 - our URL
            body: bytes = response.read()
            return body
    except urllib.error.HTTPError as exc:  # /readyz answers 503 with its reasons
        error_body: bytes = exc.read()
        return error_body


def _relay_errors(text: str) -> dict[str, int]:
    from prometheus_client.parser import text_string_to_metric_families  # noqa: PLC0415

    out: dict[str, int] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "casehub_relay_errors_total":
                kind = sample.labels.get("kind", "")
                out[kind] = out.get(kind, 0) + int(sample.value)
    return out


def collect_status(settings: Settings, app: Any, *, sample: int = 200) -> Status:
    with KafkaInspector(settings) as inspector:
        names = inspector.hub_topics()
        topics = inspector.topics(names)
        groups = inspector.groups()
        schemas = schema_use(inspector, names, sample) if sample > 0 else []
    try:
        relay: RelayStatus | None = relay_status(settings, app)
    except CaseHubError as exc:  # no position topic yet, or Kafka did not answer for it
        log.warning("ops_status_relay_unknown", error=str(exc))
        relay = None
    return Status(topics, groups, agency_activity(app), schemas, sample, relay)


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
            (
                "",
                "",
                "",
                p.topic,
                str(p.partition),
                _dash(p.committed),
                str(p.end),
                str(p.lag) if p.exact else f"<={p.lag}",
            )
            for p in g.partitions
        ]
    lines += _table(
        ("group", "state", "members", "topic", "partition", "committed", "end", "lag"), rows
    )
    lines += ["", "RELAY"]
    lines += _relay_lines(status.relay)
    lines += ["", "AGENCIES (event store)"]
    lines += _table(
        ("agency", "name", "last event recorded", "accepted", "rejected", "rejections by reason"),
        [
            (
                a.agency,
                _name(a),
                _moment(a.last_event_at),
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
    lines += ["", clock.zone_note("en")]
    return "\n".join(lines)


def _name(agency: AgencyStatus) -> str:
    """The agency's directory name (English, else Chinese; the hub's own facts: "the hub");
    "-" when the directory has none."""
    known = {agency.agency: agency.names} if any(agency.names) else {}
    name = Names(known).agency(agency.agency, "en")
    return "-" if name == agency.agency else name


def _moment(value: datetime | None) -> str:
    """A recorded moment in local time with its offset; "-" when there is none."""
    return "-" if value is None else clock.moment(value, seconds=True)


def _relay_lines(relay: RelayStatus | None) -> list[str]:
    if relay is None:
        return ["  unknown (its position could not be read from Kafka)"]
    if relay.ready is None:
        said = "unknown (nothing answers on this host's metrics port)"
    elif relay.last_error:
        said = relay.last_error
    else:
        said = "none (ready)"
    errors = ", ".join(f"{k}={v}" for k, v in sorted(relay.errors.items())) or "-"
    rows = [
        ("position (committed)", _dash(relay.position)),
        ("store head", _dash(relay.store_head)),
        ("lag (notifications to publish)", str(relay.lag)),
        ("last commit", _moment(relay.last_commit_at)),
        ("relay id", relay.relay_id or "-"),
        ("last error", said),
        ("errors by kind", errors if relay.ready is not None else "unknown"),
    ]
    width = max(len(k) for k, _ in rows)
    return [f"  {k:<{width}}  {v}" for k, v in rows]


def _dash(value: int | None) -> str:
    return "-" if value is None else str(value)


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    if not rows:
        return ["  (none)"]
    widths = [max(display_width(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    return [
        "  " + "  ".join(pad(str(c), w) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in [header, *rows]
    ]
