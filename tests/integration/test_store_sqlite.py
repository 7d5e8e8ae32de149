"""The store contract on SQLite (a file in a temporary directory)."""

from __future__ import annotations

from pathlib import Path

import pytest

from case_builders import sqlite_env
from store_contract import PersistentStoreContract


class TestSQLiteStore(PersistentStoreContract):
    @pytest.fixture
    def env(self, tmp_path: Path) -> dict[str, str]:
        return sqlite_env(tmp_path)
