"""What ``casehub audit verify`` checks the store against, and the cases it checks.

``published_anchor`` gives the heads each case published on ``casehub.timeline`` (Kafka),
falling back on the audit-trail view when Kafka does not answer; ``registered_cases`` lists
every registered case with its label, a damaged registration included. The CLI's ``verify`` and
the console's background chain check both stand on these.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from hub.settings import Settings
from hub.topics import TIMELINE

_REGISTERED_TOPIC = "hub.cases.domainmodel:Case.Registered"


@dataclass(frozen=True, slots=True)
class Anchor:
    """What a case's chain is compared with: the heads published on the timeline (or, when
    Kafka does not answer, the heads the audit-trail view received)."""

    name: str  # kafka | view
    heads: dict[str, tuple[int, str]]
    labels: dict[str, str]
    note: str
    #: per case: what is wrong on the timeline itself (a version twice, or lacking)
    findings: dict[str, list[str]] = field(default_factory=dict)


def published_anchor(settings: Settings, wanted: str | None = None) -> Anchor:
    """The published heads: from the timeline when asked (``"kafka"``) or when Kafka answers
    (None), else the audit view (``"view"``, or Kafka not answering)."""
    from hub.audit.timeline import TimelineUnavailable, case_heads  # noqa: PLC0415

    reason = ""
    if wanted in (None, "kafka"):
        try:
            heads = case_heads(settings)
        except TimelineUnavailable as exc:
            if wanted == "kafka":
                raise
            reason = f" ({exc})"
        else:
            return Anchor(
                "kafka",
                {str(k): (h.version, h.event_hash) for k, h in heads.items()},
                {str(k): h.label for k, h in heads.items()},
                f"anchor: {TIMELINE} at {','.join(settings.bootstrap_servers)}",
                {str(k): h.findings() for k, h in heads.items() if h.findings()},
            )
    return Anchor("view", view_heads(settings), {}, f"anchor: the audit view{reason}")


def view_heads(settings: Settings) -> dict[str, tuple[int, str]]:
    """The last (version, hash) per case the audit-trail view received from the timeline."""
    try:
        from consumers.audit_trail import VIEW  # noqa: PLC0415
        from consumers.opening import open_view_store, views_file  # noqa: PLC0415
    except ImportError:  # pragma: no cover - consumers/ is part of the same distribution
        return {}
    if settings.store == "sqlite" and not views_file(settings).exists():
        return {}
    store = open_view_store(settings)
    try:
        store.ensure(VIEW)
        heads: dict[str, tuple[int, str]] = {}
        for row in store.rows(VIEW, "events", {"aggregate": "CASE"}):
            case_id, version = str(row["case_id"]), int(row["version"] or 0)
            if version >= heads.get(case_id, (0, ""))[0]:
                heads[case_id] = (version, str(row["event_hash"] or ""))
        return heads
    finally:
        store.close()


def registered_cases(app: Any, labels: Mapping[str, str]) -> list[tuple[UUID, str]]:
    """Every registered case with its label; a registration that cannot be read is still
    checked, named by the timeline's label or its id (its verdict says what is damaged)."""
    found: list[tuple[UUID, str]] = []
    start = 1
    while True:
        batch = app.recorder.select_notifications(
            start=start, limit=500, topics=[_REGISTERED_TOPIC]
        )
        if not batch:
            return found
        for notification in batch:
            case_id = UUID(str(notification.originator_id))
            try:
                event = app.mapper.to_domain_event(notification)
            except ValueError:  # MapperDeserialisationError: the record is damaged
                found.append((case_id, labels.get(str(case_id)) or f"case {case_id}"))
                continue
            found.append((case_id, f"{event.owning_agency}/{event.case_number}"))
        start = batch[-1].id + 1
