"""``hub.publish.connection``: the SDK's kafka-python connection arguments, from Settings."""

from __future__ import annotations

import logging

import pytest

from hub.errors import SetupError
from hub.publish import producer_config
from hub.publish.connection import kafka_config
from hub.security.credentials import CREDENTIALS_FILE_ENV
from hub.settings import Settings, load_settings

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def no_credentials_file(monkeypatch):
    monkeypatch.delenv(CREDENTIALS_FILE_ENV, raising=False)


def test_plaintext_is_servers_and_protocol_only():
    assert kafka_config(Settings(kafka_bootstrap="h1:9092, h2:9092")) == {
        "bootstrap_servers": ["h1:9092", "h2:9092"],
        "security_protocol": "PLAINTEXT",
    }


def test_sasl_plaintext_authenticates_with_scram_sha_512():
    config = kafka_config(
        Settings(
            kafka_security_protocol="SASL_PLAINTEXT",
            kafka_sasl_username="agency-a",
            kafka_sasl_password=PASSWORD,
        )
    )
    assert config["sasl_mechanism"] == "SCRAM-SHA-512"
    assert config["sasl_plain_username"] == "agency-a"
    assert config["sasl_plain_password"] == PASSWORD
    assert PASSWORD not in repr(config)
    assert "ssl_cafile" not in config


def test_sasl_ssl_checks_the_broker_against_the_ca_file(tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n", encoding="ascii")
    config = kafka_config(
        Settings(
            kafka_security_protocol="sasl_ssl",
            kafka_sasl_username="casehub-hub",
            kafka_sasl_password=PASSWORD,
            kafka_ssl_cafile=str(ca),
        )
    )
    assert config["security_protocol"] == "SASL_SSL"
    assert config["ssl_cafile"] == str(ca)
    assert config["ssl_check_hostname"] is True


def test_the_password_may_come_from_the_credentials_file(tmp_path, monkeypatch):
    path = tmp_path / "kafka.toml"
    path.write_text(f'casehub-hub = "{PASSWORD}"\n', encoding="utf-8")
    path.chmod(0o600)
    monkeypatch.setenv(CREDENTIALS_FILE_ENV, str(path))
    config = kafka_config(
        load_settings(kafka_security_protocol="SASL_SSL", kafka_sasl_username="casehub-hub")
    )
    assert config["sasl_plain_password"] == PASSWORD
    assert "ssl_cafile" not in config  # the system's trusted CAs


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"kafka_security_protocol": "TLS"}, "is not one of"),
        ({"kafka_security_protocol": "SASL_SSL"}, "needs a user"),
        (
            {"kafka_security_protocol": "SASL_SSL", "kafka_sasl_username": "agency-a"},
            "no Kafka password for agency-a",
        ),
        (
            {
                "kafka_security_protocol": "SSL",
                "kafka_ssl_cafile": "/nonexistent/ca.pem",
            },
            "does not exist",
        ),
        ({"kafka_ssl_cafile": "/etc/ca.pem"}, "SASL_SSL to use TLS"),
    ],
)
def test_a_misconfiguration_is_one_clear_error(overrides, message):
    with pytest.raises(SetupError, match=message):
        kafka_config(Settings(**overrides))


def test_the_publisher_config_masks_the_password(caplog):
    """The agency publisher's connection arguments are ``hub.publish.connection``'s: the
    password works as a string but prints, reprs and logs as ``********``."""
    build = producer_config
    settings = Settings(
        kafka_security_protocol="SASL_PLAINTEXT",
        kafka_sasl_username="market-regulation",
        kafka_sasl_password=PASSWORD,
    )
    config = build(settings)
    assert config == kafka_config(settings)
    assert config["sasl_plain_password"] == PASSWORD
    assert config["sasl_plain_password"].encode() == PASSWORD.encode()
    with caplog.at_level("DEBUG"):
        logging.getLogger("test").debug("configuration: %s", config)
        logging.getLogger("test").debug("password: %s", config["sasl_plain_password"])
    for shown in (repr(config), str(config), f"{config}", caplog.text):
        assert PASSWORD not in shown
    assert "'sasl_plain_password': '********'" in repr(config)


def test_the_hubs_librdkafka_config_masks_the_password(caplog):
    """The hub's own clients (``hub.kafka.config``) get the password in librdkafka's terms; the
    configuration prints, reprs and logs it as ``********``."""
    from hub.kafka.config import client_config  # noqa: PLC0415 - the server side under test

    settings = Settings(
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_username="casehub-hub",
        kafka_sasl_password=PASSWORD,
    )
    config = client_config(settings, client_id="test")
    assert config["sasl.password"] == PASSWORD
    assert config["sasl.mechanism"] == "SCRAM-SHA-512"
    assert config["ssl.endpoint.identification.algorithm"] == "https"
    with caplog.at_level("DEBUG"):
        logging.getLogger("test").debug("configuration: %s", config)
    for shown in (repr(config), str(config), f"{config}", caplog.text):
        assert PASSWORD not in shown
    assert "'sasl.password': '********'" in repr(config)
