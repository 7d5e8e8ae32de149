"""librdkafka configuration from ``Settings``: the one place connection properties are built.

What to connect with (protocol, SCRAM user and password, CA file) is decided and checked in
``hub.security.connection``; this module spells it in librdkafka's terms. ``ClientConfig`` is
a ``dict`` whose ``repr`` masks the password, so a configuration that reaches a log line or a
traceback never shows it.

Every producer of the hub uses ``partitioner=murmur2_random``: the partitioner of kafka-python
(the agency SDK) and of the Java client, so one case key lands on the same partition whichever
client wrote it (librdkafka's own default, ``consistent_random``, hashes with CRC32).
"""

from __future__ import annotations

from typing import Any

from hub.kafka.logs import librdkafka_logger
from hub.security.connection import SASL_MECHANISM, connection
from hub.settings import Settings

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
    conn = connection(settings)
    config = ClientConfig(
        {
            "bootstrap.servers": ",".join(conn.servers),
            "security.protocol": conn.protocol,
            "client.id": client_id,
            "logger": librdkafka_logger(client_id),
        }
    )
    if conn.sasl:
        config |= {
            "sasl.mechanism": SASL_MECHANISM,
            "sasl.username": conn.username,
            "sasl.password": conn.password,
        }
    if conn.tls:
        config["ssl.endpoint.identification.algorithm"] = "https"
        if conn.cafile:
            config["ssl.ca.location"] = conn.cafile
    return config
