"""What a Kafka client of the hub or of an agency connects with, whatever the client library.

``kafka_security_protocol`` chooses the rest:

* ``PLAINTEXT``: the local development broker; no credentials.
* ``SASL_PLAINTEXT``: SCRAM-SHA-512 as ``kafka_sasl_username``; only on a trusted network.
* ``SASL_SSL``: the same inside TLS; the broker's certificate is checked against
  ``kafka_ssl_cafile`` (else the system's trusted CAs) and its host name against the
  bootstrap address.
* ``SSL``: TLS without SASL (a broker that authenticates clients otherwise).

The password is ``kafka_sasl_password`` (``CASEHUB_KAFKA_SASL_PASSWORD``) or, when that is
empty, the user's entry in the private credentials file (``hub.security.credentials``); a
missing one is a ``SetupError`` that says where to put it. ``hub.kafka.config`` (librdkafka,
the hub's clients) and ``hub.publish.connection`` (kafka-python, the agency SDK) only spell
this in their library's terms; this module imports no Kafka client.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from hub.errors import SetupError
from hub.security.credentials import CREDENTIALS_FILE_ENV, lookup_password
from hub.settings import Settings

SASL_MECHANISM = "SCRAM-SHA-512"
PROTOCOLS = ("PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL", "SSL")


@dataclass(frozen=True)
class Connection:
    servers: tuple[str, ...]
    protocol: str
    #: The SCRAM user and password (SASL protocols only).
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    #: The CA file to check the broker's certificate against (TLS protocols; None: the system's).
    cafile: str | None = None

    @property
    def sasl(self) -> bool:
        return self.protocol.startswith("SASL")

    @property
    def tls(self) -> bool:
        return self.protocol.endswith("SSL")


def connection(settings: Settings) -> Connection:
    """The checked connection settings; ``SetupError`` names the first thing that is wrong."""
    protocol = settings.kafka_security_protocol.strip().upper()
    if protocol not in PROTOCOLS:
        raise SetupError(
            f"kafka_security_protocol {settings.kafka_security_protocol!r} is not one of "
            f"{', '.join(PROTOCOLS)}"
        )
    username = password = cafile = None
    if protocol.startswith("SASL"):
        username = settings.kafka_sasl_username
        if not username:
            raise SetupError(
                f"kafka_security_protocol {protocol} needs a user: set CASEHUB_KAFKA_SASL_USERNAME"
            )
        password = _password(settings, username)
    if protocol.endswith("SSL"):
        if settings.kafka_ssl_cafile:
            path = Path(settings.kafka_ssl_cafile)
            if not path.is_file():
                raise SetupError(f"kafka_ssl_cafile {path} does not exist")
            cafile = str(path)
    elif settings.kafka_ssl_cafile:
        raise SetupError(
            f"kafka_ssl_cafile is set but kafka_security_protocol is {protocol}: "
            "set CASEHUB_KAFKA_SECURITY_PROTOCOL=SASL_SSL to use TLS"
        )
    return Connection(tuple(settings.bootstrap_servers), protocol, username, password, cafile)


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
