"""How far the relay has got: is every stored notification that publishes something covered by
its committed position?

The stored events the relay publishes something for are named once, in ``hub.relay.records``
(``PUBLISHING_TOPICS``); leases, deadline indexes and snapshots after the position leave the
relay caught up. The demo waits on ``relay_caught_up`` before it reads the views, and the
pipeline tests before they compare what was published.
"""

from __future__ import annotations

from typing import Any

from hub.relay.position import read_position
from hub.relay.records import PUBLISHING_TOPICS
from hub.settings import Settings

__all__ = ["PUBLISHING_TOPICS", "last_publishing_notification", "relay_caught_up"]


def relay_caught_up(settings: Settings, app: Any) -> bool:
    """The relay's committed position covers every notification that publishes something."""
    latest = last_publishing_notification(app)
    if latest is None:
        return True
    position = read_position(settings)
    return position is not None and position >= latest


def last_publishing_notification(app: Any) -> int | None:
    """The id of the last stored notification the relay publishes something for."""
    top = app.recorder.max_notification_id()
    window = 256
    while top is not None and top > 0:
        start = max(1, top - window + 1)
        for n in reversed(app.recorder.select_notifications(start=start, limit=window, stop=top)):
            if n.topic.startswith(PUBLISHING_TOPICS):
                return int(n.id)
        top = start - 1
        window *= 4
    return None
