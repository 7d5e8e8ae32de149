"""The peer guide at the end of docs/events.md says what the code does.

Each claim a peer acts on (partitioner, limits, header, reason codes, which library's own
fingerprint to distrust) is checked here against the code and the libraries, so a change to
either fails until the guide follows.
"""

from __future__ import annotations

import json

import avro.schema

from hub.codec import MAGIC, default_catalog
from hub.codec.codec import TEXT_MANGLED
from hub.codec.docs import EVENTS_MD, PEER_GUIDE
from hub.codec.limits import EVENT_TOO_LARGE, RECORD_TOO_LARGE
from hub.kafka.config import PARTITIONER
from hub.security.connection import SASL_MECHANISM
from hub.settings import Settings
from hub.topics import agency_topic, feed_topic


def _flat(text: str) -> str:
    return " ".join(text.split())


GUIDE = _flat(PEER_GUIDE)


def test_the_guide_is_the_last_section_of_events_md():
    """docs/events.md (generated) ends with the guide."""
    text = EVENTS_MD.read_text("utf-8")
    assert text.rstrip().endswith(PEER_GUIDE.rstrip())
    assert "## Peer guide: publishing without the hub's SDK" in text


def test_framing_topics_and_partitioner_are_the_codes():
    """The header bytes, topic names, partitioner and SASL mechanism the guide names."""
    assert MAGIC.hex(" ").upper() == "C3 01"
    assert "`C3 01`" in GUIDE
    assert agency_topic("X") == "casehub.agency.X.events"
    assert "`casehub.agency.<your agency id>.events`" in GUIDE
    assert feed_topic("X") == "casehub.feed.X"
    assert "`casehub.feed.<your agency id>`" in GUIDE
    assert f"`partitioner={PARTITIONER}`" in GUIDE
    assert SASL_MECHANISM in GUIDE


def test_limits_and_reason_codes_are_the_codes():
    """512 KiB and 1,000,000 bytes are the defaults; every reason code named exists."""
    settings = Settings()
    assert settings.inbound_max_bytes == 512 * 1024
    assert "**512 KiB**" in GUIDE
    assert settings.outbound_max_bytes == 1_000_000
    assert "**1,000,000 bytes**" in GUIDE
    for code in (TEXT_MANGLED, RECORD_TOO_LARGE, EVENT_TOO_LARGE):
        assert f"`{code}`" in GUIDE


def test_python_avros_own_fingerprint_is_wrong_for_every_event_as_the_guide_warns():
    """avro (Python) keeps logicalType in its canonical form: its fingerprint differs from the
    specification's for every event. When a release fixes this, the guide's warning goes."""
    catalog = default_catalog()
    for name in catalog.event_types():
        sv = catalog.current(name)
        theirs = avro.schema.parse(json.dumps(sv.schema)).fingerprint()
        assert theirs != sv.fingerprint, f"{name}: avro now agrees; update the peer guide"
    assert "Do **not** take the fingerprint from `schema.fingerprint()`" in GUIDE
