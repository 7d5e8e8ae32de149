"""Opening the application over a store that must already be there (the tools that read it).

Apart from ``store.py`` because ``CaseHub`` itself builds its environment with ``store_env``:
the application stands on the store's environment, and this opening stands on both.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from hub.cases.application import CaseHub
from hub.cases.store import store_env
from hub.errors import SetupError
from hub.settings import Settings


@contextmanager
def open_existing_hub(settings: Settings) -> Iterator[CaseHub]:
    """``CaseHub`` over the configured store for a tool that reads or amends what is there;
    never creates an SQLite file (a wrong path is an error, not a new empty store)."""
    if settings.store == "sqlite" and not settings.sqlite_file.exists():
        raise SetupError(f"there is no event store at {settings.sqlite_file}")
    app = CaseHub(store_env(settings), settings=settings)
    try:
        yield app
    finally:
        app.close()
