"""Which principal may do what: the Kafka ACLs the directory implies (a pure function).

Principals (each a SCRAM-SHA-512 user, ``User:<name>``):

* every admitted agency, named by its agency id;
* ``casehub-hub``: ingest, relay and scheduler (``casehub serve``);
* ``casehub-views``: the projections in ``consumers/`` (``casehub consumers run``);
* ``casehub-audit``: auditors' tools reading the published record.

What each may do (anything not granted is refused: the broker runs with
``allow.everyone.if.no.acl.found=false``):

====================  =====================================================================
agency A              WRITE ``casehub.agency.A.events``; READ ``casehub.feed.A``; READ groups
                      and WRITE transactional ids prefixed ``A.``; IDEMPOTENT_WRITE on the
                      cluster
casehub-hub           READ topics prefixed ``casehub.agency.``; WRITE ``casehub.timeline``,
                      ``casehub.deadletter`` and topics prefixed ``casehub.feed.``; READ and
                      WRITE its internal ``casehub.relay.position`` and ``casehub.leader``;
                      CREATE those topics (it creates an agency's topics on admission); READ
                      groups and WRITE transactional ids prefixed ``casehub-``;
                      IDEMPOTENT_WRITE on the cluster
casehub-views         READ ``casehub.timeline`` and ``casehub.deadletter`` (the rejections
                      view); READ groups prefixed ``casehub-view-``
casehub-audit         READ ``casehub.timeline`` and ``casehub.deadletter``; READ groups
                      prefixed ``casehub-audit-``
====================  =====================================================================

An agency's own group and transactional-id prefix ends in a dot (``A.``), not a dash: agency
ids may contain dashes but never dots, so no agency's prefix can cover another's
(``court-`` would cover ``court-east-…``) or the hub's (an agency called ``casehub`` would
otherwise hold ``casehub-``, the relay's transactional id and the ingest group).

READ and WRITE imply DESCRIBE in Kafka, so no DESCRIBE rule is listed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from hub.cases.views import DirectoryView
from hub.errors import SetupError
from hub.topics import (
    DEADLETTER,
    LEADER,
    RELAY_POSITION,
    TIMELINE,
    agency_topic,
    feed_topic,
)

ResourceKind = Literal["TOPIC", "GROUP", "CLUSTER", "TRANSACTIONAL_ID"]
PatternKind = Literal["LITERAL", "PREFIXED"]
Operation = Literal["READ", "WRITE", "CREATE", "DESCRIBE", "IDEMPOTENT_WRITE", "ALTER", "ALL"]
Permission = Literal["ALLOW", "DENY"]

HUB_USER = "casehub-hub"
VIEWS_USER = "casehub-views"
AUDIT_USER = "casehub-audit"
SERVICE_USERS = (HUB_USER, VIEWS_USER, AUDIT_USER)
#: No agency id may start with this: the hub's own users and prefixes do.
RESERVED_PREFIX = "casehub"

INBOUND_PREFIX = "casehub.agency."
FEED_PREFIX = "casehub.feed."
HUB_GROUP_PREFIX = "casehub-"
HUB_TRANSACTIONAL_PREFIX = "casehub-"
VIEWS_GROUP_PREFIX = "casehub-view-"
AUDIT_GROUP_PREFIX = "casehub-audit-"
#: Ends an agency's group and transactional-id prefix; never part of an agency id.
AGENCY_PREFIX_SEPARATOR = "."
#: Kafka's name for the one cluster resource.
CLUSTER = "kafka-cluster"


@dataclass(frozen=True, order=True)
class Acl:
    """One ACL binding, in Kafka's terms but without kafka-python's classes."""

    principal: str
    resource: ResourceKind
    name: str
    pattern: PatternKind
    operation: Operation
    permission: Permission = "ALLOW"
    host: str = "*"

    def describe(self) -> str:
        """``ALLOW WRITE   TOPIC casehub.agency.a.events`` (a trailing ``*`` marks a prefix)."""
        star = "*" if self.pattern == "PREFIXED" else ""
        host = "" if self.host == "*" else f" from {self.host}"
        return f"{self.permission} {self.operation:<16} {self.resource} {self.name}{star}{host}"


def user(name: str) -> str:
    """Kafka's principal for a SCRAM user."""
    return f"User:{name}"


def agency_prefix(agency_id: str) -> str:
    """The group and transactional-id prefix an agency owns: ``<agency-id>.``."""
    return agency_id + AGENCY_PREFIX_SEPARATOR


def _agency_ids(directory: DirectoryView | Iterable[str]) -> list[str]:
    if isinstance(directory, DirectoryView):
        ids = [a.agency_id for a in directory.agencies]
    else:
        ids = list(directory)
    for agency_id in ids:
        agency_topic(agency_id)  # refuses an id that cannot name a topic
        if agency_id.startswith(RESERVED_PREFIX):
            raise SetupError(
                f"agency id {agency_id!r} starts with {RESERVED_PREFIX!r}, which the hub's own "
                "Kafka users and prefixes use; admit it under another id"
            )
    return sorted(set(ids))


def _allow(
    principal: str,
    resource: ResourceKind,
    name: str,
    operations: Iterable[Operation],
    pattern: PatternKind = "LITERAL",
) -> list[Acl]:
    return [Acl(principal, resource, name, pattern, op) for op in operations]


def hub_acls() -> list[Acl]:
    p = user(HUB_USER)
    acls = _allow(p, "TOPIC", INBOUND_PREFIX, ["READ", "CREATE"], "PREFIXED")
    acls += _allow(p, "TOPIC", FEED_PREFIX, ["WRITE", "CREATE"], "PREFIXED")
    for topic in (TIMELINE, DEADLETTER):
        acls += _allow(p, "TOPIC", topic, ["WRITE", "CREATE"])
    for topic in (RELAY_POSITION, LEADER):
        acls += _allow(p, "TOPIC", topic, ["READ", "WRITE", "CREATE"])
    acls += _allow(p, "GROUP", HUB_GROUP_PREFIX, ["READ"], "PREFIXED")
    acls += _allow(p, "TRANSACTIONAL_ID", HUB_TRANSACTIONAL_PREFIX, ["WRITE"], "PREFIXED")
    acls += _allow(p, "CLUSTER", CLUSTER, ["IDEMPOTENT_WRITE"])
    return acls


def reader_acls(name: str, group_prefix: str) -> list[Acl]:
    """A reader of the published record: the timeline and the dead letters, its own groups."""
    p = user(name)
    acls = _allow(p, "TOPIC", TIMELINE, ["READ"]) + _allow(p, "TOPIC", DEADLETTER, ["READ"])
    return acls + _allow(p, "GROUP", group_prefix, ["READ"], "PREFIXED")


def agency_acls(agency_id: str) -> list[Acl]:
    p, prefix = user(agency_id), agency_prefix(agency_id)
    acls = _allow(p, "TOPIC", agency_topic(agency_id), ["WRITE"])
    acls += _allow(p, "TOPIC", feed_topic(agency_id), ["READ"])
    acls += _allow(p, "GROUP", prefix, ["READ"], "PREFIXED")
    acls += _allow(p, "TRANSACTIONAL_ID", prefix, ["WRITE"], "PREFIXED")
    acls += _allow(p, "CLUSTER", CLUSTER, ["IDEMPOTENT_WRITE"])
    return acls


def acls_for(directory: DirectoryView | Iterable[str]) -> list[Acl]:
    """Every ACL the hub's principals and the directory's agencies need, and no other."""
    acls = hub_acls()
    acls += reader_acls(VIEWS_USER, VIEWS_GROUP_PREFIX)
    acls += reader_acls(AUDIT_USER, AUDIT_GROUP_PREFIX)
    for agency_id in _agency_ids(directory):
        acls += agency_acls(agency_id)
    return acls


def managed_principals(directory: DirectoryView | Iterable[str]) -> set[str]:
    """The principals whose ACLs ``acls_for`` decides entirely (``apply --prune`` scope)."""
    return {user(n) for n in SERVICE_USERS} | {user(a) for a in _agency_ids(directory)}


def render_plan(acls: Iterable[Acl]) -> list[str]:
    """Human-readable lines, one block per principal in plan order."""
    lines: list[str] = []
    current = ""
    for acl in acls:
        if acl.principal != current:
            current = acl.principal
            lines.append(current)
        lines.append(f"  {acl.describe()}")
    return lines
