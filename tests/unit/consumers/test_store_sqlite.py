"""The view store contract on SQLite (the default backend: a file under the data dir)."""

from __future__ import annotations

import pytest

from consumers.store import SQLiteViewStore
from devkit.testing.consumers import ViewStoreContract


class TestSQLiteViewStore(ViewStoreContract):
    @pytest.fixture
    def store(self, tmp_path):
        store = SQLiteViewStore(str(tmp_path / "views.sqlite"))
        yield store
        store.close()

    @pytest.fixture
    def same_database(self, tmp_path):
        other = SQLiteViewStore(str(tmp_path / "views.sqlite"))
        yield other
        other.close()
