"""Checking hash chains (``casehub audit verify``): one case, or every case on the hub.

``CaseHub.verify_chain`` recomputes every hash from the stored records and names the first bad
link. A recomputed chain cannot see its own last event deleted, or rewritten with its hash
recomputed, so the store's head (version and event hash) is also compared with an anchor kept
outside the store: the hashes ``casehub.timeline`` carries (read directly from Kafka), or,
when the broker cannot be reached, what the audit-trail view received from it. The verdict
then says whether the store's head is behind, ahead of, or different from the timeline's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from hub.audit.history import AuditError, CaseQueries, CaseRef
from hub.cases.chain import UnreadableRecord
from hub.cases.views import ChainReport
from hub.errors import UnknownCase

#: Where the published heads came from, as the verdict names it.
ANCHORS = {"kafka": "the timeline", "view": "the audit view"}


@dataclass(frozen=True, slots=True)
class Verdict:
    case_id: UUID
    label: str
    report: ChainReport
    #: (version, hash) last published on the timeline, when known; (0, "") for none at all.
    published: tuple[int, str] | None = None
    anchor: str = "view"
    #: What is wrong with the case on the timeline itself (a version carried twice or not at
    #: all), when the timeline is the anchor.
    timeline: tuple[str, ...] = ()

    @property
    def drift(self) -> str | None:
        """``behind``, ``ahead`` or ``different`` when the store's head is not the published one."""
        if self.published is None:
            return None
        version, digest = self.published
        if version > self.report.events:
            return "behind"
        if version < self.report.events:
            return "ahead"
        return "different" if digest != self.report.head else None

    @property
    def truncated(self) -> bool:
        return self.drift is not None

    @property
    def ok(self) -> bool:
        return self.report.ok and self.drift is None and not self.timeline

    def line(self) -> str:
        """The verdict: one line, then one per finding on the timeline itself."""
        chain = self._chain_line()
        if not self.timeline:
            return chain
        found = [f"BROKEN {self.label}: {finding}" for finding in self.timeline]
        return "\n".join(found if chain.startswith("ok ") else [chain, *found])

    def _chain_line(self) -> str:
        if self.report.first_bad is not None:
            bad = self.report.first_bad
            if bad.field == "state":  # the record cannot be read at all
                return f"BROKEN {self.label}: version {bad.version} ({bad.event_type}) {bad.found}"
            return (
                f"BROKEN {self.label}: first bad link at version {bad.version} ({bad.event_type}): "
                f"{bad.field} is {bad.found[:16]}…, expected {bad.expected[:16]}…"
            )
        drift = self.drift
        if drift is not None and self.published is not None:
            version, digest = self.published
            where = ANCHORS.get(self.anchor, self.anchor)
            store = (
                f"the store ends at version {self.report.events} (head {self.report.head[:16]}…)"
                if self.report.events
                else "the store holds no event of it"
            )
            theirs = (
                f"{where} carries version {version} (hash {digest[:16]}…)"
                if version
                else f"{where} carries no event of it"
            )
            relation = {"behind": "behind", "ahead": "ahead of", "different": "different from"}
            return (
                f"BROKEN {self.label}: the store's head is {relation[drift]} {where}: "
                f"{store} but {theirs}"
            )
        return f"ok {self.label}: {self.report.events} event(s), head {self.report.head[:16]}…"


def verify_case(
    app: CaseQueries,
    ref: CaseRef,
    published: Mapping[str, tuple[int, str]] | None = None,
    *,
    anchor: str = "view",
    findings: Mapping[str, Sequence[str]] | None = None,
) -> Verdict:
    known = _published(published, ref.case_id, anchor)
    timeline = tuple((findings or {}).get(str(ref.case_id), ()))
    try:
        # reads the stored records themselves: a damaged one is a bad link, not an error
        report = app.verify_chain(ref.case_id)
    except UnknownCase:
        if not known or not known[0]:
            raise AuditError(
                f"unknown case {ref}: no case with that reference is on the hub"
            ) from None
        # gone from the store, but published: the verdict says so
        report = ChainReport(ref.case_id, 0, "", None)
    return Verdict(ref.case_id, str(ref), report, known, anchor, timeline)


def _published(
    published: Mapping[str, tuple[int, str]] | None, case_id: UUID, anchor: str
) -> tuple[int, str] | None:
    known = (published or {}).get(str(case_id))
    if known is None and anchor == "kafka" and published is not None:
        return (0, "")  # the timeline is read whole: a case it lacks was never published
    return known


def verify_all(
    app: CaseQueries,
    case_ids: Iterable[tuple[UUID, str]],
    published: Mapping[str, tuple[int, str]] | None = None,
    *,
    anchor: str = "view",
    published_labels: Mapping[str, str] | None = None,
    findings: Mapping[str, Sequence[str]] | None = None,
) -> list[Verdict]:
    """Every case in the store; with the timeline as anchor, also those only it carries."""
    verdicts: list[Verdict] = []
    seen: set[str] = set()
    for case_id, label in case_ids:
        seen.add(str(case_id))
        try:
            report = app.verify_chain(case_id)
        except UnknownCase:
            report = ChainReport(case_id, 0, "", None)
        known = _published(published, case_id, anchor)
        timeline = tuple((findings or {}).get(str(case_id), ()))
        verdicts.append(Verdict(case_id, label, report, known, anchor, timeline))
    for key, label in (published_labels or {}).items():
        if key in seen or published is None or key not in published:
            continue
        missing = UUID(key)
        report = ChainReport(missing, 0, "", None)
        timeline = tuple((findings or {}).get(key, ()))
        verdicts.append(Verdict(missing, label or key, report, published[key], anchor, timeline))
    if not verdicts:
        raise AuditError("there is no case on the hub to verify")
    return verdicts


#: Stored events of cases: their damage is reported by each case's chain verdict.
_CASE_TOPICS = "hub.cases.domainmodel:Case."


def damaged_records(app: Any, batch: int = 500) -> list[str]:
    """A line for every stored event outside the cases' chains (the directory, the key store's
    binding, ...) whose bytes cannot be read back: the whole store is checked, not only cases."""
    found: list[str] = []
    start = 1
    while True:
        notifications = app.recorder.select_notifications(start=start, limit=batch)
        if not notifications:
            return found
        for record in notifications:
            if record.topic.startswith(_CASE_TOPICS):
                continue
            try:
                app.chain.raw_state(record)
            except UnreadableRecord as exc:
                found.append(
                    f"BROKEN stored event {record.id} ({record.topic.rsplit(':', 1)[-1]}, "
                    f"aggregate {record.originator_id} version {record.originator_version}) "
                    f"{exc.reason}"
                )
        start = notifications[-1].id + 1
