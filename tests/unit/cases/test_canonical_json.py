"""The fast canonical JSON (orjson) writes exactly the bytes of the standard encoder.

Every stored hash was computed with ``json`` (sorted keys, compact, UTF-8): if the two ever
differed for a value an event can hold, ``verify_chain`` would report intact chains as broken.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.cases.hashing import _default, canonical_json, to_canonical
from hub.vocabulary import Classification, DocumentRef

STDLIB = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default
)


def stdlib(value: object) -> bytes:
    return STDLIB.encode(value).encode("utf-8")


@dataclass(frozen=True)
class Nested:
    zeta: str
    alpha: tuple[DocumentRef, ...]
    when: date


moments = st.datetimes(
    min_value=datetime(1, 1, 2),  # noqa: DTZ001 - hypothesis takes naive bounds
    max_value=datetime(9999, 12, 30),  # noqa: DTZ001
    timezones=st.sampled_from(
        [UTC, ZoneInfo("Asia/Shanghai"), timezone(timedelta(hours=5, minutes=30, seconds=15))]
    )
    | st.none(),
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.text()
    | moments
    | st.dates()
    | st.uuids()
    | st.sampled_from(list(Classification))
    | st.builds(DocumentRef, st.text(), st.text(), st.text())
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=4).map(tuple)
        | st.dictionaries(st.text(), inner, max_size=4)
        | st.builds(
            Nested,
            st.text(),
            st.lists(st.builds(DocumentRef, st.text(), st.text())).map(tuple),
            st.dates(),
        )
    ),
    max_leaves=20,
)


@given(values)
def test_same_bytes_as_the_standard_encoder(value: object) -> None:
    assert canonical_json(value) == stdlib(value)


@given(values)
def test_parsing_it_gives_the_canonical_data(value: object) -> None:
    assert json.loads(canonical_json(value)) == to_canonical(value)


def test_keys_that_are_not_text_fall_back_to_the_standard_encoder() -> None:
    value = {"ids": {1: UUID(int=7), 2: datetime(2026, 8, 3, tzinfo=UTC)}, "n": 2**65}
    assert canonical_json(value) == stdlib(value)


def test_an_unknown_type_is_refused_by_name() -> None:
    class Odd:
        pass

    with pytest.raises(TypeError, match="no canonical encoding for Odd"):
        canonical_json({"x": Odd()})
