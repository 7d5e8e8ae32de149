"""librdkafka configuration from ``Settings``: the one place connection properties are built.

``kafka_security_protocol`` chooses the rest:

* ``PLAINTEXT``: the local development broker; no credentials.
* ``SASL_PLAINTEXT``: SCRAM-SHA-512 as ``kafka_sasl_username``; only on a trusted network.
* ``SASL_SSL``: the same inside TLS; the broker's certificate is checked against
  ``kafka_ssl_cafile`` (else the system's trusted CAs) and its host name against the
  bootstrap address.
* ``SSL``: TLS without SASL.

The password is ``kafka_sasl_password`` or the user's entry in the private credentials file
(``hub.security.credentials``). ``ClientConfig`` is a ``dict`` whose ``repr`` masks it, so a
configuration that reaches a log line or a traceback never shows it.

Every producer of the hub uses ``partitioner=murmur2_random``: the partitioner of kafka-python
(the agency SDK) and of the Java client, so one case key lands on the same partition whichever
client wrote it (librdkafka's own default, ``consistent_random``, hashes with CRC32).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hub.errors import SetupError
from hub.kafka.logs import librdkafka_logger
from hub.security.credentials import CREDENTIALS_FILE_ENV, lookup_password
from hub.settings import Settings

SASL_MECHANISM = "SCRAM-SHA-512"
PROTOCOLS = ("PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL", "SSL")
#: Java's and kafka-python's partitioner: the same key, the same partition, in every client.
PARTITIONER = "murmur2_random"
_SECRET_KEYS = frozenset({"sasl.password", "ssl.key.password"})


class ClientConfig(dict[str, Any]):
    """librdkafka properties; ``repr`` and ``str`` mask every secret."""

    def __repr__(self) -> str:
        shown = {k: ("********" if k in _SECRET_KEYS else v) for k, v in self.items()}
        return repr(shown)

    __str__ = __repr__


def client_config(settings: Settings, *, client_id: str) -> ClientConfig:
    """Connection properties every client shares (servers, security, logger, client id)."""
    protocol = settings.kafka_security_protocol.strip().upper()
    if protocol not in PROTOCOLS:
        raise SetupError(
            f"kafka_security_protocol {settings.kafka_security_protocol!r} is not one of "
            f"{', '.join(PROTOCOLS)}"
        )
    config = ClientConfig(
        {
            "bootstrap.servers": ",".join(settings.bootstrap_servers),
            "security.protocol": protocol,
            "client.id": client_id,
            "logger": librdkafka_logger(client_id),
        }
    )
    if protocol.startswith("SASL"):
        username = settings.kafka_sasl_username
        if not username:
            raise SetupError(
                f"kafka_security_protocol {protocol} needs a user: set CASEHUB_KAFKA_SASL_USERNAME"
            )
        config |= {
            "sasl.mechanism": SASL_MECHANISM,
            "sasl.username": username,
            "sasl.password": _password(settings, username),
        }
    if protocol.endswith("SSL"):
        config["ssl.endpoint.identification.algorithm"] = "https"
        if settings.kafka_ssl_cafile:
            cafile = Path(settings.kafka_ssl_cafile)
            if not cafile.is_file():
                raise SetupError(f"kafka_ssl_cafile {cafile} does not exist")
            config["ssl.ca.location"] = str(cafile)
    elif settings.kafka_ssl_cafile:
        raise SetupError(
            f"kafka_ssl_cafile is set but kafka_security_protocol is {protocol}: "
            "set CASEHUB_KAFKA_SECURITY_PROTOCOL=SASL_SSL to use TLS"
        )
    return config


def _password(settings: Settings, username: str) -> str:
    if settings.kafka_sasl_password:
        return settings.kafka_sasl_password
    secret = lookup_password(settings, username)
    if secret is None:
        raise SetupError(
            f"no Kafka password for {username}: set CASEHUB_KAFKA_SASL_PASSWORD or name a "
            f"private credentials file in {CREDENTIALS_FILE_ENV}"
        )
    return secret.reveal()
