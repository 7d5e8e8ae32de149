"""Deterministic identities (docs/design.md, "Identities"). Published; never change."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from uuid import UUID, uuid5

CASE_NAMESPACE = UUID("6f1c2a4e-6c1b-5d7e-9a53-0c2b9f6d1e10")
DIRECTORY_ID = uuid5(CASE_NAMESPACE, "directory")
DEADLINE_INDEX_ID = uuid5(CASE_NAMESPACE, "deadlines")


def normalise_case_number(case_number: str) -> str:
    return unicodedata.normalize("NFKC", case_number).strip()


@lru_cache(maxsize=65536)
def case_id_for(owning_agency: str, case_number: str) -> UUID:
    """uuid5 of the owning agency and its NFKC-normalised, trimmed case number."""
    return uuid5(CASE_NAMESPACE, f"{owning_agency}/{normalise_case_number(case_number)}")


@lru_cache(maxsize=65536)
def event_index_id(event_id: UUID) -> UUID:
    return uuid5(CASE_NAMESPACE, f"event/{event_id}")


def rejection_id(source: str, partition: int, offset: int) -> UUID:
    return uuid5(CASE_NAMESPACE, f"rejection/{source}/{partition}/{offset}")


def deadline_day_id(iso_day: str) -> UUID:
    return uuid5(CASE_NAMESPACE, f"deadlines/{iso_day}")
