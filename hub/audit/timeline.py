"""Reading ``casehub.timeline`` for the auditor: one case's events, or every case's head.

A ``read_committed`` reader (``hub.kafka.reader``, no group) reads every partition of the
timeline from its beginning up to the end offsets taken when it starts, so what it returns is
a fixed cut of the published record: events the relay publishes meanwhile are left for the
next run. Every partition is read (not only the one the case's key hashes to today), so a case
stays whole if the topic ever gained partitions; records of other keys are skipped before
decoding.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from uuid import UUID

from hub.audit.history import AuditError
from hub.errors import SchemaError
from hub.kafka.errors import KafkaUnavailable, TopicMissing
from hub.kafka.reader import BEGINNING, open_reader, partitions_of, read_partitions, watermarks
from hub.kafka.records import Record
from hub.outbound.timeline import CASE, TimelineEntry
from hub.outbound.wire import entry_from_timeline_record
from hub.settings import Settings
from hub.topics import TIMELINE

#: How long reading the timeline up to its end offsets may take.
READ_TIMEOUT_S = 60.0


class TimelineUnavailable(AuditError):
    """The broker cannot be reached, or it has no ``casehub.timeline``."""

    code = "timeline_unavailable"


def _where(settings: Settings) -> str:
    return ",".join(settings.bootstrap_servers)


def timeline_records(
    settings: Settings,
    key: bytes | None = None,
    *,
    timeout_s: float = READ_TIMEOUT_S,
    keys: Collection[bytes] | None = None,
) -> Iterator[tuple[int, int, TimelineEntry]]:
    """(partition, offset, entry) of every committed timeline record (of ``key``, or of one of
    ``keys``, if given)."""
    wanted = None if key is None and keys is None else {*(keys or ()), *([key] if key else [])}
    try:
        with open_reader(settings, client_id="casehub-audit") as consumer:
            parts = partitions_of(consumer, TIMELINE)
            # The cut: each partition's end now; what the relay publishes meanwhile waits.
            ends = {p: watermarks(consumer, TIMELINE, p)[1] for p in parts}

            def keep(record: Record) -> bool:
                # Other cases' records are skipped before decoding.
                return record.offset < ends[record.partition] and (
                    wanted is None or record.key in wanted
                )

            records = read_partitions(
                consumer, {(TIMELINE, p): BEGINNING for p in parts}, timeout_s=timeout_s, keep=keep
            )
    except TopicMissing:
        raise TimelineUnavailable(
            f"there is no {TIMELINE} on the broker at {_where(settings)}"
        ) from None
    except KafkaUnavailable as exc:
        raise TimelineUnavailable(
            f"cannot reach Kafka at {_where(settings)} to read {TIMELINE}: {exc}"
        ) from None
    for record in records:
        try:
            entry = entry_from_timeline_record(record.value or b"")
        except SchemaError as exc:
            raise AuditError(
                f"{TIMELINE} partition {record.partition} offset {record.offset} "
                f"cannot be read: {exc}"
            ) from None
        yield record.partition, record.offset, entry


def case_entries(settings: Settings, case_id: UUID) -> list[TimelineEntry]:
    """Every event of one case the timeline carries, in the order it was published."""
    key = str(case_id).encode()
    found = [entry for _, _, entry in timeline_records(settings, key)]
    return [e for e in found if e.aggregate == CASE and e.case_id == str(case_id)]


#: Where a record sits on the timeline: (partition, offset).
Position = tuple[int, int]


def agency_names(settings: Settings, agencies: Collection[str]) -> dict[str, tuple[str, str]]:
    """(中文名, English name) of each of ``agencies`` the timeline's directory events admitted:
    a history rebuilt from the timeline names agencies as the store's directory would."""
    names: dict[str, tuple[str, str]] = {}
    keys = {a.encode() for a in agencies if a}
    for _, _, entry in timeline_records(settings, keys=keys):
        if entry.event_type == "Directory.AgencyAdmitted" and entry.agency_id:
            names[entry.agency_id] = (entry.text("name_zh"), entry.text("name_en"))
    return names


@dataclass(frozen=True, slots=True)
class Head:
    """The last event of a case the timeline carries, and where it carries each version."""

    case_id: UUID
    version: int
    event_hash: str
    label: str  # owning-agency/case-number, from the registration ("" if never seen)
    #: version -> every (partition, offset) the timeline carries it at
    positions: Mapping[int, tuple[Position, ...]] = field(default_factory=dict)

    @property
    def repeated(self) -> dict[int, tuple[Position, ...]]:
        """The versions the timeline carries more than once, with each place."""
        return {v: where for v, where in sorted(self.positions.items()) if len(where) > 1}

    @property
    def missing(self) -> list[int]:
        """The versions below the head the timeline does not carry."""
        if not self.positions:
            return []
        return [v for v in range(1, self.version) if v not in self.positions]

    def findings(self) -> list[str]:
        """What is wrong with the case on the timeline itself: each version it carries twice
        (or more) and each run of versions it lacks, with the offsets to look at."""
        found = [
            f"{TIMELINE} carries version {version} {len(where)} times "
            f"({', '.join(_at(p) for p in where)})"
            for version, where in self.repeated.items()
        ]
        for first, last in _runs(self.missing):
            span = f"version {first}" if first == last else f"versions {first}–{last}"
            around = [
                f"version {v} at {_at(self.positions[v][0])}"
                for v in (first - 1, last + 1)
                if v in self.positions
            ]
            found.append(f"{TIMELINE} lacks {span} (it carries {' and '.join(around)})")
        return found


def _at(position: Position) -> str:
    return f"partition {position[0]} offset {position[1]}"


def _runs(versions: list[int]) -> list[tuple[int, int]]:
    """Consecutive versions as (first, last) runs."""
    runs: list[tuple[int, int]] = []
    for v in versions:
        if runs and runs[-1][1] == v - 1:
            runs[-1] = (runs[-1][0], v)
        else:
            runs.append((v, v))
    return runs


def case_heads(settings: Settings) -> dict[UUID, Head]:
    """The head of every case on the timeline, with where it carries each version."""
    heads: dict[UUID, tuple[int, str]] = {}
    labels: dict[UUID, str] = {}
    positions: dict[UUID, dict[int, list[Position]]] = {}
    for partition, offset, entry in timeline_records(settings):
        if entry.aggregate != CASE or entry.case_id is None:
            continue
        case_id = UUID(entry.case_id)
        if entry.event_type == "Case.Registered":
            labels[case_id] = f"{entry.text('owning_agency')}/{entry.text('case_number')}"
        positions.setdefault(case_id, {}).setdefault(entry.version, []).append((partition, offset))
        if case_id not in heads or entry.version >= heads[case_id][0]:
            heads[case_id] = (entry.version, entry.event_hash)
    return {
        case_id: Head(
            case_id,
            version,
            digest,
            labels.get(case_id, ""),
            {v: tuple(where) for v, where in positions[case_id].items()},
        )
        for case_id, (version, digest) in heads.items()
    }
