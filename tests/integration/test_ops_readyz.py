"""``/readyz`` sees the relay: unready while the store holds work the relay has not committed to
Kafka and its position has not moved for ``relay_stall_seconds``, ready again once it catches up.

The session broker, reset first (the relay's position topic must be this module's alone).
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from devkit.testing import serve as t
from hub.relay.position import read_position_record
from hub.settings import Settings

pytestmark = pytest.mark.kafka

STALL_S = 3
#: The agency of the bootstrap directory file: its topic exists before any relay runs.
OFFICE = "rule-of-law-office"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _readyz(base: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(f"{base}/readyz", timeout=10) as response:
            return int(response.status), json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())
    except urllib.error.URLError:  # not listening yet
        return 0, {}


def test_readyz_is_unready_while_the_relay_stalls_and_ready_once_it_caught_up(
    hub_settings: Settings, kafka_bootstrap: str, tmp_path: Path
) -> None:
    """An instance without a relay: 503 naming the stall; a relaying instance starts: 200."""
    settings = hub_settings.with_overrides(
        kafka_bootstrap=kafka_bootstrap, relay_stall_seconds=STALL_S
    )
    t.reset_kafka(settings)
    directory_file = t.write_directory_file(tmp_path / "directory.toml")
    sqlite = tmp_path / "hub.sqlite"
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with t.running_server(
        settings,
        sqlite,
        directory_file,
        metrics_port=port,
        run_relay=False,
        run_scheduler=False,
    ) as ingest_only:
        app = ingest_only.app
        probe = t.StoreProbe(app)
        # Only the office's own events: other agencies' topics would wait for the relay.
        office = [(a, c) for a, c in t.directory_commands() if a == OFFICE]
        assert office
        t.publish_in_order(ingest_only.settings, office, probe.outcome_known)
        assert all(probe.accepted(c.envelope.event_id) for _, c in office)
        # The fault: the store holds events to publish, and Kafka holds no relay position.
        waiting = t.last_publishing_notification(app)
        assert waiting is not None
        assert read_position_record(ingest_only.settings) is None

        _status, doc = t.wait_until(
            lambda: (answer := _readyz(base))[0] == 503 and answer, 30, what="/readyz 503"
        )
        assert doc["checks"] == {"broker": True, "store": True, "relay": False}
        reason = doc["reasons"]["relay"]
        assert reason.startswith("relay stalled: ")
        assert "after position none" in reason
        assert f"relay_stall_seconds={STALL_S}" in reason

        # A second instance runs the relay (no ingest, no metrics of its own) over the store.
        with t.running_server(
            settings,
            sqlite,
            directory_file,
            metrics_port=0,
            run_ingest=False,
            run_scheduler=False,
        ) as relaying:
            t.wait_until(
                lambda: t.relay_caught_up(relaying.settings, relaying.app), 60, what="relay"
            )
            _status, doc = t.wait_until(
                lambda: (answer := _readyz(base))[0] == 200 and answer, 30, what="/readyz 200"
            )
            assert doc == {
                "ready": True,
                "checks": {"broker": True, "store": True, "relay": True},
            }
            position = read_position_record(relaying.settings)
            assert position is not None
            assert position.notification_id >= waiting
