"""Hypothesis strategies for the command contract (for tests; needs ``hypothesis``).

``commands()`` draws any command of ``hub.cases.commands`` with values the wire can carry
exactly: timestamps at millisecond precision within years 1900-2200, any Unicode text.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import UTC, date, datetime, timedelta, timezone
from enum import Enum
from typing import Any
from uuid import UUID

from hypothesis import strategies as st

from hub.cases import commands as c
from hub.codec.mapping import EVENT_COMMANDS

_OFFSETS = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)

#: Aware datetimes at millisecond precision, in any fixed UTC offset.
timestamps: st.SearchStrategy[datetime] = st.builds(
    lambda dt, tz: dt.replace(microsecond=dt.microsecond // 1000 * 1000, tzinfo=UTC).astimezone(tz),
    # naive bounds are what st.datetimes takes; the value is made aware (UTC) above
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1)),  # noqa: DTZ001
    _OFFSETS,
)
texts = st.text(max_size=40)


def _for(hint: Any) -> st.SearchStrategy[Any]:  # noqa: PLR0911 - one branch per kind
    origin = typing.get_origin(hint)
    if origin in {typing.Union, types.UnionType}:
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        return st.none() | _for(inner[0])
    if origin is tuple:
        return st.lists(_for(typing.get_args(hint)[0]), max_size=3).map(tuple)
    if hint is str:
        return texts
    if hint is bool:
        return st.booleans()
    if hint is UUID:
        return st.uuids()
    if hint is datetime:
        return timestamps
    if hint is date:
        return st.dates()
    if isinstance(hint, type) and issubclass(hint, Enum):
        return st.sampled_from(list(hint))
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return dataclass_of(hint)
    raise TypeError(f"no strategy for {hint!r}")


def dataclass_of(cls: type[Any]) -> st.SearchStrategy[Any]:
    """Any instance of a contract dataclass, every field drawn (defaults included)."""
    hints = typing.get_type_hints(cls)
    fields = {f.name: _for(hints[f.name]) for f in dataclasses.fields(cls)}
    return st.builds(cls, **fields)


def command_of(cls: type[c.Command]) -> st.SearchStrategy[c.Command]:
    strategy: st.SearchStrategy[c.Command] = dataclass_of(cls)
    return strategy


def commands() -> st.SearchStrategy[c.Command]:
    """Any command of the contract."""
    return st.one_of(*(command_of(cls) for cls in EVENT_COMMANDS.values()))
