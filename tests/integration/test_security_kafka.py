"""On the sasl broker: who may connect, what each principal may touch, TLS, idempotent ACLs.

One module fixture brings the sasl profile up (or reuses it), gives the hub's three users and
two agencies SCRAM credentials, and applies the ACLs ``acls_for`` derives. kafka-python 3.0
reports a refused *authentication* during bootstrap as ``KafkaTimeoutError`` and logs the
cause; those tests assert the logged exception's type. Refused *authorization* arrives as the
broker's own error type (``TopicAuthorizationFailedError``, ``GroupAuthorizationFailedError``).
"""

from __future__ import annotations

import io
import logging
import ssl
from contextlib import redirect_stdout
from datetime import datetime
from uuid import uuid4

import pytest
import structlog
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import (
    GroupAuthorizationFailedError,
    KafkaTimeoutError,
    SaslAuthenticationFailedError,
    TopicAuthorizationFailedError,
)

from devkit.broker.config import cluster_spec
from devkit.testing import security as st
from hub.cases.commands import Envelope, RegisterCase
from hub.cli import build_parser
from hub.publish import AgencyPublisher
from hub.publish.connection import kafka_config
from hub.rules.clocks import TIMEZONE
from hub.security.acls import acls_for, agency_prefix
from hub.security.admin import SecurityAdmin
from hub.security.credentials import Secret
from hub.topics import DEADLETTER, TIMELINE, agency_topic, feed_topic
from hub.vocabulary import CaseRef

pytestmark = pytest.mark.kafka

A, B = "agency-a", "agency-b"


@pytest.fixture(scope="module")
def broker(hub_settings, tmp_path_factory):
    scratch = tmp_path_factory.mktemp("security")
    with st.secure_broker(hub_settings, [A, B], scratch) as secure:
        st.create_topics(
            secure.admin,
            [agency_topic(A), agency_topic(B), feed_topic(A), feed_topic(B), TIMELINE, DEADLETTER],
        )
        producer = KafkaProducer(**secure.admin_config, acks="all")
        for topic in (feed_topic(A), feed_topic(B), TIMELINE):
            producer.send(topic, key=b"k", value=f"for {topic}".encode()).get(timeout=30)
        producer.close()
        yield secure


def _admin(settings, **extra):
    return KafkaAdminClient(**kafka_config(settings), client_id="test-security", **extra)


def _producer(settings):
    return KafkaProducer(**kafka_config(settings), acks="all", max_block_ms=10000)


def _read(settings, topic, group=None):
    """Every record of ``topic`` partition 0 that ``settings``' user can fetch in ~3 s."""
    consumer = KafkaConsumer(
        **kafka_config(settings),
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    try:
        consumer.assign([TopicPartition(topic, 0)])
        values = []
        for _ in range(6):
            for records in consumer.poll(timeout_ms=500).values():
                values += [r.value for r in records]
            if values:
                break
        return values
    finally:
        consumer.close()


def _end_offset(settings, topic):
    consumer = KafkaConsumer(**kafka_config(settings), enable_auto_commit=False)
    try:
        tp = TopicPartition(topic, 0)
        return consumer.end_offsets([tp])[tp]
    finally:
        consumer.close()


def _poll_for_a_while(consumer, times=10):
    for _ in range(times):
        consumer.poll(timeout_ms=500)


def _logged_exceptions(caplog):
    """Every exception kafka-python logged, with the one it wraps (``__context__``)."""
    found = []
    for record in caplog.records:
        for arg in record.args if isinstance(record.args, tuple) else ():
            if isinstance(arg, BaseException):
                found += [arg, arg.__context__, arg.__cause__]
    return [e for e in found if e is not None]


class TestAuthentication:
    def test_a_client_without_sasl_is_refused(self, broker):
        """A PLAINTEXT client on the SASL port never gets metadata."""
        plain = broker.settings.with_overrides(
            kafka_bootstrap=broker.as_user(A).kafka_bootstrap, kafka_security_protocol="PLAINTEXT"
        )
        with pytest.raises(KafkaTimeoutError):
            _admin(plain, bootstrap_timeout_ms=3000)

    def test_a_wrong_password_is_refused(self, broker, caplog):
        """Agency A with a wrong password fails SCRAM authentication.

        The broker closes the connection right after its SASL failure reply; kafka-python 3.0
        sometimes reads the close before the reply and then logs a plain disconnect, so the
        broker's own log is the evidence that authentication (not the network) refused it.
        """
        caplog.set_level(logging.DEBUG, logger="kafka")
        server_log = cluster_spec(broker.settings, "sasl")[0].server_log
        seen = server_log.stat().st_size
        wrong = broker.as_user(A, password="not-the-password-of-agency-a")
        with pytest.raises(KafkaTimeoutError):
            _admin(wrong, bootstrap_timeout_ms=3000)
        client_saw_it = any(
            isinstance(e, SaslAuthenticationFailedError) for e in _logged_exceptions(caplog)
        )
        with server_log.open(encoding="utf-8", errors="replace") as log:
            log.seek(seen)
            broker_refused = "invalid credentials" in log.read()
        assert client_saw_it or broker_refused

    def test_the_right_password_is_accepted(self, broker):
        """Agency A with its own password gets the cluster's metadata."""
        admin = _admin(broker.as_user(A))
        try:
            assert admin.describe_cluster()["brokers"]
        finally:
            admin.close()


class TestAgencyAuthorization:
    def test_an_agency_writes_its_own_topic(self, broker):
        """A's idempotent producer writes to casehub.agency.A.events."""
        producer = _producer(broker.as_user(A))
        try:
            meta = producer.send(agency_topic(A), key=b"A/1", value=b"ok").get(timeout=30)
        finally:
            producer.close()
        assert meta.topic == agency_topic(A)

    def test_an_agency_cannot_write_another_agencys_topic(self, broker):
        """A's producer is refused B's inbound topic."""
        producer = _producer(broker.as_user(A))
        try:
            with pytest.raises(TopicAuthorizationFailedError):
                producer.send(agency_topic(B), key=b"B/1", value=b"forged").get(timeout=30)
        finally:
            producer.close()

    def test_an_agency_cannot_write_the_timeline(self, broker):
        """Only the hub writes the published record."""
        producer = _producer(broker.as_user(A))
        try:
            with pytest.raises(TopicAuthorizationFailedError):
                producer.send(TIMELINE, value=b"forged").get(timeout=30)
        finally:
            producer.close()

    def test_an_agency_reads_its_own_feed_in_its_own_group(self, broker):
        """A reads casehub.feed.A, committing in a group under its prefix ``A.``."""
        values = _read(broker.as_user(A), feed_topic(A), group=agency_prefix(A) + "reader")
        assert values == [f"for {feed_topic(A)}".encode()]

    def test_an_agency_cannot_read_the_timeline_or_another_feed(self, broker):
        """Offsets of the timeline and of B's feed are refused to A, and no record arrives."""
        settings = broker.as_user(A)
        for topic in (TIMELINE, feed_topic(B)):
            with pytest.raises(TopicAuthorizationFailedError):
                _end_offset(settings, topic)
            assert _read(settings, topic) == []
        assert _end_offset(broker.as_user("casehub-views"), TIMELINE) >= 1

    def test_an_agency_cannot_join_a_group_outside_its_prefix(self, broker):
        """A may not join the hub's ingest group (or any group not prefixed ``A.``)."""
        consumer = KafkaConsumer(
            feed_topic(A), **kafka_config(broker.as_user(A)), group_id="casehub-ingest"
        )
        try:
            with pytest.raises(GroupAuthorizationFailedError):
                _poll_for_a_while(consumer)
        finally:
            consumer.close()


class TestTls:
    def test_a_client_trusting_the_generated_ca_connects(self, broker):
        """SASL_SSL with kafka_ssl_cafile = the development CA: A writes its topic over TLS."""
        settings = broker.as_user(A, tls=True)
        assert kafka_config(settings)["security_protocol"] == "SASL_SSL"
        producer = _producer(settings)
        try:
            meta = producer.send(agency_topic(A), value=b"over tls").get(timeout=30)
        finally:
            producer.close()
        assert meta.offset >= 0

    def test_the_agency_publisher_connects_over_tls_when_settings_say_so(self, broker):
        """``AgencyPublisher`` with SASL_SSL settings publishes a valid event as agency A."""
        envelope = Envelope(uuid4(), A, "a-001", datetime.now(TIMEZONE))
        command = RegisterCase(envelope, CaseRef(A, f"tls-{uuid4().hex[:8]}"), "t", "c", "s")
        with AgencyPublisher(A, settings=broker.as_user(A, tls=True)) as publisher:
            result = publisher.publish(command)
        assert result.ok, result.error

    def test_a_client_without_the_ca_is_refused(self, broker, caplog):
        """Without the CA the broker's certificate does not verify and no session starts."""
        caplog.set_level(logging.DEBUG, logger="kafka")
        settings = broker.as_user(A, tls=True).with_overrides(kafka_ssl_cafile="")
        with pytest.raises(KafkaTimeoutError):
            _admin(settings, bootstrap_timeout_ms=3000)
        assert any(isinstance(e, ssl.SSLCertVerificationError) for e in _logged_exceptions(caplog))


class TestAcls:
    def test_the_broker_holds_exactly_the_planned_acls_for_our_principals(self, broker):
        """What ``apply`` left on the broker, for the provisioned users, is ``acls_for``."""
        with SecurityAdmin(broker.admin) as admin:
            existing = admin.existing_acls()
        planned = set(acls_for([A, B]))
        principals = {acl.principal for acl in planned}
        assert {acl for acl in existing if acl.principal in principals} == planned

    def test_a_second_apply_changes_nothing_and_says_so(self, broker, capsys, tmp_path):
        """``casehub security apply`` again: no ACL created or deleted, and it says so."""
        assert broker.first_apply is not None
        assert broker.first_apply.unchanged + len(broker.first_apply.created) == len(
            acls_for([A, B])
        )
        args = build_parser().parse_args(
            ["security", "apply", "--local-broker", "--agency", A, "--agency", B, "--prune"]
        )
        args.directory_file = None
        # An empty event store: the agencies come from --agency alone.
        settings = broker.settings.with_overrides(sqlite_path=str(tmp_path / "empty.sqlite"))
        assert args.func(args, settings) == 0
        out = capsys.readouterr().out
        assert "created" not in out
        assert "deleted" not in out
        assert "already up to date" in out


class TestSecretsStayOutOfLogs:
    def test_no_password_reaches_a_log_line_or_the_terminal(self, broker, caplog, tmp_path):
        """Creating a credential, connecting with it, and failing with a wrong one, all logged
        at DEBUG: no password appears in any log record, structlog event or printed line."""
        caplog.set_level(logging.DEBUG)
        # On kafka's own logger too: an in-process `casehub` command earlier raises its level.
        caplog.set_level(logging.DEBUG, logger="kafka")
        password_file = tmp_path / "rotated.password"
        out = io.StringIO()
        with structlog.testing.capture_logs() as events, redirect_stdout(out):
            args = build_parser().parse_args(
                [
                    "security", "credentials", "create", A, "--local-broker",
                    "--password-file", str(password_file),
                ]
            )  # fmt: skip
            assert args.func(args, broker.settings) == 0
            rotated = password_file.read_text(encoding="utf-8").strip()
            broker.passwords[A] = Secret(rotated)
            st.wait_for(lambda: _authenticates(broker.as_user(A)), 30, "the rotated password")
            with pytest.raises(KafkaTimeoutError):
                _admin(broker.as_user(A, password=rotated + "x"), bootstrap_timeout_ms=2000)
        assert "rotated" in out.getvalue() or "created" in out.getvalue()
        logged = caplog.text + "\n".join(repr(e) for e in events) + out.getvalue()
        assert "Starting KafkaAdminClient with configuration" in caplog.text  # DEBUG was on
        secrets = [rotated, broker.settings.kafka_sasl_password or "casehub-dev-admin-secret"]
        secrets += [s.reveal() for s in broker.passwords.values()]
        for secret in secrets:
            assert secret not in logged


def _authenticates(settings):
    try:
        _admin(settings, bootstrap_timeout_ms=2000).close()
    except KafkaTimeoutError:
        return False
    return True


class TestCredentials:
    def test_a_created_user_is_listed_and_can_connect_until_deleted(self, broker):
        """``upsert_scram`` (librdkafka's admin client) makes a working SCRAM-SHA-512 login,
        ``scram_users`` lists it with its iterations, ``delete_scram`` takes the login away."""
        name, password = "agency-scratch", Secret("a-scratch-password-0123456789")
        user = broker.settings.with_overrides(
            kafka_bootstrap=broker.as_user(A).kafka_bootstrap,
            kafka_security_protocol="SASL_PLAINTEXT",
            kafka_sasl_username=name,
            kafka_sasl_password=password.reveal(),
        )
        with SecurityAdmin(broker.admin) as admin:
            admin.upsert_scram(name, password, iterations=4096)
            try:
                assert admin.scram_users()[name] == ["SCRAM-SHA-512/4096"]
                # The credential reaches the broker's SCRAM cache a moment after the reply.
                st.wait_for(lambda: _can_connect(user), 30, "a login as the new user")
            finally:
                admin.delete_scram(name)
            assert name not in admin.scram_users()
        with pytest.raises(KafkaTimeoutError):
            _admin(user, bootstrap_timeout_ms=3000)


def _can_connect(settings):
    try:
        _admin(settings, bootstrap_timeout_ms=3000).close()
    except KafkaTimeoutError:
        return False
    return True
