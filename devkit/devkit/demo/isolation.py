"""A clean slate on the broker for each demo run.

The hub's topic and group names are fixed (``hub.topics``: ``casehub.timeline``,
``casehub.agency.<id>.events``, groups ``casehub-ingest`` …), and the relay resumes from the
position it last wrote to ``casehub.relay.position``. A second run's fresh event store would
otherwise ingest the first run's agency records and the relay would skip the new store's first
notifications. So the demo deletes every ``casehub.*`` topic and the hub's consumer groups
before it starts, then the hub re-creates its topics.

That is only safe on a development broker no live hub uses: the demo refuses a broker that is
not on this machine, and a broker where a hub group still has members (``casehub serve`` or
``casehub consumers run`` is running against it).
"""

from __future__ import annotations

import ipaddress
import time

from devkit.demo.errors import DemoError
from hub.kafka.admin import KafkaAdmin
from hub.kafka.errors import KafkaUnavailable
from hub.settings import Settings
from hub.topics import INGEST_GROUP, LEADER_GROUP

#: Every topic the hub names starts with this.
HUB_TOPIC_PREFIX = "casehub."
#: The projections' default consumer groups (``consumers.runner``) start with this.
VIEW_GROUP_PREFIX = "casehub-view-"
#: librdkafka's names of a group's states (``ConsumerGroupState``).
_IDLE_GROUP_STATES = {"EMPTY", "DEAD"}


def is_local(bootstrap_servers: list[str]) -> bool:
    """Whether every bootstrap server is on this machine (loopback)."""
    for server in bootstrap_servers:
        host = server.rsplit(":", 1)[0].strip("[]")
        if host == "localhost":
            continue
        try:
            if not ipaddress.ip_address(host).is_loopback:
                return False
        except ValueError:
            return False
    return True


def _hub_groups(admin: KafkaAdmin) -> dict[str, str]:
    """The hub's consumer groups on the broker and their states."""
    return {
        name: state
        for name, state in admin.group_states().items()
        if name in {INGEST_GROUP, LEADER_GROUP} or name.startswith(VIEW_GROUP_PREFIX)
    }


def _hub_groups_when_ready(admin: KafkaAdmin, deadline: float) -> dict[str, str]:
    """``_hub_groups``, waiting while a broker that has just started loads its group
    coordinator (it does not answer for a few seconds)."""
    while True:
        try:
            return _hub_groups(admin)
        except KafkaUnavailable:
            if time.monotonic() > deadline:
                raise DemoError(
                    "the broker's group coordinator did not come up in time; run the demo again"
                ) from None
            time.sleep(0.5)


def reset_hub_topics(
    settings: Settings, *, operator: Settings | None = None, timeout_s: float = 60.0
) -> list[str]:
    """Delete every ``casehub.*`` topic and the hub's idle groups; returns the topics deleted.

    Waits up to 15 s for the members a killed run left to expire; raises
    ``DemoError`` when a hub is still live on the broker. ``operator`` is the connection of
    the broker's super user on a broker with ACLs (``casehub demo --secure``): no service
    principal may delete topics or groups; by default, ``settings``' own connection.
    """
    if not is_local(settings.bootstrap_servers):
        raise DemoError(
            f"the demo clears the hub's topics, so it runs only on a local development broker, "
            f"not {','.join(settings.bootstrap_servers)}"
        )
    with KafkaAdmin(operator or settings, client_id="casehub-demo-reset") as admin:
        deadline = time.monotonic() + 15.0  # a killed run's members expire within 6 s
        while True:
            groups = _hub_groups_when_ready(admin, deadline)
            live = sorted(n for n, state in groups.items() if state not in _IDLE_GROUP_STATES)
            if not live:
                break
            if time.monotonic() > deadline:
                raise DemoError(
                    f"a hub is running against {','.join(settings.bootstrap_servers)} "
                    f"(consumer group {live[0]} has members); stop it first: the demo clears "
                    "the hub's topics"
                )
            time.sleep(1.0)
        admin.delete_groups(sorted(groups))

        def ours() -> list[str]:
            return sorted(t for t in admin.topics() if t.startswith(HUB_TOPIC_PREFIX))

        topics = ours()
        if topics:
            admin.delete_topics(topics)
            deadline = time.monotonic() + timeout_s
            while ours():
                if time.monotonic() > deadline:
                    raise DemoError(f"the broker did not delete the hub's topics in {timeout_s}s")
                time.sleep(0.2)
        return topics
