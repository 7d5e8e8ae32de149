"""The outbox relay: the stored notification log to the timeline, feeds and dead letters.

``hub.relay.relay.Relay`` is the loop (one Kafka transaction per batch), ``hub.relay.records``
maps each stored event to its outbound records, ``hub.relay.position`` reads the relay's
position back from Kafka, ``hub.relay.faults`` injects crashes for the fault tests.
"""
