"""``casehub demo --secure``: the same story with authentication, ACLs and TLS on.

The demo then runs on the local sasl broker profile (``casehub broker up --profile sasl``) over
its SASL_SSL listener, trusting the development CA (``devkit.broker.tls``). As the operator would
(``casehub security credentials create`` and ``casehub security apply``), the broker's super
user gives every principal a fresh SCRAM-SHA-512 password, recorded in the run folder's private
credentials file (mode 0600), and applies the ACLs the directory file implies. From then on
each client connects as its own principal through ``hub.kafka.config``, which finds the
password in that file:

* each agency's publisher as ``User:<agency-id>``;
* the hub (topics, ingest, relay, leadership) as ``User:casehub-hub``;
* the projections as ``User:casehub-views``;
* the auditor reading ``casehub.timeline`` for the chain verification as ``User:casehub-audit``.

Only the clean slate (deleting the hub's topics and groups) and the provisioning use the super
user: no service principal may do either. At the end one agency tries to read another's feed
and the demo fails unless the broker refuses it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from devkit.demo.errors import DemoError
from hub.errors import CaseHubError
from hub.security.acls import AUDIT_USER, HUB_USER, SERVICE_USERS, VIEWS_USER
from hub.security.admin import AclChanges
from hub.settings import Settings

#: The run folder's private credentials file (``CASEHUB_KAFKA_CREDENTIALS_FILE`` of each client).
CREDENTIALS_FILE = "kafka-credentials.toml"


@dataclass(frozen=True)
class SecureRun:
    """Who connects how in a secure run; ``settings`` reaches the broker as nobody yet."""

    settings: Settings
    #: The broker's super user over SASL_SSL (the operator's connection).
    operator: Settings

    @classmethod
    def on_local_broker(cls, settings: Settings, run_dir: Path) -> SecureRun:
        """SASL_SSL on the local sasl profile, passwords from ``run_dir``'s credentials file."""
        from devkit.broker import cluster_spec  # noqa: PLC0415
        from devkit.broker.config import broker_tls, local_super_user  # noqa: PLC0415

        [node] = cluster_spec(settings, "sasl")
        secure = settings.with_overrides(
            kafka_bootstrap=node.tls_bootstrap or node.bootstrap,
            kafka_security_protocol="SASL_SSL",
            kafka_ssl_cafile=str(broker_tls(settings).ca_cert),
            kafka_sasl_username="",
            # Every principal's password comes from the credentials file, never the settings.
            kafka_sasl_password="",
            kafka_credentials_file=str(run_dir / CREDENTIALS_FILE),
        )
        return cls(secure, local_super_user(settings, tls=True))

    @property
    def credentials_file(self) -> Path:
        return Path(self.settings.kafka_credentials_file)

    def as_user(self, settings: Settings, name: str) -> Settings:
        """``settings`` (this run's, with the run folder's store) connecting as ``name``."""
        return settings.with_overrides(kafka_sasl_username=name)


@dataclass(frozen=True)
class Principals:
    """The settings each client of the demo connects with (one for all in a plain run)."""

    hub: Settings
    views: Settings
    auditor: Settings
    secure: SecureRun | None = None

    def agency(self, agency_id: str) -> Settings:
        if self.secure is None:
            return self.hub
        return self.secure.as_user(self.hub, agency_id)

    @classmethod
    def plain(cls, settings: Settings) -> Principals:
        return cls(settings, settings, settings)

    @classmethod
    def for_secure_run(cls, run: SecureRun, settings: Settings) -> Principals:
        return cls(
            run.as_user(settings, HUB_USER),
            run.as_user(settings, VIEWS_USER),
            run.as_user(settings, AUDIT_USER),
            run,
        )


def start_sasl_broker(settings: Settings) -> bool:
    """Start the local sasl profile unless it runs; True when this call started it."""
    from devkit.broker import broker_status, broker_up  # noqa: PLC0415

    try:
        if broker_status(settings, "sasl").running:
            # Not ``broker_up``: it would take over a broker a test session started and owns.
            return False
        return broker_up(settings, "sasl")
    except CaseHubError as exc:
        raise DemoError(f"the local Kafka broker (sasl profile) could not start: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - java missing, ports taken: one clear line
        text = str(exc).strip().splitlines()
        first = text[0] if text else type(exc).__name__
        raise DemoError(f"the local Kafka broker (sasl profile) could not start: {first}") from None


def provision(
    run: SecureRun, settings: Settings, directory_file: Path, admitted: Iterable[str] = ()
) -> tuple[int, AclChanges]:
    """Credentials for the hub's users and the directory's agencies, then the ACLs the
    directory implies; returns (users given a password, what the ACL apply did).

    ``admitted``: agencies the story admits later (``casehub security apply --agency``), so
    their systems can publish as soon as the hub has admitted them.
    """
    from hub.security.admin import SecurityAdmin  # noqa: PLC0415
    from hub.security.provision import (  # noqa: PLC0415
        apply_directory_acls,
        create_credentials,
        directory_agencies,
    )

    agencies = directory_agencies(settings, directory_file, admitted)
    try:
        with SecurityAdmin(run.operator) as admin:
            users = create_credentials(admin, (*SERVICE_USERS, *agencies), run.credentials_file)
            changes = apply_directory_acls(admin, agencies)
    except CaseHubError as exc:
        raise DemoError(f"could not provision the broker's users and ACLs: {exc}") from None
    return len(users), changes


def refused_feed_read(reader: Settings, agency_id: str) -> str:
    """Try to read ``agency_id``'s feed as ``reader``; the name of the broker's refusal.

    Raises ``DemoError`` if the broker lets the read through: then the ACLs are not in force.
    """
    from hub.kafka.reader import open_reader, topic_refusal  # noqa: PLC0415
    from hub.topics import feed_topic  # noqa: PLC0415

    topic = feed_topic(agency_id)
    with open_reader(reader, client_id=f"{reader.kafka_sasl_username}.demo-probe") as consumer:
        refusal = topic_refusal(consumer, topic)
    if refusal is not None and "AUTHORIZATION_FAILED" in refusal:
        return refusal
    raise DemoError(
        f"User:{reader.kafka_sasl_username} could read {topic}: the broker's ACLs are not in force"
    )
