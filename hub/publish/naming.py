"""The inbound topic an agency publishes to: the name both the SDK and the hub derive.

It lives with the SDK, which must import nothing of the server (``hub.topics`` reaches the
hub's own Kafka layer); ``hub.topics`` imports it from here, so the rule has one owner.
"""

from __future__ import annotations

import re

from hub.errors import SetupError

#: What Kafka allows in a topic name, less the dot that separates our name parts.
AGENCY_ID = re.compile(r"^[A-Za-z0-9_-]{1,200}$")


def check_agency_id(agency_id: str) -> str:
    """``agency_id`` itself if it can be part of a topic name, else a ``SetupError``."""
    if not AGENCY_ID.match(agency_id):
        raise SetupError(
            f"agency id {agency_id!r} cannot name a Kafka topic: use letters, digits, - and _"
        )
    return agency_id


def agency_topic(agency_id: str) -> str:
    """The inbound topic an agency publishes to."""
    return f"casehub.agency.{check_agency_id(agency_id)}.events"
