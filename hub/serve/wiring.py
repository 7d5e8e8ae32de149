"""Kept for the demo and the bench until they open the pipeline through ``hub.bootstrap``.

The composition root is ``hub.bootstrap``: ``open_hub`` is its ``open_pipeline``, ``hub_env``
its ``pipeline_env``. ``CaseHub.process_batch`` records the ingest's ``extra`` aggregates
itself, so the pipeline's application is ``CaseHub``.
"""

from __future__ import annotations

from hub.bootstrap import POSTGRES_CONNECT_TIMEOUT_S
from hub.bootstrap import open_pipeline as open_hub
from hub.bootstrap import pipeline_env as hub_env

__all__ = ["POSTGRES_CONNECT_TIMEOUT_S", "hub_env", "open_hub"]
