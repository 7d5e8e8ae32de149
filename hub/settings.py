"""One typed settings object, read from the environment (``CASEHUB_*``) and an optional file.

Precedence: explicit overrides > environment > the TOML file named by ``CASEHUB_CONFIG`` >
defaults. Every field has a default that runs the embedded setup (local broker, SQLite) from
a clean checkout.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from hub.errors import SetupError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    #: Where the hub keeps its local state: broker data, SQLite files, reports.
    data_dir: Path = PROJECT_ROOT / ".casehub"

    # --- Kafka -------------------------------------------------------------------------------
    kafka_host: str = "127.0.0.1"
    kafka_port: int = 19092
    kafka_controller_port: int = 19093
    kafka_heap: str = "512m"
    #: Comma-separated bootstrap servers; empty means the local broker on kafka_host:kafka_port.
    kafka_bootstrap: str = ""
    kafka_security_protocol: str = "PLAINTEXT"  # PLAINTEXT | SASL_PLAINTEXT | SASL_SSL
    kafka_sasl_username: str = ""
    kafka_sasl_password: str = field(default="", repr=False)
    kafka_ssl_cafile: str = ""
    #: A TOML file of `principal = "password"` lines (mode 0600); see docs/security.md.
    kafka_credentials_file: str = ""
    topic_partitions: int = 3
    topic_replication: int = 1
    #: The largest inbound record value (bytes) the hub accepts; a larger one is refused at
    #: ingest (dead-lettered, receipt to the sender) and the partition flows on.
    inbound_max_bytes: int = 512 * 1024
    #: The largest outbound record (bytes) the relay may publish: below the topics'
    #: ``max.message.bytes`` (1,048,588 by default) and librdkafka's ``message.max.bytes``
    #: (1,000,000). An accepted event whose timeline record would be larger is refused at ingest.
    outbound_max_bytes: int = 1_000_000
    #: ``/readyz`` turns unready when the relay is behind the store and has not advanced for
    #: this many seconds.
    relay_stall_seconds: int = 60

    # --- Event store -------------------------------------------------------------------------
    store: str = "sqlite"  # sqlite | postgres
    sqlite_path: str = ""  # empty: <data_dir>/hub.sqlite
    postgres_host: str = "127.0.0.1"
    postgres_port: int = 55432
    postgres_dbname: str = "casehub"
    postgres_user: str = "casehub"
    postgres_password: str = field(default="casehub", repr=False)

    # --- Domain ------------------------------------------------------------------------------
    timezone: str = "Asia/Shanghai"
    #: Working days after the notice is recorded by whose end an acknowledgment is due.
    notice_ack_working_days: int = 1
    #: Calendar months from receipt to the written reply on a recommendation.
    recommendation_reply_months: int = 2
    #: Extra holiday arrangements (one TOML/JSON file per year), see hub/rules.
    calendar_dir: str = ""

    #: Port of /metrics, /healthz and /readyz (`casehub serve`, `consumers run`); 0 turns it off.
    metrics_port: int = 19400

    # --- Personal data (hub/privacy, docs/privacy.md) -----------------------------------------
    #: The per-person key store, apart from the event store; empty: <data_dir>/keys/keystore.json
    key_store_path: str = ""

    # --- Event store encryption at rest (hub/store, docs/operations.md) ----------------------
    #: AES key (base64 of 16, 24 or 32 bytes) sealing every stored event; empty: not encrypted.
    store_cipher_key: str = field(default="", repr=False)
    #: A file holding that key (mode 0600); used when store_cipher_key is empty.
    store_cipher_key_file: str = ""

    # --- Sealed personal data on agency topics (hub/privacy/sealing.py) -----------------------
    #: Hub side: its private sealing key file(s), comma-separated, current first (older ones
    #: still open values sealed for them); empty: <data_dir>/keys/hub-sealing.key if present.
    hub_sealing_key_file: str = ""
    #: Publisher side: the hub's public key file; empty: personal data goes out unsealed.
    hub_public_key_file: str = ""
    #: Reject inbound events carrying plaintext personal data (default: accept, count, warn).
    require_sealed_pii: bool = False

    # --- Classification: agency clearances (hub/privacy/access.py, docs/security.md) ----------
    #: Clearance of any agency not named below: PUBLIC | INTERNAL | CONFIDENTIAL.
    default_clearance: str = "INTERNAL"
    #: Per-agency clearances, "agency-id=LEVEL,…" (wins over clearance_file).
    agency_clearances: str = ""
    #: A TOML file of `agency-id = "LEVEL"` lines; empty: none.
    clearance_file: str = ""

    # --- The web console (console/, `casehub console serve`, docs/console.md) ------------------
    #: Where the console listens; keep it on loopback behind a TLS reverse proxy in production.
    console_host: str = "127.0.0.1"
    console_port: int = 19480
    #: Minutes without a request after which a session is logged out.
    console_idle_minutes: int = 15
    #: Failed logins in a row that lock an account, and for how many minutes.
    console_max_failures: int = 5
    console_lockout_minutes: int = 15
    #: The deadlines board's warning (预警): deadlines due within this many working days.
    console_warning_days: int = 3
    #: Roles that may read the read log (comma-separated).
    console_reads_visible_to: str = "auditor"
    #: The console's own store (accounts, sessions); empty: <data_dir>/console.sqlite.
    console_store_path: str = ""
    #: The read log (who read what, hash-chained); empty: <data_dir>/console-reads.sqlite.
    console_reads_path: str = ""
    #: SSO behind a reverse proxy: the header naming the logged-in account ("" = off). Believed
    #: only on requests straight from the addresses in console_trusted_proxies (comma-separated).
    console_proxy_header: str = ""
    console_trusted_proxies: str = "127.0.0.1"
    #: Mark the session cookie Secure even when the console itself is served over plain http
    #: (a TLS-terminating proxy in front of it).
    console_secure_cookie: bool = False

    @property
    def console_store_file(self) -> Path:
        if self.console_store_path:
            return Path(self.console_store_path)
        return self.data_dir / "console.sqlite"

    @property
    def console_reads_file(self) -> Path:
        if self.console_reads_path:
            return Path(self.console_reads_path)
        return self.data_dir / "console-reads.sqlite"

    @property
    def bootstrap_servers(self) -> list[str]:
        if self.kafka_bootstrap:
            return [s.strip() for s in self.kafka_bootstrap.split(",") if s.strip()]
        return [f"{self.kafka_host}:{self.kafka_port}"]

    @property
    def sqlite_file(self) -> Path:
        return Path(self.sqlite_path) if self.sqlite_path else self.data_dir / "hub.sqlite"

    def with_overrides(self, **overrides: Any) -> Settings:
        return replace(self, **overrides)


def _coerce(name: str, raw: object, default: object) -> object:
    if isinstance(default, bool):
        return str(raw).lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        try:
            return int(str(raw))
        except ValueError as exc:
            raise SetupError(f"setting {name} must be a whole number, got {raw!r}") from exc
    if isinstance(default, Path):
        return Path(str(raw))
    return str(raw)


def load_settings(**overrides: Any) -> Settings:
    """Read settings from the file in ``CASEHUB_CONFIG`` (if any) and ``CASEHUB_*`` variables."""
    values: dict[str, object] = {}
    defaults = Settings()
    config_file = os.environ.get("CASEHUB_CONFIG")
    if config_file:
        path = Path(config_file)
        try:
            values.update(tomllib.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError as exc:
            raise SetupError(f"CASEHUB_CONFIG names {path}, which does not exist") from exc
        except tomllib.TOMLDecodeError as exc:
            raise SetupError(f"CASEHUB_CONFIG file {path} is not valid TOML: {exc}") from exc
    for f in fields(Settings):
        env = os.environ.get(f"CASEHUB_{f.name.upper()}")
        if env is not None:
            values[f.name] = env
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise SetupError(f"unknown setting(s): {', '.join(unknown)}")
    coerced: dict[str, Any] = {k: _coerce(k, v, getattr(defaults, k)) for k, v in values.items()}
    coerced.update(overrides)
    return replace(defaults, **coerced)
