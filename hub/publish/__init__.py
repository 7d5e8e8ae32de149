"""The agency publisher SDK (``AgencyPublisher``) and ``casehub publish``."""

from __future__ import annotations

from hub.publish.publisher import (
    AgencyPublisher,
    Delivery,
    PublishResult,
    producer_config,
    record_key,
)

__all__ = [
    "AgencyPublisher",
    "Delivery",
    "PublishResult",
    "producer_config",
    "record_key",
]
