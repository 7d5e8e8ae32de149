"""The publisher SDK installs and runs without the hub's server packages.

What an agency does: ``pip install`` the repository, no extras, into a fresh virtual
environment (PyPI reachable), then ``casehub publish``. There confluent-kafka, eventsourcing and
the other server packages are absent; the publish still works, the hub (librdkafka) reads what
it wrote, and a verb of the hub's own says which extra to install.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from checkout import copy_sources
from hub.cases.commands import Inbound, Origin
from hub.codec import EVENT_COMMANDS, command_from_json, decode_inbound, default_catalog
from hub.codec.examples import example_json
from hub.errors import SetupError
from hub.kafka.admin import KafkaAdmin, NewTopicSpec
from hub.kafka.reader import read_topic
from hub.topics import agency_topic

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

SERVER_ONLY = ("confluent_kafka", "eventsourcing", "prometheus_client", "psycopg", "holidays")


@pytest.fixture(scope="module")
def sdk_venv(tmp_path_factory) -> Path:
    """A fresh virtual environment with the repository installed without extras."""
    root = tmp_path_factory.mktemp("sdk")
    source = copy_sources(root / "src")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    install = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(source)],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    return venv


def _run(venv: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # Settings from the test's environment (ports, data folder), nothing from this checkout.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(
        [str(venv / "bin" / args[0]), *args[1:]],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
        check=False,
    )


def test_the_sdk_environment_has_none_of_the_servers_packages(sdk_venv, tmp_path):
    """Without the extra, confluent-kafka and the rest are absent, and the SDK's API imports."""
    probe = (
        "import importlib.util, json, sys\n"
        "import hub.publish\n"
        "from hub.publish import AgencyPublisher\n"
        "import hub.publish.cli\n"
        "from hub.codec import default_catalog\n"
        f"present = [m for m in {SERVER_ONLY!r} if importlib.util.find_spec(m)]\n"
        "print(json.dumps({'present': present, 'file': hub.publish.__file__,"
        " 'schemas': len(default_catalog().records())}))\n"
    )
    result = _run(sdk_venv, "python", "-c", probe, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout)
    assert facts["present"] == []
    # the installed copy, not this checkout (cwd is elsewhere, no PYTHONPATH)
    assert str(sdk_venv) in facts["file"]
    assert facts["schemas"] == len(default_catalog().records())  # the schemas came along

    denied = _run(sdk_venv, "python", "-c", "import confluent_kafka", cwd=tmp_path)
    assert denied.returncode != 0
    assert "No module named 'confluent_kafka'" in denied.stderr


def test_a_hub_verb_names_the_extra_to_install(sdk_venv, tmp_path):
    """`casehub serve` on an SDK-only machine says to install casehub[server], no traceback."""
    result = _run(sdk_venv, "casehub", "serve", cwd=tmp_path)
    assert result.returncode == 2
    assert "pip install 'casehub[server]'" in result.stderr
    assert "Traceback" not in result.stderr
    listed = _run(sdk_venv, "casehub", "--help", cwd=tmp_path)
    assert listed.returncode == 0
    assert "publish" in listed.stdout


@pytest.fixture
def agency(hub_settings, kafka_bootstrap):
    """A fresh agency with its inbound topic, created by the hub's admin client."""
    agency_id = f"itest-sdk-{uuid.uuid4().hex[:8]}"
    settings = hub_settings.with_overrides(kafka_bootstrap=kafka_bootstrap)
    topic = agency_topic(agency_id)
    with KafkaAdmin(settings, client_id="itest-sdk") as admin:
        admin.create_topics([NewTopicSpec(topic, 3, 1, {})])
        deadline = time.monotonic() + 15
        while True:
            try:
                if len(admin.partition_leaders(topic)) == 3:
                    break
            except SetupError:  # not in the metadata yet
                pass
            assert time.monotonic() < deadline, f"{topic} has no leaders"
            time.sleep(0.1)
    yield agency_id
    with KafkaAdmin(settings, client_id="itest-sdk") as admin:
        admin.delete_topics([topic])


def test_casehub_publish_from_the_sdk_alone_reaches_the_hub(
    sdk_venv, agency, hub_settings, kafka_bootstrap, tmp_path
):
    """Every event type published by the SDK-only install is read back by the hub's
    librdkafka reader and decodes to the command in the file."""
    events = []
    for event_type in sorted(EVENT_COMMANDS):
        obj = example_json(event_type)
        obj["header"]["sender_agency"] = agency
        obj["header"]["event_id"] = str(uuid.uuid4())
        events.append(obj)
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events), "utf-8")

    result = _run(
        sdk_venv,
        "casehub",
        "publish",
        "--agency",
        agency,
        "--bootstrap",
        kafka_bootstrap,
        str(path),
        cwd=tmp_path,
    )

    assert result.returncode == 0, result.stderr
    assert f"sent {len(events)}, refused 0" in result.stdout
    settings = hub_settings.with_overrides(kafka_bootstrap=kafka_bootstrap)
    records = read_topic(settings, agency_topic(agency), client_id="itest-sdk-reader")
    expected = {e["header"]["event_id"]: command_from_json(e) for e in events}
    for record in records:
        inbound = decode_inbound(
            record.value, Origin(record.topic, record.partition, record.offset), agency
        )
        assert isinstance(inbound, Inbound), inbound
        assert inbound.command == expected.pop(str(inbound.command.envelope.event_id))
    assert expected == {}
