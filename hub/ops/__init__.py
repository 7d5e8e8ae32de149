"""Operations: topic and lag inspection, dead letters and their redrive, metrics and health.

* ``hub.ops.metrics``: the Prometheus metrics of ``casehub serve`` and the views, and the
  small HTTP server that exposes them with ``/healthz`` and ``/readyz``;
* ``hub.ops.status``: topics, consumer-group lag, per-agency activity, schema fingerprints in use;
* ``hub.ops.deadletters``: the store's rejections, and redriving them after the cause is fixed;
* ``hub.ops.cli``: ``casehub ops status | deadletters | redrive``.
"""
