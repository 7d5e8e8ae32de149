"""The store contract on the in-memory (POPO) store."""

from __future__ import annotations

import pytest

from case_builders import POPO_ENV
from store_contract import StoreContract


class TestPOPOStore(StoreContract):
    @pytest.fixture
    def env(self) -> dict[str, str]:
        return dict(POPO_ENV)
