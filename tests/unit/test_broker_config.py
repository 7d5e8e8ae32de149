"""The local broker's profiles render the configuration they promise, and port clashes read well."""

from __future__ import annotations

import os
import re
import socket

import pytest

from devkit.broker import config as broker_config
from devkit.broker import local
from devkit.broker.config import (
    cluster_spec,
    new_cluster_id,
    parse_properties,
    render_properties,
    sasl_credentials,
)
from devkit.broker.ports import port_is_free, require_free
from devkit.testing import broker as testing
from hub.errors import SetupError
from hub.settings import Settings


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path)


def rendered(settings, profile, node_index=0):
    nodes = cluster_spec(settings, profile)
    return parse_properties(render_properties(settings, nodes[node_index], nodes))


class TestClusterSpec:
    def test_single_uses_the_configured_ports_heap_and_data_dir(self, settings, tmp_path):
        """The single profile is one node on the settings' ports under <data_dir>/kafka/single."""
        [node] = cluster_spec(settings, "single")
        assert (node.port, node.controller_port, node.heap) == (19092, 19093, "512m")
        assert node.home == tmp_path / "kafka" / "single" / "node-1"
        assert node.bootstrap == "127.0.0.1:19092"

    def test_profiles_use_distinct_ports(self, settings):
        """All three profiles can run side by side: no two nodes share a port."""
        ports = [
            port
            for profile in ("single", "sasl", "cluster")
            for node in cluster_spec(settings, profile)
            for port in (node.port, node.controller_port)
        ]
        assert len(ports) == len(set(ports)) == 10

    def test_ports_follow_the_settings(self, settings):
        """Moving the base ports moves every profile with them."""
        moved = settings.with_overrides(kafka_port=29092, kafka_controller_port=29093)
        assert [n.port for n in cluster_spec(moved, "cluster")] == [29112, 29114, 29116]
        assert cluster_spec(moved, "sasl")[0].controller_port == 29103

    def test_cluster_has_three_small_nodes(self, settings):
        """The cluster profile runs three nodes with 256m heaps."""
        nodes = cluster_spec(settings, "cluster")
        assert [n.node_id for n in nodes] == [1, 2, 3]
        assert {n.heap for n in nodes} == {"256m"}

    def test_unknown_profile_is_a_setup_error(self, settings):
        """A mistyped profile names the valid ones."""
        with pytest.raises(SetupError, match="single, sasl, cluster"):
            cluster_spec(settings, "triple")


class TestRenderedProperties:
    def test_single_node_settings_for_transactions_on_one_broker(self, settings):
        """One combined node, loopback only, internal topics replicated once."""
        props = rendered(settings, "single")
        assert props["process.roles"] == "broker,controller"
        assert props["listeners"] == "PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093"
        assert props["controller.quorum.bootstrap.servers"] == "127.0.0.1:19093"
        assert props["offsets.topic.replication.factor"] == "1"
        assert props["transaction.state.log.replication.factor"] == "1"
        assert props["transaction.state.log.min.isr"] == "1"
        assert props["group.initial.rebalance.delay.ms"] == "0"
        assert props["auto.create.topics.enable"] == "false"
        assert props["num.partitions"] == str(settings.topic_partitions)
        assert props["log.dirs"] == str(cluster_spec(settings, "single")[0].data_dir)

    def test_no_placeholder_is_left_unfilled(self, settings):
        """Every template placeholder is substituted in every profile."""
        for profile in ("single", "sasl", "cluster"):
            for index in range(len(cluster_spec(settings, profile))):
                nodes = cluster_spec(settings, profile)
                assert "${" not in render_properties(settings, nodes[index], nodes)

    def test_sasl_authenticates_with_scram_and_authorizes_with_acls(self, settings):
        """SCRAM-SHA-512 on the client listener, StandardAuthorizer, admin the only super user."""
        props = rendered(settings, "sasl")
        assert props["listeners"].startswith("SASL_PLAINTEXT://127.0.0.1:19102,")
        assert props["sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
        assert props["authorizer.class.name"] == (
            "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
        )
        assert props["super.users"] == "User:admin"
        assert props["allow.everyone.if.no.acl.found"] == "false"

    def test_sasl_password_comes_from_settings_before_the_dev_default(self, settings):
        """CASEHUB_KAFKA_SASL_PASSWORD overrides the committed development default."""
        assert sasl_credentials(settings)[1] == "casehub-dev-admin-secret"
        custom = settings.with_overrides(kafka_sasl_password="s3cret-from-env")
        assert sasl_credentials(custom) == ("admin", "s3cret-from-env")
        assert 'password="s3cret-from-env"' in render_properties(
            custom, cluster_spec(custom, "sasl")[0], cluster_spec(custom, "sasl")
        )

    def test_sasl_password_with_jaas_syntax_is_refused(self, settings):
        """A password that would break the JAAS line or --add-scram is rejected up front."""
        with pytest.raises(SetupError, match="must not contain"):
            sasl_credentials(settings.with_overrides(kafka_sasl_password='a";b'))

    def test_cluster_nodes_share_a_three_voter_quorum_and_replicate_three_ways(self, settings):
        """Each node lists all three voters; RF 3 and min.insync.replicas 2 everywhere."""
        voters = "1@127.0.0.1:19113,2@127.0.0.1:19115,3@127.0.0.1:19117"
        for index in range(3):
            props = rendered(settings, "cluster", index)
            assert props["node.id"] == str(index + 1)
            assert props["controller.quorum.voters"] == voters
            assert props["default.replication.factor"] == "3"
            assert props["min.insync.replicas"] == "2"
            assert props["offsets.topic.replication.factor"] == "3"
            assert props["transaction.state.log.min.isr"] == "2"

    def test_cluster_id_has_kafkas_form(self):
        """22 URL-safe base64 characters, never starting with a dash."""
        ids = {new_cluster_id() for _ in range(200)}
        assert len(ids) == 200
        assert all(re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_-]{21}", i) for i in ids)


class TestPortsAndTools:
    def test_port_in_use_names_the_port_and_the_process(self):
        """The error names the port, what it was for, the holder and the setting to change."""
        with socket.socket() as holder:
            holder.bind(("127.0.0.1", 0))
            holder.listen()
            port = holder.getsockname()[1]
            assert not port_is_free("127.0.0.1", port)
            with pytest.raises(SetupError) as raised:
                require_free("127.0.0.1", [(port, "Kafka single listener", "CASEHUB_KAFKA_PORT")])
        message = str(raised.value)
        assert f"port {port} (Kafka single listener) is already in use" in message
        assert f"(pid {os.getpid()})" in message
        assert "CASEHUB_KAFKA_PORT" in message
        assert "\n" not in message

    def test_free_port_passes(self):
        """A port nobody listens on raises nothing."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        require_free("127.0.0.1", [(port, "test", "X")])

    def test_missing_java_is_a_setup_error(self, settings, monkeypatch):
        """Without java on PATH, `up` says what to install instead of a traceback."""
        monkeypatch.setattr(local.shutil, "which", lambda _name: None)
        with pytest.raises(SetupError, match="java is not on PATH"):
            local.broker_up(settings, "single")

    def test_missing_maven_is_a_setup_error(self, tmp_path, monkeypatch):
        """Without mvn and without jars, fetching them says Maven is needed."""
        monkeypatch.setattr(local, "JARS_STAMP", tmp_path / "lib" / ".stamp")
        monkeypatch.setattr(local, "LIB_DIR", tmp_path / "lib")
        monkeypatch.setattr(local.shutil, "which", lambda _name: None)
        with pytest.raises(SetupError, match=r"mvn \(Apache Maven\) is not on PATH"):
            local.ensure_jars()

    def test_failing_maven_reports_its_error_line(self, tmp_path, monkeypatch):
        """When mvn fails (e.g. Maven Central unreachable), its ERROR line is in the message."""
        fake = tmp_path / "mvn"
        fake.write_text(
            "#!/bin/sh\necho '[ERROR] Could not transfer artifact: Network down'\nexit 1\n"
        )
        fake.chmod(0o755)
        monkeypatch.setattr(local, "JARS_STAMP", tmp_path / "lib" / ".stamp")
        monkeypatch.setattr(local, "LIB_DIR", tmp_path / "lib")
        monkeypatch.setattr(local.shutil, "which", lambda _name: str(fake))
        with pytest.raises(SetupError, match=r"is Maven Central reachable.*Network down"):
            local.ensure_jars()

    def test_a_node_the_profile_lacks_is_a_setup_error(self, settings):
        """`--node 4` on the cluster names the nodes there are, before anything starts."""
        with pytest.raises(SetupError, match="has no node 4; its nodes are 1, 2, 3"):
            local.broker_up(settings, "cluster", node=4)

    def test_wipe_with_one_node_is_refused(self, settings):
        """Deleting data is for a whole profile: `down --node 2 --wipe` is refused."""
        with pytest.raises(SetupError, match="leave out --node"):
            local.broker_down(settings, "cluster", node=2, wipe=True)

    def test_status_names_the_stopped_nodes(self, settings):
        """A never-started cluster lists every node as stopped."""
        assert local.broker_status(settings, "cluster").stopped_nodes == [1, 2, 3]

    def test_status_of_a_never_started_profile_is_down(self, settings):
        """status reports every node down and the bootstrap list, without touching Kafka."""
        status = local.broker_status(settings, "cluster")
        assert not status.running
        assert status.bootstrap == "127.0.0.1:19112,127.0.0.1:19114,127.0.0.1:19116"


def test_templates_live_in_deploy():
    """The committed templates are the ones rendered (no hidden copy in the package)."""
    assert broker_config.TEMPLATE_DIR.name == "config"
    assert (broker_config.TEMPLATE_DIR / "base.properties").exists()


class TestSessionBroker:
    @pytest.fixture
    def fake_broker(self, monkeypatch):
        state = {"running": False, "ups": 0, "downs": 0}

        def up(_settings, _profile):
            state["running"], state["ups"] = True, state["ups"] + 1
            return True

        def down(_settings, _profile):
            state["running"], state["downs"] = False, state["downs"] + 1
            return True

        monkeypatch.setattr(testing, "broker_up", up)
        monkeypatch.setattr(testing, "broker_down", down)
        monkeypatch.setattr(testing, "_listening", lambda _h, _p: state["running"])
        return testing, state

    def test_last_session_out_stops_the_broker_the_first_started(self, settings, fake_broker):
        """A second session reuses the broker; it stops only when both have left."""
        testing, state = fake_broker
        leases = settings.data_dir / "kafka" / "single" / "sessions"
        first = testing.session_broker(settings)
        assert first.__enter__() == "127.0.0.1:19092"
        (leases / "1").touch()  # another live session (pid 1 always exists)
        with testing.session_broker(settings):
            pass
        assert (state["ups"], state["downs"]) == (1, 0)
        (leases / "1").unlink()
        first.__exit__(None, None, None)
        assert (state["ups"], state["downs"]) == (1, 1)

    def test_a_broker_started_by_hand_is_left_running(self, settings, fake_broker):
        """When the broker already ran before the session, the session does not stop it."""
        testing, state = fake_broker
        state["running"] = True
        with testing.session_broker(settings):
            pass
        assert state == {"running": True, "ups": 0, "downs": 0}

    def test_stale_leases_of_dead_sessions_are_ignored(self, settings, fake_broker):
        """A lease left by a crashed session does not keep the broker up."""
        testing, state = fake_broker
        leases = settings.data_dir / "kafka" / "single" / "sessions"
        leases.mkdir(parents=True)
        (leases / "999999999").touch()
        with testing.session_broker(settings):
            pass
        assert (state["ups"], state["downs"]) == (1, 1)
        assert not (leases / "999999999").exists()
