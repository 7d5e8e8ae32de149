"""CaseHub's development kit (``casehub-dev``), beside the shipped hub and never inside it.

* ``devkit.demo``: the demo story and ``casehub demo``, told end to end through Kafka;
* ``devkit.broker``: the local Kafka broker (single, sasl, three-node cluster), ``casehub broker``;
* ``devkit.testing``: helpers the tests and the bench share (like ``structlog.testing``).

The hub reaches the dev kit only through entry points (``hub.extensions``); the dev kit imports
the hub freely.
"""
