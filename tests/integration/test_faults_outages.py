"""Outages: the Kafka broker stopped and restarted mid-stream; nothing is lost or doubled.

The broker here is a private one (its own ports and data directory, via ``hub.broker``), so
stopping it does not disturb the session broker other tests share.
"""

from __future__ import annotations

import os
import subprocess
import time
from datetime import datetime
from pathlib import Path
from uuid import uuid4

import pytest

from devkit.broker import broker_down, broker_up
from devkit.testing import serve as t
from hub.bootstrap import open_pipeline as open_hub
from hub.rules.clocks import TIMEZONE
from hub.settings import PROJECT_ROOT
from hub.topics import TIMELINE, agency_topic

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

#: Beside the session broker's ports (clear of the sasl and cluster profiles' offsets), so
#: sessions with their own CASEHUB_KAFKA_PORT never collide.
PRIVATE_PORT_OFFSET = 30


@pytest.fixture
def private_kafka(hub_settings, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("private-kafka")
    port = hub_settings.kafka_port + PRIVATE_PORT_OFFSET
    with t.private_broker(hub_settings, data_dir, port) as settings:
        yield settings


def _alive(proc, log):
    if proc.poll() is not None:
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-20:]
        pytest.fail(f"casehub serve exited with {proc.returncode}:\n" + "\n".join(tail))
    return True


def _positions_reach(app, offsets):
    topic = agency_topic("market-regulation")
    return all((app.max_tracking_id(f"ingest:{topic}:{p}") or -1) >= o for p, o in offsets.items())


def test_broker_stopped_and_restarted_mid_stream_loses_nothing(private_kafka, tmp_path):
    """Stop the broker while the relay is publishing, start it again: exactly once, in order."""
    settings = private_kafka.with_overrides(
        store="sqlite", sqlite_path=str(tmp_path / "hub.sqlite")
    )
    directory_file = t.write_directory_file(tmp_path / "directory.toml")
    env = t.serve_env(settings, settings.sqlite_file)
    log = tmp_path / "serve.log"
    proc = t.start_serve(env, log, directory_file=directory_file)
    try:
        with open_hub(settings) as app:
            probe = t.StoreProbe(app)
            t.wait_until(app.agency_ids, 60, what="the operator's directory")
            t.publish_in_order(settings, t.directory_commands(), probe.outcome_known)
            before = t.load_commands(1000, 2, tag="before")
            offsets = t.publish_fast(settings, before)
            time.sleep(1.0)
            broker_down(settings, "single")
            time.sleep(5.0)
            assert proc.poll() is None, "serve survives the outage"
            broker_up(settings, "single")
            after = t.load_commands(200, 2, tag="after")
            offsets_after = t.publish_fast(settings, after)
            for p, o in offsets_after.items():
                offsets[p] = max(offsets.get(p, -1), o)
            _drain_then_check(
                proc,
                log,
                settings,
                app,
                offsets=offsets,
                commands=before + after,
                directory_file=directory_file,
            )
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _drain_then_check(proc, log, settings, app, *, offsets, commands, directory_file) -> None:
    """Once serve has ingested up to ``offsets`` and relayed it all, stop it and check that the
    store holds exactly the expected streams and the timeline each notification exactly once."""
    t.wait_until(lambda: _alive(proc, log) and _positions_reach(app, offsets), 180, what="ingest")
    t.wait_until(lambda: _alive(proc, log) and t.relay_caught_up(settings, app), 180, what="relay")
    proc.terminate()
    assert proc.wait(timeout=60) == 0
    commands = t.directory_commands() + commands
    expected = t.expected_outcomes(commands, lambda: datetime.now(TIMEZONE), directory_file)
    assert t.streams_of(app, expected.streams) == expected.streams
    published = t.decode_values(t.read_topic(settings, TIMELINE, timeout=120))
    ids = [v["notification_id"] for v in published]
    assert len(ids) == len(set(ids)) == sum(len(s) for s in expected.streams.values())


PG_SH = PROJECT_ROOT / "deploy" / "postgres" / "pg.sh"
#: Beside the shared server's port, so runs with their own CASEHUB_POSTGRES_PORT never collide.
PRIVATE_PG_PORT = int(os.environ.get("CASEHUB_POSTGRES_PORT", "55432")) + 10


def _pg(verb: str, data_dir: Path) -> None:
    env = dict(os.environ) | {
        "CASEHUB_DATA_DIR": str(data_dir),
        "CASEHUB_POSTGRES_PORT": str(PRIVATE_PG_PORT),
        "CASEHUB_POSTGRES_DBNAME": _dbname(data_dir),
    }
    subprocess.run(["bash", str(PG_SH), verb], env=env, check=True, capture_output=True)


def _dbname(data_dir: Path) -> str:
    """A database of this test's own: pg.sh may keep a cluster across runs (/var/tmp)."""
    return (data_dir / "dbname").read_text(encoding="utf-8")


@pytest.fixture
def private_postgres(tmp_path_factory):
    """A PostgreSQL cluster of our own (pg.sh with its own data dir and port), a fresh database."""
    data_dir = tmp_path_factory.mktemp("private-pg")
    (data_dir / "dbname").write_text(f"outage_{uuid4().hex[:12]}", encoding="utf-8")
    _pg("up", data_dir)
    yield data_dir
    _pg("down", data_dir)


@pytest.mark.postgres
def test_postgres_stopped_then_started_mid_stream_stops_reports_and_resumes(
    hub_settings, kafka_bootstrap, private_postgres, tmp_path
):
    """PostgreSQL goes away while events flow: the hub stops advancing, says so, and once the
    database is back it resumes with nothing lost or doubled."""
    settings = hub_settings.with_overrides(
        kafka_bootstrap=kafka_bootstrap,
        store="postgres",
        postgres_port=PRIVATE_PG_PORT,
        postgres_dbname=_dbname(private_postgres),
    )
    t.reset_kafka(settings)
    directory_file = t.write_directory_file(tmp_path / "directory.toml")
    env = t.serve_env(settings, tmp_path / "unused.sqlite")
    env |= {
        "CASEHUB_STORE": "postgres",
        "CASEHUB_POSTGRES_PORT": str(PRIVATE_PG_PORT),
        "CASEHUB_POSTGRES_DBNAME": _dbname(private_postgres),
    }
    log = tmp_path / "serve.log"
    with open_hub(settings):
        pass  # the fresh database's tables, before serve and this process race to create them
    proc = t.start_serve(env, log, directory_file=directory_file)
    try:
        with open_hub(settings) as app:
            probe = t.StoreProbe(app)
            t.wait_until(app.agency_ids, 60, what="the operator's directory")
            t.publish_in_order(settings, t.directory_commands(), probe.outcome_known)
        before = t.load_commands(600, 2, tag="pg-before")
        offsets = t.publish_fast(settings, before)
        _pg("down", private_postgres)
        after = t.load_commands(200, 2, tag="pg-after")
        for p, o in t.publish_fast(settings, after).items():
            offsets[p] = max(offsets.get(p, -1), o)
        t.wait_until(
            lambda: "store_unavailable" in log.read_text(encoding="utf-8"),
            120,
            what="the hub to report the store down",
        )
        time.sleep(3.0)
        assert proc.poll() is None, "serve waits for the database instead of exiting"
        _pg("up", private_postgres)
        with open_hub(settings) as app:
            _drain_then_check(
                proc,
                log,
                settings,
                app,
                offsets=offsets,
                commands=before + after,
                directory_file=directory_file,
            )
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
