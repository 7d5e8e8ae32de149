"""The SDK's kafka-python connection keyword arguments, built from ``Settings``.

The publisher passes ``**kafka_config(settings)`` and adds only its own role's
options (``acks``, ``linger_ms``, ...). The hub's own clients take theirs from
``hub.kafka.config``, in librdkafka's terms.

What to connect with (protocol, SCRAM user and password, CA file) is decided and checked in
``hub.security.connection``, shared with the hub's own clients. The password is handed over
as a ``MaskedStr``, so kafka-python's own DEBUG dump of its configuration prints
``********``.
"""

from __future__ import annotations

from typing import Any

from hub.security.connection import PROTOCOLS, SASL_MECHANISM, connection
from hub.security.credentials import masked
from hub.settings import Settings

__all__ = ["PROTOCOLS", "SASL_MECHANISM", "kafka_config"]


def kafka_config(settings: Settings) -> dict[str, Any]:
    """kafka-python keyword arguments every client of the SDK shares (servers, security)."""
    conn = connection(settings)
    config: dict[str, Any] = {
        "bootstrap_servers": list(conn.servers),
        "security_protocol": conn.protocol,
    }
    if conn.sasl:
        config |= {
            "sasl_mechanism": SASL_MECHANISM,
            "sasl_plain_username": conn.username,
            "sasl_plain_password": masked(conn.password or ""),
        }
    if conn.tls:
        config["ssl_check_hostname"] = True
        if conn.cafile:
            config["ssl_cafile"] = conn.cafile
    return config
