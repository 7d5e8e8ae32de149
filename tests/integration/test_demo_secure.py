"""``casehub demo --secure``: the whole demo story with authentication, ACLs and TLS on.

The module runs the demo once, in this process, on the sasl broker profile (started under a
lease if it does not run, as ``test_security_kafka`` does) with every log on at DEBUG,
kafka-python's included, and captures its stdlib log records, structlog events and printed
lines. The story must come out as the plain demo's does (``tests/e2e/test_demo.py``): the
same steps recorded and refused, the same deadlines, the chains verified, the ranking. Every
client must have authenticated as its own principal; an agency must be refused another
agency's feed; and no principal's password may appear in anything captured.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import structlog
from kafka import KafkaConsumer, TopicPartition
from kafka.errors import TopicAuthorizationFailedError

from demo_output import assert_the_missed_reply_is_on_the_board
from devkit.broker import sasl_credentials
from devkit.demo.run import DemoOptions, run_demo
from devkit.demo.secure import CREDENTIALS_FILE, SecureRun
from devkit.demo.story import AGENCIES, MARKET_REGULATION, NATURAL_RESOURCES, Step, Tick, demo_story
from devkit.testing.broker import session_broker
from hub.kafka import clients
from hub.kafka.config import ClientConfig
from hub.publish.connection import kafka_config
from hub.security.acls import SERVICE_USERS
from hub.security.credentials import Secret, load_credentials
from hub.settings import Settings
from hub.topics import feed_topic

pytestmark = pytest.mark.kafka

AGENCY_IDS = sorted(agency_id for agency_id, *_ in AGENCIES)


class _Collect(logging.Handler):
    """Every stdlib log record, formatted as a log file would hold it (message with its args)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@dataclass
class SecureDemo:
    exit_code: int
    printed: str
    logged: list[str]
    events: list[dict[str, object]]
    run_dir: Path
    settings: Settings
    passwords: dict[str, Secret]
    #: What agency A met asking for agency B's feed, and the record count of its own feed.
    other_feed_error: BaseException | None
    own_feed_records: int

    @property
    def authenticated(self) -> set[str]:
        """Every user a connection authenticated as during the run: kafka-python's (the
        agencies' SDK) log it as a stdlib line, librdkafka's (the hub's own clients, with
        ``debug=security``) as a ``librdkafka`` structlog event."""
        lines = [*self.logged, *(str(e.get("message", "")) for e in self.events)]
        found = (re.search(r"Authenticated as (\S+) (?:via SASL|using)", line) for line in lines)
        return {m.group(1) for m in found if m}


@contextmanager
def _librdkafka_security_debug() -> Iterator[None]:
    """Every librdkafka client the hub makes logs its SASL steps (``debug=security``), so the
    test sees as whom each authenticated."""
    original = clients.client_config

    def with_debug(settings: Settings, *, client_id: str) -> ClientConfig:
        return original(settings, client_id=client_id) | {"debug": "security"}  # type: ignore[return-value]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(clients, "client_config", with_debug)
        yield


@contextmanager
def _everything_logged() -> Iterator[tuple[_Collect, list[dict[str, object]]]]:
    """Root and kafka-python loggers at DEBUG into a collector, structlog events captured."""
    collector = _Collect()
    root, kafka = logging.getLogger(), logging.getLogger("kafka")
    levels = root.level, kafka.level
    root.addHandler(collector)
    root.setLevel(logging.DEBUG)
    kafka.setLevel(logging.DEBUG)
    try:
        with structlog.testing.capture_logs() as events:
            yield collector, events
    finally:
        root.removeHandler(collector)
        root.setLevel(levels[0])
        kafka.setLevel(levels[1])


def _other_feed_error(agency: Settings, other: str) -> BaseException | None:
    consumer = KafkaConsumer(**kafka_config(agency), enable_auto_commit=False)
    try:
        consumer.end_offsets([TopicPartition(feed_topic(other), 0)])
    except TopicAuthorizationFailedError as exc:
        return exc
    finally:
        consumer.close()
    return None


def _own_feed_records(agency: Settings, agency_id: str) -> int:
    consumer = KafkaConsumer(**kafka_config(agency), enable_auto_commit=False)
    try:
        topic = feed_topic(agency_id)
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic))]
        return sum(consumer.end_offsets(tps).values())
    finally:
        consumer.close()


@pytest.fixture(scope="module")
def demo(hub_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecureDemo]:
    settings = hub_settings.with_overrides(kafka_bootstrap="")
    run_dir = tmp_path_factory.mktemp("demo-secure") / "run"
    printed = io.StringIO()
    with (
        session_broker(settings, "sasl"),
        _librdkafka_security_debug(),
        _everything_logged() as (collector, events),
    ):
        options = DemoOptions(
            lang="both", data_dir=run_dir, out=printed, secure=True, web_console=False
        )
        exit_code = run_demo(settings, options)
        # After the story, on the same broker and ACLs: market-regulation, with the password
        # the run gave it, asks for natural-resources' feed, then for its own.
        agency = SecureRun.on_local_broker(settings, run_dir).settings.with_overrides(
            kafka_sasl_username=MARKET_REGULATION
        )
        refused = _other_feed_error(agency, NATURAL_RESOURCES)
        own = _own_feed_records(agency, MARKET_REGULATION)
        yield SecureDemo(
            exit_code,
            printed.getvalue(),
            collector.lines,
            events,
            run_dir,
            settings,
            load_credentials(run_dir / CREDENTIALS_FILE),
            refused,
            own,
        )


def _story_section(printed: str) -> list[str]:
    return [line for line in printed.splitlines() if re.match(r"\[\s*\d+/\d+\] ", line)]


def _section(output: str, title: str) -> str:
    start = output.index(title)
    end = output.find("\n== ", start + len(title))
    return output[start : end if end != -1 else None]


def test_the_secure_run_exits_0_and_every_chain_verifies(demo: SecureDemo) -> None:
    """The run succeeds, and the auditor's reading of the timeline verifies both cases."""
    assert demo.exit_code == 0, demo.printed[-3000:]
    assert "chain verification passed: 3 case(s) checked, 0 broken" in demo.printed
    assert "BROKEN" not in demo.printed


def test_the_story_comes_out_as_in_the_plain_demo(demo: SecureDemo) -> None:
    """Every step recorded, the one deliberate refusal refused, every tick run: as many as the
    story holds (what the plain demo shows), and the same missed deadline and ranking."""
    steps = demo_story()
    accepted = sum(1 for s in steps if isinstance(s, Step) and not s.refused)
    refused = [s.refused for s in steps if isinstance(s, Step) and s.refused]
    ticks = sum(1 for s in steps if isinstance(s, Tick))
    lines = _story_section(demo.printed)
    assert len(lines) == len(steps)
    assert sum("✓" in line for line in lines) == accepted
    assert [re.search(r"✗ .*\): (\w+):", line).group(1) for line in lines if "✗" in line] == (
        refused
    )
    assert sum("⏰" in line for line in lines) == ticks
    assert re.search(r"missed: written reply to a recommendation JJ-2026-02", demo.printed)
    deadlines = _section(demo.printed, "Open and missed deadlines")
    assert_the_missed_reply_is_on_the_board(deadlines)
    ranking = _section(demo.printed, "Annual assessment 2026: ranking")
    assert ranking.index("(market-regulation)") < ranking.index("(natural-resources)")


def test_every_client_authenticated_as_its_own_principal(demo: SecureDemo) -> None:
    """Over SASL_SSL, librdkafka authenticated the hub, the views and the auditor, and
    kafka-python every agency of the story, as themselves, and no one else but the operator's
    super user."""
    operator, _ = sasl_credentials(demo.settings)
    assert set(demo.passwords) == {*SERVICE_USERS, *AGENCY_IDS}
    assert demo.authenticated == {*SERVICE_USERS, *AGENCY_IDS, operator}
    assert (demo.run_dir / CREDENTIALS_FILE).stat().st_mode & 0o077 == 0


def test_an_agency_cannot_read_another_agencys_feed(demo: SecureDemo) -> None:
    """The run shows market-regulation refused natural-resources' feed; asked again with the
    same credentials, the broker refuses it by type, while its own feed has the story's
    records."""
    check = _section(demo.printed, "Access control check")
    assert "market-regulation asked for the feed of natural-resources: refused" in check
    assert "TOPIC_AUTHORIZATION_FAILED" in check
    assert isinstance(demo.other_feed_error, TopicAuthorizationFailedError)
    assert demo.own_feed_records > 0


def test_no_password_reaches_a_log_line_or_the_terminal(demo: SecureDemo) -> None:
    """No principal's password (the nine the run created, the super user's) appears in any log
    record, structlog event or printed line of the whole run at DEBUG."""
    logged = "\n".join(demo.logged)
    assert "Starting Kafka producer" in logged  # kafka-python's DEBUG was on
    # librdkafka's SASL debugging too: the lines where a leaked password would be
    assert any(
        e.get("event") == "librdkafka" and e.get("facility") == "SCRAMAUTH" for e in demo.events
    )
    captured = logged + "\n".join(repr(e) for e in demo.events) + demo.printed
    _, operator_password = sasl_credentials(demo.settings)
    secrets = [operator_password, *(s.reveal() for s in demo.passwords.values())]
    assert len(secrets) == 1 + len(SERVICE_USERS) + len(AGENCY_IDS)
    for secret in secrets:
        assert secret not in captured


def test_data_protection_holds_with_each_agency_reading_its_own_feed(demo: SecureDemo) -> None:
    """Over SASL_SSL each agency reads its own feed as itself: the confidential case's content
    on the cleared participant's only; the erased party reads [erased]; no fictional name or ID
    number in the store file or in any record the broker's super user reads."""
    section = _section(demo.printed, "Data protection")
    assert "(procuratorate) (participant, cleared for CONFIDENTIAL)" in section
    assert "none masked, the content readable" in section
    assert section.count("all masked (metadata only), no content") == 2
    assert "[erased] (applicant, [erased])" in section
    assert re.search(r"store file ✓, views file ✓, [1-9]\d* Kafka records ✓", section)
