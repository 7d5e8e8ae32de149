"""``acls_for``: the ACLs the directory implies, and nothing more."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub.cases.views import AgencyView, DirectoryView
from hub.errors import SetupError
from hub.security.acls import (
    AUDIT_USER,
    HUB_USER,
    VIEWS_USER,
    Acl,
    acls_for,
    agency_prefix,
    managed_principals,
    render_plan,
    user,
)
from hub.topics import DEADLETTER, LEADER, RELAY_POSITION, TIMELINE

A, B = "market-regulation", "market-regulation-east"


def directory(*ids):
    moment = datetime(2026, 1, 5, tzinfo=UTC)
    agencies = tuple(
        AgencyView(i, "局", "Agency", "enforcement-agency", moment, "operator", (), ()) for i in ids
    )
    return DirectoryView(version=1, agencies=agencies)


def of(acls, principal):
    return {(a.resource, a.name, a.pattern, a.operation) for a in acls if a.principal == principal}


def grants(acls, principal, operation, resource, name):
    """Does some ACL let ``principal`` do ``operation`` on the resource named ``name``?"""
    return any(
        a.principal == principal
        and a.permission == "ALLOW"
        and a.operation in {operation, "ALL"}
        and a.resource == resource
        and (a.name == name if a.pattern == "LITERAL" else name.startswith(a.name))
        for a in acls
    )


class TestAgencies:
    def test_an_agency_writes_its_own_topic_and_reads_its_own_feed(self):
        """Exactly: WRITE its inbound topic, READ its feed, its prefixed groups and
        transactional ids, IDEMPOTENT_WRITE on the cluster."""
        acls = acls_for(directory(A))
        assert of(acls, user(A)) == {
            ("TOPIC", f"casehub.agency.{A}.events", "LITERAL", "WRITE"),
            ("TOPIC", f"casehub.feed.{A}", "LITERAL", "READ"),
            ("GROUP", f"{A}.", "PREFIXED", "READ"),
            ("TRANSACTIONAL_ID", f"{A}.", "PREFIXED", "WRITE"),
            ("CLUSTER", "kafka-cluster", "LITERAL", "IDEMPOTENT_WRITE"),
        }

    def test_no_agency_may_touch_another_agencys_topics_or_the_published_record(self):
        """A may neither write B's topic, nor read B's feed, the timeline or the dead letters."""
        acls = acls_for(directory(A, B))
        for principal, other in ((user(A), B), (user(B), A)):
            assert not grants(acls, principal, "WRITE", "TOPIC", f"casehub.agency.{other}.events")
            assert not grants(acls, principal, "READ", "TOPIC", f"casehub.feed.{other}")
            for topic in (TIMELINE, DEADLETTER, RELAY_POSITION, LEADER):
                assert not grants(acls, principal, "READ", "TOPIC", topic)
                assert not grants(acls, principal, "WRITE", "TOPIC", topic)

    def test_an_agency_prefix_never_covers_another_agency_or_the_hub(self):
        """``market-regulation.`` does not cover ``market-regulation-east.`` groups or
        transactional ids, nor the hub's ``casehub-ingest`` and ``casehub-relay``."""
        acls = acls_for(directory(A, B))
        for name in (agency_prefix(B) + "reader", "casehub-ingest", "casehub-relay"):
            assert not grants(acls, user(A), "READ", "GROUP", name)
            assert not grants(acls, user(A), "WRITE", "TRANSACTIONAL_ID", name)
        assert grants(acls, user(A), "READ", "GROUP", agency_prefix(A) + "reader")

    def test_agency_ids_reserved_for_the_hub_are_refused(self):
        """An agency called casehub-hub would be the hub's own principal."""
        for reserved in ("casehub-hub", "casehub", "casehub-views"):
            with pytest.raises(SetupError, match="casehub"):
                acls_for([reserved])

    def test_an_id_that_cannot_name_a_topic_is_refused(self):
        with pytest.raises(SetupError, match="cannot name a Kafka topic"):
            acls_for(["a.b"])


class TestServiceUsers:
    def test_the_hub_reads_inbound_writes_outbound_and_owns_its_internals(self):
        """READ casehub.agency.* ; WRITE timeline, dead letters and every feed; its internal
        topics; its casehub- groups and transactional ids."""
        acls = acls_for(directory(A))
        hub = user(HUB_USER)
        assert grants(acls, hub, "READ", "TOPIC", f"casehub.agency.{A}.events")
        assert grants(acls, hub, "CREATE", "TOPIC", f"casehub.agency.{A}.events")
        for topic in (TIMELINE, DEADLETTER, f"casehub.feed.{A}", RELAY_POSITION, LEADER):
            assert grants(acls, hub, "WRITE", "TOPIC", topic)
            assert grants(acls, hub, "CREATE", "TOPIC", topic)
        for topic in (RELAY_POSITION, LEADER):
            assert grants(acls, hub, "READ", "TOPIC", topic)
        assert grants(acls, hub, "READ", "GROUP", "casehub-ingest")
        assert grants(acls, hub, "READ", "GROUP", "casehub-leader")
        assert grants(acls, hub, "WRITE", "TRANSACTIONAL_ID", "casehub-relay")
        assert not grants(acls, hub, "WRITE", "TOPIC", f"casehub.agency.{A}.events")
        assert not grants(acls, hub, "READ", "TOPIC", TIMELINE)

    def test_views_and_auditors_only_read_the_published_record_in_their_own_groups(self):
        acls = acls_for(directory(A))
        for name, prefix in ((VIEWS_USER, "casehub-view-"), (AUDIT_USER, "casehub-audit-")):
            assert of(acls, user(name)) == {
                ("TOPIC", TIMELINE, "LITERAL", "READ"),
                ("TOPIC", DEADLETTER, "LITERAL", "READ"),
                ("GROUP", prefix, "PREFIXED", "READ"),
            }

    def test_only_allow_rules_from_any_host_and_nobody_else(self):
        """Every rule is an ALLOW from any host, for the hub's three users and the agencies."""
        acls = acls_for(directory(A, B))
        assert {a.permission for a in acls} == {"ALLOW"}
        assert {a.host for a in acls} == {"*"}
        assert {a.principal for a in acls} == managed_principals([A, B])
        assert managed_principals([A, B]) == {
            user(n) for n in (HUB_USER, VIEWS_USER, AUDIT_USER, A, B)
        }


class TestPlan:
    def test_a_directory_view_and_its_ids_give_the_same_plan(self):
        assert acls_for(directory(B, A)) == acls_for([A, B, A])

    def test_the_plan_is_deterministic_and_has_no_duplicates(self):
        acls = acls_for(directory(A, B))
        assert len(acls) == len(set(acls))
        assert acls == acls_for(directory(A, B))

    def test_the_plan_reads_one_block_per_principal(self):
        lines = render_plan(acls_for([A]))
        assert lines[0] == f"User:{HUB_USER}"
        assert f"User:{A}" in lines
        assert f"  ALLOW {'WRITE':<16} TOPIC casehub.agency.{A}.events" in lines
        assert f"  ALLOW {'READ':<16} GROUP {A}.*" in lines

    def test_acls_compare_by_value(self):
        one = Acl(user(A), "TOPIC", "t", "LITERAL", "READ")
        assert one == Acl(user(A), "TOPIC", "t", "LITERAL", "READ")
        assert len({one, Acl(user(A), "TOPIC", "t", "LITERAL", "READ")}) == 1
