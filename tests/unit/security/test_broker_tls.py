"""The sasl profile's development CA and broker certificate, and its SASL_SSL listener."""

from __future__ import annotations

import socket
import ssl
import threading

import pytest

from devkit.broker.config import (
    broker_tls,
    cluster_spec,
    parse_properties,
    render_properties,
    tls_hosts,
)
from devkit.broker.local import client_config
from hub.errors import SetupError
from hub.settings import Settings


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path)


@pytest.fixture
def made(settings):
    tls = broker_tls(settings)
    assert tls.ensure(tls_hosts(settings))
    return tls


def handshake(tls, host, cafile):
    """A TLS handshake with a loopback server presenting the broker's key store."""
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(tls.keystore, password=tls.key_password())
    client_ctx = ssl.create_default_context(cafile=str(cafile))
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]

        def serve():
            conn, _ = listener.accept()
            try:
                with server_ctx.wrap_socket(conn, server_side=True) as tls_conn:
                    tls_conn.recv(1)
            except (ssl.SSLError, OSError):
                pass

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        try:
            with (
                socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
                client_ctx.wrap_socket(raw, server_hostname=host) as conn,
            ):
                conn.sendall(b"x")
                return conn.version()
        finally:
            thread.join(timeout=10)


class TestCertificates:
    def test_the_broker_certificate_verifies_against_the_ca_for_each_host(self, made):
        """A client trusting ca.pem completes a handshake for 127.0.0.1 and localhost."""
        for host in ("127.0.0.1", "localhost"):
            assert handshake(made, host, made.ca_cert).startswith("TLS")

    def test_another_host_name_does_not_verify(self, made):
        with pytest.raises(ssl.SSLCertVerificationError):
            handshake(made, "broker.example.org", made.ca_cert)

    def test_secrets_are_private_and_the_ca_certificate_is_not(self, made):
        for path in (made.ca_key, made.keystore, made.key_password_file):
            assert path.stat().st_mode & 0o077 == 0, path
        assert made.ca_cert.stat().st_mode & 0o044
        assert "ENCRYPTED PRIVATE KEY" in made.keystore.read_text(encoding="ascii")

    def test_ensure_keeps_a_complete_set_and_remakes_it_for_another_host(self, settings, made):
        before = made.ca_cert.read_bytes()
        assert not made.ensure(tls_hosts(settings))
        assert made.ca_cert.read_bytes() == before
        assert made.ensure(["broker.internal", *tls_hosts(settings)])
        assert made.ca_cert.read_bytes() != before


class TestListener:
    def test_the_sasl_profile_offers_sasl_ssl_on_its_own_port(self, settings, made):
        """SASL_PLAINTEXT on 19102 and SASL_SSL on 19104, with the generated key store."""
        [node] = cluster_spec(settings, "sasl")
        props = parse_properties(render_properties(settings, node, [node]))
        assert node.tls_port == 19104
        assert props["listeners"] == (
            "SASL_PLAINTEXT://127.0.0.1:19102,SASL_SSL://127.0.0.1:19104,"
            "CONTROLLER://127.0.0.1:19103"
        )
        assert "SASL_SSL:SASL_SSL" in props["listener.security.protocol.map"]
        assert props["listener.name.sasl_ssl.ssl.keystore.location"] == str(made.keystore)
        assert props["listener.name.sasl_ssl.ssl.key.password"] == made.key_password()
        assert props["listener.name.sasl_ssl.sasl.enabled.mechanisms"] == "SCRAM-SHA-512"

    def test_only_the_sasl_profile_has_a_tls_port(self, settings):
        assert [n.tls_port for n in cluster_spec(settings, "single")] == [None]
        assert {n.tls_port for n in cluster_spec(settings, "cluster")} == {None}

    def test_the_local_tls_client_trusts_the_development_ca(self, settings):
        config = client_config(settings, "sasl", tls=True)
        assert config["bootstrap_servers"] == ["127.0.0.1:19104"]
        assert config["security_protocol"] == "SASL_SSL"
        assert config["ssl_cafile"] == str(broker_tls(settings).ca_cert)
        assert "casehub-dev-admin-secret" not in repr(config)
        with pytest.raises(SetupError, match="no TLS listener"):
            client_config(settings, "single", tls=True)
