"""The JSON form of an event (``casehub publish``; ``docs/events.md``).

One JSON object per event: ``"type"`` is the event record's name (``CaseRegistered``, or the
full name ``casehub.events.CaseRegistered``), ``"header"`` the common header, and every other
key a field of the record, in the current version. UUIDs are strings, timestamps ISO-8601
with a UTC offset (``2026-03-02T09:30:00+08:00``; sub-millisecond digits are dropped), dates
``YYYY-MM-DD``, enums by symbol. A field with a schema default may be left out; an unknown
key is an error (it is usually a typo).
"""

from __future__ import annotations

import json
from typing import Any

from hub.cases.commands import Command
from hub.codec.catalog import Catalog, default_catalog
from hub.codec.mapping import EVENT_COMMANDS, command_to_record, record_to_command
from hub.codec.names import event_type_named
from hub.codec.values import FieldError
from hub.errors import SchemaError


def command_from_json(obj: Any, *, catalog: Catalog | None = None) -> Command:
    """The command for one event in the JSON form; ``FieldError`` names the offending field."""
    catalog = catalog or default_catalog()
    if not isinstance(obj, dict):
        raise FieldError("", f"an event is a JSON object, got {type(obj).__name__}")
    if "type" not in obj:
        raise FieldError("type", 'required: the event type, e.g. "CaseRegistered"')
    event_type = obj["type"]
    if not isinstance(event_type, str):
        raise FieldError("type", f"{event_type!r:.60} is not an event type of the hub")
    try:
        event_type = event_type_named(event_type[:200], catalog=catalog)
    except SchemaError as exc:
        raise FieldError("type", str(exc)) from None
    if event_type not in EVENT_COMMANDS:
        raise FieldError("type", f"{event_type!r} is not an event type of the hub")
    schema = catalog.current(event_type)
    record = schema.shape.from_json({k: v for k, v in obj.items() if k != "type"})
    return record_to_command(event_type, record)


def command_from_json_text(text: str, *, catalog: Catalog | None = None) -> Command:
    """Parse one line of JSON; malformed JSON raises ``FieldError`` with the column."""
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FieldError("", f"malformed JSON at column {exc.colno}: {exc.msg}") from None
    return command_from_json(obj, catalog=catalog)


def command_to_json(command: Command, *, catalog: Catalog | None = None) -> dict[str, Any]:
    """The JSON form of a command (the inverse of ``command_from_json``)."""
    catalog = catalog or default_catalog()
    event_type, record = command_to_record(command)
    body: dict[str, Any] = catalog.current(event_type).shape.to_json(record)
    return {"type": event_type, **body}
