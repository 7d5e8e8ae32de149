"""The three-node cluster's fault tests: brokers and hub instances killed while events flow.

Modelled on Kafka's own exactly-once system tests: a known input set goes in, brokers or
clients are bounced hard (``kill -9``) or cleanly, and afterwards the output set must equal
the input set. Here the input is the load the test publishes through the agency SDK; the
output is counted twice, independently: with SQL on the hub's PostgreSQL store (what was
accepted) and with a ``read_committed`` reader on ``casehub.timeline`` and every feed (what was
published). ``verify_exactly_once`` lists every difference; an empty list is the pass.

Which broker to kill is asked of the cluster, never guessed: the relay's transaction
coordinator from Kafka's own ``TransactionsCommand``, a partition's leader from the metadata.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

from devkit.broker.config import DEPLOY_DIR
from devkit.testing.serve import serve_env, start_serve, wait_until
from hub.kafka.admin import KafkaAdmin
from hub.kafka.errors import KafkaUnavailable
from hub.kafka.reader import BEGINNING, open_reader, partitions_of, read_partitions
from hub.kafka.records import Record
from hub.settings import PROJECT_ROOT, Settings
from hub.topics import TIMELINE, feed_topic

#: Stored event topics whose every event the relay publishes on the timeline.
_TIMELINE_SOURCES = ("hub.cases.domainmodel:", "hub.directory.domainmodel:")
#: One accepted inbound event id: its receipt goes to the sender's feed.
_ACCEPTED_INDEX = "hub.cases.indexes:InboundEvent.Accepted"
_RECORD_TYPE = "casehub-record-type"
TIMELINE_EVENT = "casehub.hub.TimelineEvent"
RECEIPT = "casehub.hub.Receipt"


# --- the cluster, asked -----------------------------------------------------------------------


def transaction_coordinator(settings: Settings, transactional_id: str, timeout: float = 60) -> int:
    """The broker id that coordinates ``transactional_id``'s transactions, as Kafka's own
    ``TransactionsCommand describe`` reports it (retried while the cluster has no answer)."""
    command = ["java", "-Xmx128m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]
    command += ["-cp", f"{DEPLOY_DIR / 'lib'}/*", "org.apache.kafka.tools.TransactionsCommand"]
    command += ["--bootstrap-server", ",".join(settings.bootstrap_servers)]
    command += ["describe", "--transactional-id", transactional_id]
    deadline = time.monotonic() + timeout
    while True:
        result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
        found = _coordinator_of(result.stdout) if result.returncode == 0 else None
        if found is not None:
            return found
        if time.monotonic() > deadline:
            tail = (result.stdout + result.stderr).strip()[-400:]
            raise AssertionError(f"no coordinator for {transactional_id}: {tail}")
        time.sleep(1)  # the coordinator is being elected: ask again


def _coordinator_of(table: str) -> int | None:
    """The ``CoordinatorId`` column of TransactionsCommand's tab-separated table."""
    lines = [ln.split("\t") for ln in table.splitlines() if ln.strip()]
    for header, row in itertools.pairwise(lines):
        names = [h.strip() for h in header]
        if "CoordinatorId" in names:
            return int(row[names.index("CoordinatorId")].strip())
    return None


def partition_leader(settings: Settings, topic: str, partition: int) -> int:
    with KafkaAdmin(settings, client_id="casehub-test-leaders") as admin:
        leader = admin.partition_leaders(topic)[partition]
    if leader < 0:
        raise AssertionError(f"{topic}[{partition}] has no leader")
    return leader


def fully_replicated(settings: Settings, topics: Iterable[str]) -> bool:
    """Every partition of ``topics`` has all its replicas in sync (a node caught up again)."""
    try:
        with KafkaAdmin(settings, client_id="casehub-test-isr", timeout_s=5) as admin:
            for topic in topics:
                for replicas, isr in admin.in_sync_replicas(topic).values():
                    if len(isr) < replicas:
                        return False
    except KafkaUnavailable:
        return False
    return True


def relay_timeouts_s() -> float:
    """How long the relay's producer may keep a record before giving up on it: the longer of
    its delivery (message) timeout and its transaction timeout, read from ``RelayOptions``."""
    from hub.relay.relay import RelayOptions  # noqa: PLC0415 - the relay module is heavy

    options = vars(RelayOptions())
    names = ("message_timeout_ms", "delivery_timeout_ms", "transaction_timeout_ms")
    found = [int(options[n]) for n in names if isinstance(options.get(n), int)]
    if not found:
        raise AssertionError(f"RelayOptions names none of {names}: {sorted(options)}")
    return max(found) / 1000


# --- hub instances ----------------------------------------------------------------------------


@dataclass
class HubInstance:
    """One ``casehub serve`` subprocess of a multi-instance hub (its own log and metrics port)."""

    name: str
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen[bytes] | None = None
    killed: bool = False

    def start(self) -> None:
        self.proc = start_serve(self.env, self.log)

    def events(self, name: str) -> int:
        """How many log lines of this event the instance wrote."""
        if not self.log.exists():
            return 0
        count = 0
        for line in self.log.read_text(encoding="utf-8", errors="replace").splitlines():
            if f'"{name}"' in line:
                try:
                    count += json.loads(line).get("event") == name
                except ValueError:
                    continue
        return count

    def leading(self) -> bool:
        return self.alive() and self.events("leadership_gained") > self.events("leadership_lost")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def check(self) -> bool:
        """True while running; fails with the log's tail if it died without being killed."""
        if self.killed or self.alive():
            return True
        tail = self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-30:]
        code = None if self.proc is None else self.proc.returncode
        raise AssertionError(f"{self.name} exited with {code}:\n" + "\n".join(tail))

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.killed = True

    def stop(self) -> int | None:
        if self.proc is None or self.killed:
            return None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                return self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def hub_instances(settings: Settings, folder: Path, count: int = 2) -> list[HubInstance]:
    """``count`` serve instances over the same store and cluster, metrics ports apart.

    They take no ``--directory-file``: instances that apply one at the same moment race to
    write the same directory event, and the loser exits on the store's duplicate key; the
    test applies the operator's file once, before starting them.
    """
    out = []
    for n in range(1, count + 1):
        env = serve_env(settings, folder / "unused.sqlite")
        env |= {
            "CASEHUB_STORE": "postgres",
            "CASEHUB_POSTGRES_HOST": settings.postgres_host,
            "CASEHUB_POSTGRES_PORT": str(settings.postgres_port),
            "CASEHUB_POSTGRES_DBNAME": settings.postgres_dbname,
            "CASEHUB_TOPIC_REPLICATION": str(settings.topic_replication),
            "CASEHUB_METRICS_PORT": str(settings.metrics_port + n),
        }
        out.append(HubInstance(f"hub-{n}", env, folder / f"serve-{n}.log"))
    return out


def the_leader(instances: Sequence[HubInstance], timeout: float = 60) -> HubInstance:
    """The one instance that holds leadership (waits until exactly one does)."""

    def one() -> HubInstance | None:
        leading = [i for i in instances if i.check() and i.leading()]
        return leading[0] if len(leading) == 1 else None

    found: HubInstance = wait_until(one, timeout, what="exactly one leading instance")
    return found


# --- the store, by SQL ------------------------------------------------------------------------


@dataclass(frozen=True)
class StoreCount:
    #: (aggregate id, version) -> notification id, of every event the timeline must carry.
    published: dict[tuple[str, int], int]
    #: How many inbound events were accepted (one receipt each).
    accepted: int


def count_store(settings: Settings) -> StoreCount:
    """What the hub's PostgreSQL store holds, read with SQL (not through the application)."""
    import psycopg  # noqa: PLC0415 - only the postgres tier needs it

    from hub.store.keys import POSTGRES_EVENTS  # noqa: PLC0415

    with psycopg.connect(
        host=settings.postgres_host,
        port=settings.postgres_port,
        dbname=settings.postgres_dbname,
        user=settings.postgres_user,
        password=settings.postgres_password,
    ) as conn:
        rows = conn.execute(
            f"SELECT originator_id, originator_version, notification_id, topic "  # noqa: S608 - a constant
            f"FROM {POSTGRES_EVENTS} WHERE topic LIKE %s OR topic LIKE %s OR topic = %s",
            (f"{_TIMELINE_SOURCES[0]}%", f"{_TIMELINE_SOURCES[1]}%", _ACCEPTED_INDEX),
        ).fetchall()
    published = {
        (str(a), int(v)): int(n) for a, v, n, topic in rows if topic.startswith(_TIMELINE_SOURCES)
    }
    return StoreCount(published, sum(1 for *_, topic in rows if topic == _ACCEPTED_INDEX))


# --- Kafka, by a read_committed reader --------------------------------------------------------


def read_committed(settings: Settings, topic: str, timeout: float = 180) -> list[Record]:
    with open_reader(settings, client_id="casehub-test-count") as consumer:
        parts = partitions_of(consumer, topic)
        return read_partitions(consumer, {(topic, p): BEGINNING for p in parts}, timeout_s=timeout)


def _decoded(record: Record) -> dict[str, Any]:
    from hub.codec import decode_record  # noqa: PLC0415 - loads the schema catalog

    value: dict[str, Any] = decode_record(record.value or b"", agency_events_only=False).record
    return value


@dataclass
class Verdict:
    """What the output set holds against the input set; ``problems`` empty means exactly once."""

    counts: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def problem(self, what: str, items: Iterable[Any]) -> None:
        items = sorted(items, key=str)
        if items:
            self.problems.append(f"{what}: {len(items)}, e.g. {items[:5]}")


@dataclass
class _Timeline:
    seen: Counter[tuple[str, int]] = field(default_factory=Counter)
    #: agency -> the (aggregate, version) keys its feed must carry
    belongs: dict[str, set[tuple[str, int]]] = field(default_factory=lambda: defaultdict(set))
    event_ids: Counter[str] = field(default_factory=Counter)


def verify_exactly_once(settings: Settings, input_ids: Iterable[UUID]) -> Verdict:
    """Every accepted event exactly once on the timeline and on each feed it belongs to, in
    version order per case; every input event accepted; one receipt per accepted event."""
    verdict = Verdict()
    store = count_store(settings)
    wanted = {str(i) for i in input_ids}
    verdict.counts |= {
        "input_events": len(wanted),
        "store_published": len(store.published),
        "store_accepted": store.accepted,
    }
    timeline = _check_timeline(settings, store, verdict)
    verdict.problem("input events never accepted", wanted - set(timeline.event_ids))
    verdict.problem(
        "input events on the timeline twice", [e for e in wanted if timeline.event_ids[e] > 1]
    )
    receipts = _check_feeds(settings, timeline, verdict)
    verdict.counts["receipts_accepted"] = sum(receipts.values())
    verdict.problem("receipts: more than one", [e for e, n in receipts.items() if n > 1])
    verdict.problem("receipts: an input event without", wanted - set(receipts))
    if len(receipts) != store.accepted:
        verdict.problems.append(
            f"receipts: {len(receipts)} distinct, the store accepted {store.accepted}"
        )
    return verdict


def _check_timeline(settings: Settings, store: StoreCount, verdict: Verdict) -> _Timeline:
    out = _Timeline()
    by_aggregate: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    wrong_nid = []
    records = read_committed(settings, TIMELINE)
    for record in records:
        value = _decoded(record)
        key = (str(value["aggregate_id"]), int(value["version"]))
        out.seen[key] += 1
        if store.published.get(key, value["notification_id"]) != value["notification_id"]:
            wrong_nid.append(key)
        if value["aggregate"] == "CASE":
            by_aggregate[key[0]].append((record.partition, record.offset, key[1]))
        if value.get("event_id") is not None:
            out.event_ids[str(value["event_id"])] += 1
        for agency in value.get("participants") or []:
            out.belongs[agency].add(key)
    verdict.counts["timeline_records"] = len(records)
    seen = out.seen
    verdict.problem("timeline: published more than once", [k for k, n in seen.items() if n > 1])
    verdict.problem("timeline: stored but never published", set(store.published) - set(seen))
    verdict.problem("timeline: published but not stored", set(seen) - set(store.published))
    verdict.problem("timeline: notification id differs from the store's", wrong_nid)
    out_of_order = []
    for aggregate, places in by_aggregate.items():
        partitions = {p for p, _, _ in places}
        versions = [v for _, _, v in sorted(places)]
        if len(partitions) != 1 or versions != sorted(versions):
            out_of_order.append(aggregate)
    verdict.problem("timeline: a case out of version order", out_of_order)
    return out


def _check_feeds(settings: Settings, timeline: _Timeline, verdict: Verdict) -> Counter[str]:
    """Each agency's feed against what the timeline says it must carry; the receipts found."""
    receipts: Counter[str] = Counter()
    for agency, keys in sorted(timeline.belongs.items()):
        feed: Counter[tuple[str, int]] = Counter()
        for record in read_committed(settings, feed_topic(agency)):
            record_type = (record.header(_RECORD_TYPE) or b"").decode()
            value = _decoded(record)
            if record_type == TIMELINE_EVENT:
                feed[(str(value["aggregate_id"]), int(value["version"]))] += 1
            elif record_type == RECEIPT and value["status"] == "ACCEPTED":
                receipts[str(value["event_id"])] += 1
        verdict.counts[f"feed_{agency}_events"] = sum(feed.values())
        verdict.problem(f"feed {agency}: missing", keys - set(feed))
        verdict.problem(f"feed {agency}: more than once", [k for k, n in feed.items() if n > 1])
        verdict.problem(f"feed {agency}: not its events", set(feed) - keys)
    return receipts


def audit_reconcile(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``casehub audit reconcile`` as an operator runs it (exit 0: store and timeline agree)."""
    return subprocess.run(
        [sys.executable, "-m", "hub.cli", "audit", "reconcile"],
        env=dict(os.environ) | env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=PROJECT_ROOT,
    )


class Stopwatch:
    def __init__(self) -> None:
        self.begin = time.monotonic()

    def __call__(self) -> float:
        return round(time.monotonic() - self.begin, 1)
