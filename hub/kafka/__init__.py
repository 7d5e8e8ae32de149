"""The hub's one Kafka layer, on librdkafka (``confluent-kafka``).

Every client the hub itself runs — the ingest and view consumers, leadership, the relay's
transactional producer, the admin client, the readers of the audit and operations tools — is
made here, configured from ``Settings`` (``hub.kafka.config``), with librdkafka's log lines
routed through structlog (``hub.kafka.logs``). Nothing outside this package touches a client's
internals, and nothing outside it imports ``confluent_kafka``.

The agency publisher SDK (``hub.publish``) is the one exception by design: it stays on
kafka-python, pure Python, so that it installs on any machine an agency runs.

* ``config``: librdkafka configuration from ``Settings`` (servers, SASL, TLS), password masked.
* ``errors``: the hub's Kafka errors and how a librdkafka error is classified.
* ``records``: ``Record``, the plain value the rest of the hub reads instead of a client message.
* ``clients``: factories for every client role (group member, reader, producers, admin).
* ``group``: ``GroupMember``, a consumer in a KIP-848 group with claims in its callbacks.
* ``reader``: ``read_committed`` reading of whole partitions, up to their end.
* ``admin``: topics, offsets, groups, cluster facts.
"""
