"""The store contract on SQLite (a file in a temporary directory)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "cases"))

from case_builders import sqlite_env
from store_contract import PersistentStoreContract


class TestSQLiteStore(PersistentStoreContract):
    @pytest.fixture
    def env(self, tmp_path: Path) -> dict[str, str]:
        return sqlite_env(tmp_path)
