"""Classification through the running pipeline, over the raw bytes Kafka holds.

Two enforcement agencies and three cases (one CONFIDENTIAL, ``devkit.testing.consumers``) go through
``casehub serve`` (ingest, relay) on a real broker. The confidential case's title, summary
and notice text must be absent from the raw records of every feed not entitled to them (the
uncleared participant, the Rule-of-Law Office, the non-participant), present on the cleared
participants' feeds and on the hub's own timeline; the views and the auditor's history read
as each agency agree.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime
from uuid import uuid4

import pytest

from consumers import timelines
from consumers.runner import KafkaViewRunner
from consumers.store import SQLiteViewStore
from devkit.demo.story import Step
from devkit.testing import serve as t
from devkit.testing.consumers import (
    CLASSIFICATION_CLEARANCES,
    CONFIDENTIAL_STRINGS,
    classification_story,
)
from hub.cli import main
from hub.ids import case_id_for
from hub.rules.clocks import TIMEZONE
from hub.topics import TIMELINE, feed_topic

pytestmark = pytest.mark.kafka

CLOCK = t.fixed_clock(datetime(2026, 3, 5, 9, tzinfo=TIMEZONE))
CONF_REF = "market-regulation/MR-CONF-1"
CONF_CASE = case_id_for("market-regulation", "MR-CONF-1")
SECRETS = [s.encode("utf-8") for s in CONFIDENTIAL_STRINGS[:4]]  # the confidential case's own
CLEARED = ("market-regulation", "procuratorate")
NOT_ENTITLED = ("justice-bureau", "rule-of-law-office", "natural-resources")


@pytest.fixture(scope="module")
def served(hub_settings, kafka_bootstrap, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("classification")
    with pytest.MonkeyPatch.context() as patch:
        # The relay and the readers take their clearances from the settings (environment).
        patch.setenv("CASEHUB_AGENCY_CLEARANCES", CLASSIFICATION_CLEARANCES)
        patch.setenv("CASEHUB_DATA_DIR", str(tmp))
        patch.setenv("CASEHUB_STORE", "sqlite")
        patch.setenv("CASEHUB_SQLITE_PATH", str(tmp / "hub.sqlite"))
        settings = hub_settings.with_overrides(
            kafka_bootstrap=kafka_bootstrap,
            data_dir=tmp,
            agency_clearances=CLASSIFICATION_CLEARANCES,
        )
        t.reset_kafka(settings)
        directory_file = t.write_directory_file(tmp / "directory.toml")
        commands = [(s.agency, s.command) for s in classification_story() if isinstance(s, Step)]
        with t.running_server(settings, tmp / "hub.sqlite", directory_file, clock=CLOCK) as server:
            probe = t.StoreProbe(server.app)
            t.publish_in_order(server.settings, commands, probe.outcome_known)
            assert not probe.rejections()
            t.wait_until(lambda: t.relay_caught_up(server.settings, server.app), 60, what="relay")
            yield server, tmp


def _raw(settings, topic, case_id):
    """The raw values of one case's records on a topic, exactly as Kafka holds them."""
    key = str(case_id).encode()
    return [r.value for r in t.read_topic(settings, topic) if r.key == key]


def test_the_timeline_carries_the_confidential_case_whole(served):
    server, _ = served
    raw = b"".join(_raw(server.settings, TIMELINE, CONF_CASE))
    assert all(secret in raw for secret in SECRETS)


@pytest.mark.parametrize("agency", CLEARED)
def test_cleared_participants_feeds_carry_the_content(served, agency):
    server, _ = served
    values = _raw(server.settings, feed_topic(agency), CONF_CASE)
    assert len(values) == 2
    assert all(secret in b"".join(values) for secret in SECRETS)


@pytest.mark.parametrize("agency", NOT_ENTITLED)
def test_no_confidential_content_on_other_feeds(served, agency):
    """Every record of the case on the feed is there (metadata), none carries its content."""
    server, _ = served
    values = _raw(server.settings, feed_topic(agency), CONF_CASE)
    assert values, f"{agency} should still learn that the case exists (metadata)"
    for value in values:
        for secret in SECRETS:
            assert secret not in value
        assert b'"masked":true' in value


def test_views_and_histories_read_as_each_agency(served, tmp_path, capsys):
    """The timelines view fed from Kafka, and the auditor's history, read ``--as`` an agency."""
    server, data_dir = served
    views = SQLiteViewStore(str(data_dir / "views.sqlite"))
    runner = KafkaViewRunner(
        server.settings,
        views,
        [timelines.VIEW],
        group_prefix=f"test-classification-{uuid4().hex[:8]}-",
        poll_timeout_ms=1200,
    )
    runner.run(threading.Event(), idle_s=8.0)
    views.close()
    stored = (data_dir / "views.sqlite").read_bytes()
    assert not any(secret in stored for secret in SECRETS)

    def run(*argv: str) -> str:
        capsys.readouterr()
        assert main(list(argv)) == 0
        return capsys.readouterr().out

    for agency in NOT_ENTITLED:
        line = run("consumers", "timeline", CONF_REF, "--as", agency, "--lang", "en")
        assert "[content masked, metadata only]" in line
        hist = run("audit", "history", CONF_REF, "--as", agency, "--format", "json")
        assert json.loads(hist)["masked"] is True
        out = tmp_path / f"{agency}.html"
        run("audit", "export", CONF_REF, "--as", agency, "--format", "html", "--out", str(out))
        for text in (line, hist, out.read_text(encoding="utf-8")):
            assert not any(s in text for s in CONFIDENTIAL_STRINGS), agency
    seen = run("audit", "history", CONF_REF, "--as", "procuratorate", "--format", "json")
    assert CONFIDENTIAL_STRINGS[0] in seen
    assert json.loads(seen)["masked"] is False
    kafka = run("audit", "history", CONF_REF, "--from-kafka", "--as", "natural-resources")
    assert not any(s in kafka for s in CONFIDENTIAL_STRINGS)
