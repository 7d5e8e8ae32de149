"""``casehub audit reconcile``: the event store against ``casehub.timeline``, event by event.

The relay publishes every case and directory event the store records to the timeline exactly
once, with the hash the store holds. Reconciling reads both in full (the timeline up to its end
offsets when the command starts) and compares, per aggregate, which versions each side holds
and the hash of each, then the totals. Any difference is named: an aggregate or versions only
one side holds (the store behind the timeline, e.g. after restoring an old backup; or ahead of
it, e.g. while the relay catches up), a version whose hash differs, a version the timeline
carries twice. The verdict is the same for the same store and timeline, so it can be compared
before and after a backup is restored.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from dataclasses import dataclass, field

from hub.audit.timeline import timeline_records
from hub.bootstrap import open_existing_hub
from hub.outbound.store import entries_from_store
from hub.outbound.timeline import CASE, TimelineEntry
from hub.settings import Settings
from hub.topics import TIMELINE

#: Differences listed per kind before the rest are only counted.
SHOWN = 20


@dataclass
class Side:
    """The events of one side: per aggregate, version -> event hash; plus what repeats."""

    events: dict[str, dict[int, str]] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)  # aggregate id -> CASE | DIRECTORY
    labels: dict[str, str] = field(default_factory=dict)
    repeated: list[tuple[str, int]] = field(default_factory=list)

    def add(self, entry: TimelineEntry) -> None:
        versions = self.events.setdefault(entry.aggregate_id, {})
        if entry.version in versions:
            self.repeated.append((entry.aggregate_id, entry.version))
        versions[entry.version] = entry.event_hash
        self.kinds[entry.aggregate_id] = entry.aggregate
        if entry.event_type == "Case.Registered":
            label = f"{entry.text('owning_agency')}/{entry.text('case_number')}"
            self.labels[entry.aggregate_id] = label

    def total(self, kind: str | None = None) -> int:
        return sum(
            len(v) for k, v in self.events.items() if kind is None or self.kinds.get(k) == kind
        )

    def aggregates(self, kind: str) -> int:
        return sum(1 for k in self.events if self.kinds.get(k) == kind)


def collect(entries: Iterable[TimelineEntry]) -> Side:
    side = Side()
    for entry in entries:
        side.add(entry)
    return side


@dataclass(frozen=True)
class Reconciliation:
    store: Side
    timeline: Side
    differences: list[str]

    @property
    def ok(self) -> bool:
        return not self.differences

    def lines(self) -> list[str]:
        def summary(name: str, side: Side) -> str:
            return (
                f"{name}: {side.total()} event(s): {side.total(CASE)} of "
                f"{side.aggregates(CASE)} case(s), {side.total() - side.total(CASE)} "
                "of the directory"
            )

        out = [summary("store", self.store), summary("timeline", self.timeline)]
        if self.ok:
            out.append("ok: the store and the timeline hold the same events with the same hashes")
            return out
        shown = self.differences[:SHOWN]
        out += [f"DIFFERENT {d}" for d in shown]
        if len(self.differences) > SHOWN:
            out.append(f"… and {len(self.differences) - SHOWN} more difference(s)")
        out.append(f"{len(self.differences)} difference(s) between the store and the timeline")
        return out


def _span(versions: list[int]) -> str:
    versions = sorted(versions)
    if len(versions) == 1:
        return f"version {versions[0]}"
    if versions == list(range(versions[0], versions[-1] + 1)):
        return f"versions {versions[0]}–{versions[-1]}"
    return "versions " + ", ".join(str(v) for v in versions)


def reconcile(store: Side, timeline: Side) -> Reconciliation:
    differences: list[str] = []

    def name(aggregate_id: str) -> str:
        label = store.labels.get(aggregate_id) or timeline.labels.get(aggregate_id)
        kind = store.kinds.get(aggregate_id) or timeline.kinds.get(aggregate_id) or "?"
        what = "case" if kind == CASE else "directory"
        return f"{what} {label} ({aggregate_id})" if label else f"{what} {aggregate_id}"

    for aggregate_id in sorted(set(store.events) | set(timeline.events)):
        mine = store.events.get(aggregate_id, {})
        theirs = timeline.events.get(aggregate_id, {})
        if not theirs:
            differences.append(
                f"{name(aggregate_id)}: only in the store ({len(mine)} event(s), head "
                f"version {max(mine)}); the timeline carries none of it"
            )
            continue
        if not mine:
            differences.append(
                f"{name(aggregate_id)}: only on the timeline ({len(theirs)} event(s), head "
                f"version {max(theirs)}); the store holds none of it"
            )
            continue
        lacking = [v for v in theirs if v not in mine]
        unpublished = [v for v in mine if v not in theirs]
        if lacking:
            differences.append(
                f"{name(aggregate_id)}: the store lacks {_span(lacking)} that the timeline "
                f"carries (store head {max(mine)}, timeline head {max(theirs)})"
            )
        if unpublished:
            differences.append(
                f"{name(aggregate_id)}: the timeline lacks {_span(unpublished)} that the store "
                f"holds (store head {max(mine)}, timeline head {max(theirs)})"
            )
        differences.extend(
            f"{name(aggregate_id)}: version {version} has hash {mine[version][:16]}… in "
            f"the store but {theirs[version][:16]}… on the timeline"
            for version in sorted(set(mine) & set(theirs))
            if mine[version] != theirs[version]
        )
    for aggregate_id, version in timeline.repeated:
        differences.append(f"{name(aggregate_id)}: the timeline carries version {version} twice")
    return Reconciliation(store, timeline, differences)


def run(args: argparse.Namespace, settings: Settings) -> int:  # noqa: ARG001
    """``casehub audit reconcile``: print the verdict; exit 1 on any difference."""
    # the timeline first: the relay may publish meanwhile, never the other way round
    timeline = collect(entry for _, _, entry in timeline_records(settings))
    with open_existing_hub(settings) as app:
        store = collect(entries_from_store(app))
    print(f"reconciling the event store with {TIMELINE} at {','.join(settings.bootstrap_servers)}")
    verdict = reconcile(store, timeline)
    for line in verdict.lines():
        print(line)
    return 0 if verdict.ok else 1
