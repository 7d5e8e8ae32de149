"""The SDK's kafka-python connection keyword arguments, built from ``Settings``.

The publisher passes ``**kafka_config(settings)`` and adds only its own role's
options (``acks``, ``linger_ms``, ...). The hub's own clients take theirs from
``hub.kafka.config``, in librdkafka's terms.

``kafka_security_protocol`` chooses the rest:

* ``PLAINTEXT``: the local development broker; no credentials.
* ``SASL_PLAINTEXT``: SCRAM-SHA-512 as ``kafka_sasl_username``; only on a trusted network.
* ``SASL_SSL``: the same inside TLS; the broker's certificate is checked against
  ``kafka_ssl_cafile`` (else the system's trusted CAs) and its host name against the
  bootstrap address.
* ``SSL``: TLS without SASL (a broker that authenticates clients otherwise).

The password is ``kafka_sasl_password`` (``CASEHUB_KAFKA_SASL_PASSWORD``) or, when that is
empty, the user's entry in the private credentials file (``hub.security.credentials``). It is
handed over as a ``MaskedStr``, so kafka-python's own DEBUG dump of its configuration prints
``********``; a missing one is a ``SetupError`` that says where to put it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hub.errors import SetupError
from hub.security.credentials import CREDENTIALS_FILE_ENV, lookup_password, masked
from hub.settings import Settings

SASL_MECHANISM = "SCRAM-SHA-512"
PROTOCOLS = ("PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL", "SSL")


def kafka_config(settings: Settings) -> dict[str, Any]:
    """kafka-python keyword arguments every client of the hub shares (servers, security)."""
    protocol = settings.kafka_security_protocol.strip().upper()
    if protocol not in PROTOCOLS:
        raise SetupError(
            f"kafka_security_protocol {settings.kafka_security_protocol!r} is not one of "
            f"{', '.join(PROTOCOLS)}"
        )
    config: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers,
        "security_protocol": protocol,
    }
    if protocol.startswith("SASL"):
        username = settings.kafka_sasl_username
        if not username:
            raise SetupError(
                f"kafka_security_protocol {protocol} needs a user: set CASEHUB_KAFKA_SASL_USERNAME"
            )
        config |= {
            "sasl_mechanism": SASL_MECHANISM,
            "sasl_plain_username": username,
            "sasl_plain_password": masked(_password(settings, username)),
        }
    if protocol.endswith("SSL"):
        config["ssl_check_hostname"] = True
        if settings.kafka_ssl_cafile:
            cafile = Path(settings.kafka_ssl_cafile)
            if not cafile.is_file():
                raise SetupError(f"kafka_ssl_cafile {cafile} does not exist")
            config["ssl_cafile"] = str(cafile)
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
