"""The agency publisher SDK (``AgencyPublisher``) and ``casehub publish``.

The SDK is what an agency installs (``pip install casehub``, no extras): it runs on
kafka-python, pure Python, and imports nothing of the server (the hub's librdkafka layer,
eventsourcing, the store), so that it installs wherever an agency's system runs.
``tests/integration/test_sdk_install.py`` installs it alone in a fresh environment.

``hub.topics`` takes the agency topic's name from ``hub.publish.naming``; so that importing
that name does not load kafka-python into the hub's processes, the publisher's names are
loaded on first use (PEP 562), not when the package is.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module("hub.publish.publisher"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
