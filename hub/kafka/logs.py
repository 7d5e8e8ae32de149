"""librdkafka's log lines, as structlog events.

confluent-kafka hands each line to the ``logger`` property's ``log(level, fmt, *args)`` with
``fmt`` = ``"%s [%s] %s"`` and the arguments (facility, client instance name, message); lines
are queued and served by the client's own ``poll()``. ``LibrdkafkaLogger`` turns each into one
static event, ``librdkafka``, with the facility, client and message as fields.
"""

from __future__ import annotations

import logging
from typing import Any

from hub.logging import get_logger

log = get_logger("hub.kafka.librdkafka")


class LibrdkafkaLogger:
    """The object confluent-kafka calls with each librdkafka log line."""

    def __init__(self, client_id: str) -> None:
        self.client_id = client_id

    def log(self, level: int, _fmt: str, *args: Any) -> None:
        facility, instance, message = ([*args, "", "", ""])[:3]
        if level >= logging.WARNING or logging.getLogger(log.name).isEnabledFor(level):
            log.log(
                level,
                "librdkafka",
                client_id=self.client_id,
                facility=str(facility),
                instance=str(instance),
                message=str(message),
            )

    def __repr__(self) -> str:
        return f"LibrdkafkaLogger({self.client_id!r})"


def librdkafka_logger(client_id: str) -> LibrdkafkaLogger:
    return LibrdkafkaLogger(client_id)
