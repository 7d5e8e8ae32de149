"""The ingest: agency topics → decoded commands → one store transaction per partition batch.

``hub.ingest.loop.Ingest`` is the consumer loop, ``hub.ingest.store.IngestStore`` what it needs
of the store, ``hub.ingest.lease`` the per-partition fencing token.
"""
