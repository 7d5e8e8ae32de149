"""What each local profile runs: its nodes, ports, heaps and rendered ``server.properties``.

Pure functions of the settings, so the configuration can be unit-tested without a JVM. The
committed templates live in ``deploy/kafka/config/``; ``${name}`` placeholders are filled here.

Ports: ``single`` uses the configured ports (19092/19093 by default); ``sasl`` the same plus 10
(19102/19103) and its SASL_SSL listener on the client port plus 2 (19104); ``cluster`` node *n*
(1..3) the same plus 20 + 2(n-1) (19112/19113, 19114/19115, 19116/19117), so all three profiles
can run side by side.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Literal

from devkit.broker.tls import BrokerTls
from hub.errors import SetupError
from hub.settings import PROJECT_ROOT, Settings

Profile = Literal["single", "sasl", "cluster"]
PROFILES: tuple[Profile, ...] = ("single", "sasl", "cluster")

DEPLOY_DIR = PROJECT_ROOT / "deploy" / "kafka"
TEMPLATE_DIR = DEPLOY_DIR / "config"
SASL_CREDENTIALS_FILE = TEMPLATE_DIR / "sasl-credentials.properties"
SASL_MECHANISM = "SCRAM-SHA-512"
#: In a profile's directory while its running broker was started by a test session
#: (devkit.testing.broker); ``casehub broker up`` removes it, so tests never stop a hand-started
#: one.
STARTED_BY_TESTS = "started-by-tests"

_PORT_OFFSET: dict[Profile, int] = {"single": 0, "sasl": 10, "cluster": 20}
#: The sasl profile's SASL_SSL listener: its client port plus this (19104 by default).
TLS_PORT_OFFSET = 2
CLUSTER_SIZE = 3
CLUSTER_HEAP = "256m"
#: JVM options per profile. Three JVMs starting at once on two cores are CPU-bound: the cluster's
#: small nodes use the serial collector and the C1 compiler only, which starts them ~2x faster
#: (a development cluster for failover tests, not a throughput benchmark).
JVM_OPTIONS: dict[Profile, tuple[str, ...]] = {
    "single": ("-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20"),
    "sasl": ("-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20"),
    "cluster": ("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
}


@dataclass(frozen=True)
class NodeSpec:
    """One combined broker+controller process of a profile."""

    profile: Profile
    node_id: int
    host: str
    port: int
    controller_port: int
    heap: str
    jvm_options: tuple[str, ...]
    #: ``.casehub/kafka/<profile>/node-<id>``: properties, pid file, data and logs.
    home: Path
    #: The SASL_SSL listener's port (the sasl profile only).
    tls_port: int | None = None

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def tls_bootstrap(self) -> str | None:
        return None if self.tls_port is None else f"{self.host}:{self.tls_port}"

    @property
    def properties_file(self) -> Path:
        return self.home / "server.properties"

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    @property
    def log_dir(self) -> Path:
        return self.home / "logs"

    @property
    def pid_file(self) -> Path:
        return self.home / "kafka.pid"

    @property
    def server_log(self) -> Path:
        return self.log_dir / "server.log"

    @property
    def stdout_log(self) -> Path:
        return self.log_dir / "stdout.log"


def profile_dir(settings: Settings, profile: Profile) -> Path:
    return settings.data_dir / "kafka" / profile


def cluster_spec(settings: Settings, profile: Profile = "single") -> list[NodeSpec]:
    """The nodes a profile runs, with their ports derived from the settings."""
    if profile not in PROFILES:
        raise SetupError(f"unknown broker profile {profile!r}; choose one of {', '.join(PROFILES)}")
    offset = _PORT_OFFSET[profile]
    size = CLUSTER_SIZE if profile == "cluster" else 1
    heap = CLUSTER_HEAP if profile == "cluster" else settings.kafka_heap
    base = profile_dir(settings, profile)
    return [
        NodeSpec(
            profile=profile,
            node_id=n,
            host=settings.kafka_host,
            port=settings.kafka_port + offset + 2 * (n - 1),
            controller_port=settings.kafka_controller_port + offset + 2 * (n - 1),
            heap=heap,
            jvm_options=JVM_OPTIONS[profile],
            home=base / f"node-{n}",
            tls_port=(
                settings.kafka_port + offset + TLS_PORT_OFFSET if profile == "sasl" else None
            ),
        )
        for n in range(1, size + 1)
    ]


def broker_tls(settings: Settings) -> BrokerTls:
    """The sasl profile's development CA and broker key store (``<profile dir>/tls``)."""
    return BrokerTls(profile_dir(settings, "sasl") / "tls")


def tls_hosts(settings: Settings) -> list[str]:
    """The names the development broker certificate covers: the broker's host, then loopback."""
    return list(dict.fromkeys([settings.kafka_host, "localhost", "127.0.0.1"]))


def bootstrap_servers(nodes: list[NodeSpec]) -> str:
    return ",".join(node.bootstrap for node in nodes)


def sasl_credentials(settings: Settings) -> tuple[str, str]:
    """The sasl profile's super user: settings/environment first, else the committed dev default."""
    defaults = (
        parse_properties(SASL_CREDENTIALS_FILE.read_text(encoding="utf-8"))
        if SASL_CREDENTIALS_FILE.exists()
        else {}
    )
    username = settings.kafka_sasl_username or defaults.get("username", "")
    password = settings.kafka_sasl_password or defaults.get("password", "")
    if not username or not password:
        raise SetupError(
            "the sasl broker profile needs a user and password: set CASEHUB_KAFKA_SASL_USERNAME "
            f"and CASEHUB_KAFKA_SASL_PASSWORD or restore {SASL_CREDENTIALS_FILE}"
        )
    if any(c in username + password for c in '",;[]=\n'):
        raise SetupError(
            'the sasl broker user and password must not contain " , ; [ ] = or a newline'
        )
    return username, password


def local_super_user(settings: Settings, *, tls: bool = False) -> Settings:
    """``settings`` connecting to the local sasl-profile broker as its super user, over
    SASL_PLAINTEXT (or SASL_SSL trusting the development CA): the operator's connection in
    development, the demo and the tests (``casehub security ... --local-broker`` reaches it
    through the ``casehub.local_broker`` entry point, ``hub.extensions``)."""
    nodes = cluster_spec(settings, "sasl")
    user, password = sasl_credentials(settings)
    return settings.with_overrides(
        kafka_bootstrap=",".join(
            (n.tls_bootstrap or n.bootstrap) if tls else n.bootstrap for n in nodes
        ),
        kafka_security_protocol="SASL_SSL" if tls else "SASL_PLAINTEXT",
        kafka_sasl_username=user,
        kafka_sasl_password=password,
        kafka_ssl_cafile=str(broker_tls(settings).ca_cert) if tls else "",
    )


def render_properties(settings: Settings, node: NodeSpec, nodes: list[NodeSpec]) -> str:
    """The ``server.properties`` text for one node: base template, then the profile's."""
    values = {
        "node_id": str(node.node_id),
        "host": node.host,
        "port": str(node.port),
        "controller_port": str(node.controller_port),
        "data_dir": node.data_dir.as_posix(),
        "partitions": str(settings.topic_partitions),
        "quorum_voters": ",".join(f"{n.node_id}@{n.host}:{n.controller_port}" for n in nodes),
    }
    if node.profile == "sasl":
        values["sasl_username"], values["sasl_password"] = sasl_credentials(settings)
        tls = broker_tls(settings)
        values["tls_port"] = str(node.tls_port)
        values["tls_keystore"] = tls.keystore.as_posix()
        # Written by ``casehub broker up`` (BrokerTls.ensure) before it renders this file.
        values["tls_key_password"] = tls.key_password()
    parts = []
    for name in ("base.properties", f"{node.profile}.properties"):
        template = Template((TEMPLATE_DIR / name).read_text(encoding="utf-8"))
        try:
            parts.append(template.substitute(values))
        except (KeyError, ValueError) as exc:
            raise SetupError(f"{TEMPLATE_DIR / name} has a bad placeholder: {exc}") from exc
    return "# Generated by `casehub broker up`; edit deploy/kafka/config/, not this file.\n" + (
        "\n".join(parts)
    )


def new_cluster_id() -> str:
    """A KRaft cluster id: 16 random bytes, URL-safe base64 without padding (as Kafka's Uuid).

    Kafka's ``StorageTool random-uuid`` prints the same form; making it here saves a JVM start.
    Kafka never hands out ids whose text starts with ``-`` (they read as options), nor do we.
    """
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode("ascii").rstrip("=")
        if not text.startswith("-"):
            return text


def parse_properties(text: str) -> dict[str, str]:
    """Key/value pairs of a properties text (for tests and diagnostics; no line continuations)."""
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", "!")) or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip()
    return values
