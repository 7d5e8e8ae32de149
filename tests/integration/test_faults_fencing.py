"""Fencing and concurrency: a paused instance is refused; two writers of one case both land;
a leader left out of its consumer group is replaced and leads again."""

from __future__ import annotations

import json
import signal
import threading
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid5

import pytest

from devkit.demo.story import JUSTICE_BUREAU, MARKET_REGULATION, PROCURATORATE, STORY_NAMESPACE
from devkit.testing import serve as t
from hub.bootstrap import open_pipeline as open_hub
from hub.cases.commands import Envelope, ShareInformation
from hub.ids import case_id_for
from hub.topics import agency_topic
from hub.vocabulary import CaseRef

pytestmark = [pytest.mark.kafka, pytest.mark.slow]


@pytest.fixture
def fault_env(hub_settings, kafka_bootstrap, tmp_path):
    settings = hub_settings.with_overrides(
        kafka_bootstrap=kafka_bootstrap, store="sqlite", sqlite_path=str(tmp_path / "hub.sqlite")
    )
    t.reset_kafka(settings)
    directory_file = t.write_directory_file(tmp_path / "directory.toml")
    return settings, directory_file, tmp_path


def _state(pid: int) -> str:
    stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    return stat.rpartition(")")[2].split()[0]


def _positions_reach(app, last_offsets, topic):
    return all(
        (app.max_tracking_id(f"ingest:{topic}:{p}") or -1) >= o for p, o in last_offsets.items()
    )


def test_a_paused_instance_whose_partitions_moved_is_refused_on_waking(fault_env):
    """SIGSTOP with a batch in hand; another instance takes over; SIGCONT: the write is fenced."""
    settings, directory_file, tmp_path = fault_env
    env = t.serve_env(settings, settings.sqlite_file)
    logs = {name: tmp_path / f"{name}.log" for name in ("boot", "paused", "taker")}
    boot = t.start_serve(env, logs["boot"], directory_file=directory_file)
    paused = taker = None
    try:
        with open_hub(settings) as app:
            probe = t.StoreProbe(app)
            t.wait_until(app.agency_ids, 60, what="the operator's directory")
            t.publish_in_order(settings, t.directory_commands(), probe.outcome_known)
            boot.terminate()
            assert boot.wait(timeout=60) == 0
            load = t.load_commands(600, 4, tag="stop")
            offsets = t.publish_fast(settings, load)
            paused = t.start_serve(
                env | {"CASEHUB_FAULT": "ingest_before_write@2=stop"},
                logs["paused"],
                "--no-relay",
            )
            t.wait_until(lambda: _state(paused.pid) == "T", 60, what="the instance to pause")
            taker = t.start_serve(env, logs["taker"])
            topic = agency_topic(MARKET_REGULATION)
            t.wait_until(lambda: _positions_reach(app, offsets, topic), 120, what="takeover")
            paused.send_signal(signal.SIGCONT)
            t.wait_until(
                lambda: "partition_fenced" in logs["paused"].read_text(encoding="utf-8"),
                60,
                what="the woken instance to be fenced",
            )
            t.wait_until(lambda: t.relay_caught_up(settings, app), 120, what="relay")
            for proc in (paused, taker):
                proc.terminate()
                assert proc.wait(timeout=60) == 0
            expected = t.expected_outcomes(
                t.directory_commands() + load, lambda: datetime.now(UTC), directory_file
            )
            assert t.streams_of(app, expected.streams) == expected.streams
    finally:
        for proc in (boot, paused, taker):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGCONT)
                proc.kill()
                proc.wait()


def _ingested_records(log: Path) -> int:
    for line in log.read_text(encoding="utf-8").splitlines():
        if '"ingest_stopped"' in line:
            return int(json.loads(line)["records"])
    return -1


def _shares(agency: str, cases: list[CaseRef], per_case: int):
    officer = {PROCURATORATE: "proc-001", JUSTICE_BUREAU: "jb-001"}[agency]
    now = datetime(2026, 2, 1, 9, tzinfo=UTC)
    return [
        (
            agency,
            ShareInformation(
                Envelope(
                    uuid5(STORY_NAMESPACE, f"conc/{agency}/{ref.case_number}/{i}"),
                    agency,
                    officer,
                    now,
                ),
                ref,
                f"{agency}-{i}",
                f"{agency} note {i}",
            ),
        )
        for i in range(per_case)
        for ref in cases
    ]


def test_two_agencies_writing_one_case_through_two_instances_both_land(fault_env):
    """Procuratorate and Justice Bureau share on the same cases at once via two hub instances."""
    settings, directory_file, tmp_path = fault_env
    registrations = t.load_commands(12, 0, tag="conc")
    cases = [c.case for _, c in registrations]
    per_case = 15
    with t.running_server(settings, settings.sqlite_file, directory_file) as boot:
        probe = t.StoreProbe(boot.app)
        t.publish_in_order(settings, t.directory_commands() + registrations, probe.outcome_known)
    # Two `casehub serve` processes; each consumes one of the two agencies' topics, so the two
    # writers of every case are certainly two instances (same group; the broker assigns by each
    # member's own subscription).
    env = t.serve_env(settings, settings.sqlite_file)
    # Patterns are RE2 (no lookahead): every agency but the justice bureau is every agency
    # whose id does not start with a j.
    justice = r"^casehub\.agency\.justice-bureau\.events$"
    others = r"^casehub\.agency\.[^j][^.]*\.events$"
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    procs = [
        t.start_serve(env, logs[0], "--ingest-pattern", others),
        t.start_serve(env, logs[1], "--ingest-pattern", justice, "--no-relay"),
    ]
    try:
        offsets = {}
        publishers = [
            threading.Thread(
                target=lambda a=a: offsets.update(
                    {a: t.publish_fast(settings, _shares(a, cases, per_case))}
                )
            )
            for a in (PROCURATORATE, JUSTICE_BUREAU)
        ]
        for p in publishers:
            p.start()
        for p in publishers:
            p.join(timeout=120)
        with open_hub(settings) as app:
            for agency in (PROCURATORATE, JUSTICE_BUREAU):
                t.wait_until(
                    lambda a=agency: _positions_reach(app, offsets[a], agency_topic(a)),
                    120,
                    what=f"{agency} shares",
                )
            for proc in procs:
                proc.terminate()
                assert proc.wait(timeout=60) == 0
            for ref in cases:
                events = app.case_events(case_id_for(ref.owning_agency, ref.case_number))
                shared = [e for e in events if e.type == "Case.InformationShared"]
                assert len(shared) == 2 * per_case
                assert len({e.event_id for e in shared}) == 2 * per_case
                assert [e.version for e in events] == list(range(1, len(events) + 1))
        written = [_ingested_records(log) for log in logs]
        print(f"records ingested per instance: {written}")
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
