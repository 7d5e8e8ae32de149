"""librdkafka's log lines, as structlog events.

confluent-kafka hands each line to the ``logger`` property's ``log(level, fmt, *args)`` with
``fmt`` = ``"%s [%s] %s"`` and the arguments (facility, client instance name, message); lines
are queued and served by the client's own ``poll()``. ``LibrdkafkaLogger`` turns each into one
static event, ``librdkafka``, with the facility, client and message as fields.

While a broker is away librdkafka reports every failed connection attempt of every client, many
a second: one warning or error line per client and facility is passed on every
``REPEAT_EVERY_S`` seconds, the next one carrying how many were held back (``suppressed``).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from hub.logging import get_logger

#: The stdlib logger whose level decides which of librdkafka's lines are passed on (a name,
#: not ``log.name``: under ``structlog.testing.capture_logs`` the bound logger has none).
LOGGER_NAME = "hub.kafka.librdkafka"
log = get_logger(LOGGER_NAME)
REPEAT_EVERY_S = 5.0


class LibrdkafkaLogger:
    """The object confluent-kafka calls with each librdkafka log line."""

    def __init__(self, client_id: str) -> None:
        self.client_id = client_id
        #: facility -> (when its last line was passed on, lines held back since)
        self._last: dict[str, tuple[float, int]] = {}

    def log(self, level: int, _fmt: str, *args: Any) -> None:
        facility, instance, message = ([*args, "", "", ""])[:3]
        if level < logging.WARNING and not logging.getLogger(LOGGER_NAME).isEnabledFor(level):
            return
        held = 0
        if level >= logging.WARNING:  # debug lines asked for are all wanted
            now = time.monotonic()
            last, held = self._last.get(str(facility), (float("-inf"), 0))
            if now - last < REPEAT_EVERY_S:
                self._last[str(facility)] = (last, held + 1)
                return
            self._last[str(facility)] = (now, 0)
        log.log(
            level,
            "librdkafka",
            client_id=self.client_id,
            facility=str(facility),
            instance=str(instance),
            message=str(message),
            suppressed=held,
        )

    def __repr__(self) -> str:
        return f"LibrdkafkaLogger({self.client_id!r})"


def librdkafka_logger(client_id: str) -> LibrdkafkaLogger:
    return LibrdkafkaLogger(client_id)
