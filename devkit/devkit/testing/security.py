"""Helpers for the security integration tests (like ``structlog.testing``).

The sasl profile's broker as a test module uses it: started under a lease if it does not run
(``devkit.testing.broker.session_broker``), the hub's topics of earlier runs deleted, the hub's
three users and the given agencies given credentials and the ACLs the directory implies, all
as the operator would (``casehub security credentials create`` and ``apply``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devkit.broker import client_config
from devkit.broker.config import broker_tls, cluster_spec, local_super_user
from devkit.testing.broker import session_broker
from devkit.testing.serve import wait_until
from hub.errors import CaseHubError
from hub.kafka.admin import KafkaAdmin, NewTopicSpec
from hub.security.acls import SERVICE_USERS
from hub.security.admin import AclChanges, SecurityAdmin
from hub.security.credentials import Secret
from hub.security.provision import apply_directory_acls, create_credentials
from hub.settings import Settings
from hub.topics import DEADLETTER, INGEST_GROUP, LEADER, LEADER_GROUP, RELAY_POSITION, TIMELINE

#: The hub's topics a test run may leave behind (never another test's ``casehub.test.*``).
_HUB_TOPIC_PREFIXES = ("casehub.agency.", "casehub.feed.")
_HUB_TOPICS = (TIMELINE, DEADLETTER, RELAY_POSITION, LEADER)


@dataclass
class SecureBroker:
    """The sasl broker with the hub's users and some agencies provisioned."""

    #: Settings that reach the broker as nobody yet (add a user with ``as_user``).
    settings: Settings
    #: The super user's connection (SASL_PLAINTEXT): the operator's.
    admin: Settings
    #: The same as kafka-python keyword arguments, for tests that use it as a peer client.
    admin_config: dict[str, Any]
    #: Every provisioned user's password.
    passwords: dict[str, Secret] = field(default_factory=dict)
    #: The private TOML credentials file holding those passwords.
    credentials_file: Path = Path()
    first_apply: AclChanges | None = None

    @property
    def ca_file(self) -> Path:
        return broker_tls(self.settings).ca_cert

    def as_user(self, name: str, *, tls: bool = False, password: str | None = None) -> Settings:
        """Settings for ``name`` over SASL_PLAINTEXT, or SASL_SSL with the development CA."""
        [node] = cluster_spec(self.settings, "sasl")
        secret = self.passwords[name].reveal() if password is None else password
        return self.settings.with_overrides(
            kafka_bootstrap=node.tls_bootstrap if tls else node.bootstrap,
            kafka_security_protocol="SASL_SSL" if tls else "SASL_PLAINTEXT",
            kafka_sasl_username=name,
            kafka_sasl_password=secret,
            kafka_ssl_cafile=str(self.ca_file) if tls else "",
        )


def delete_hub_topics(admin_settings: Settings, timeout: float = 60.0) -> None:
    """Delete the hub's topics and groups left by earlier runs (as the super user)."""
    with KafkaAdmin(admin_settings, client_id="casehub-test-security-reset") as admin:
        # A group a killed run left members in is refused until they expire; a leftover
        # group does no harm to the next run (it claims from the store, not the group).
        with suppress(CaseHubError):
            admin.delete_groups([INGEST_GROUP, LEADER_GROUP])

        def ours() -> list[str]:
            return [
                t for t in admin.topics() if t.startswith(_HUB_TOPIC_PREFIXES) or t in _HUB_TOPICS
            ]

        if ours():
            admin.delete_topics(ours())
        wait_for(lambda: not ours(), timeout, "the hub's topics to be deleted")


def create_topics(admin_settings: Settings, names: Iterable[str]) -> None:
    """Single-partition topics (as the super user); existing ones are left as they are."""
    wanted = set(names)
    with KafkaAdmin(admin_settings, client_id="casehub-test-security-topics") as admin:
        admin.create_topics([NewTopicSpec(n, 1, 1, {}) for n in sorted(wanted)])
        wait_for(lambda: wanted <= set(admin.topics()), 30, f"topics {sorted(wanted)}")


@contextmanager
def secure_broker(
    settings: Settings, agencies: Iterable[str], scratch: Path
) -> Iterator[SecureBroker]:
    """The sasl broker, clean of earlier runs, with users and ACLs for ``agencies``."""
    settings = settings.with_overrides(kafka_bootstrap="")
    with session_broker(settings, "sasl"):
        admin = local_super_user(settings)
        delete_hub_topics(admin)
        agencies = sorted(agencies)
        broker = SecureBroker(
            settings,
            admin,
            client_config(settings, "sasl"),
            credentials_file=scratch / "kafka.toml",
        )
        with SecurityAdmin(admin) as security:
            users = (*SERVICE_USERS, *agencies)
            broker.passwords = create_credentials(security, users, broker.credentials_file)
            broker.first_apply = apply_directory_acls(security, agencies)
        yield broker


def wait_for(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    """``devkit.testing.serve.wait_until`` with the security tests' argument order."""
    return wait_until(predicate, timeout, what=what)
