"""Event type names as people write them: the event, its full name, or by mistake its command.

``casehub schemas example`` and the JSON form (``casehub publish``) take an event type's name;
a person who writes the command's name (``ReplyToRecommendation``) or a near miss is told the
name to write instead.
"""

from __future__ import annotations

import difflib

from hub.codec.catalog import NAMESPACE, Catalog, default_catalog
from hub.codec.mapping import EVENT_COMMANDS
from hub.errors import SchemaError


def event_type_named(name: str, *, catalog: Catalog | None = None) -> str:
    """The event type a person means by ``name`` (``CaseRegistered`` or its full name).

    ``SchemaError`` otherwise, saying what to write instead: a command's name
    (``ReplyToRecommendation``) points to its event (``RecommendationReplied``), a shared or
    hub record says it is not an event an agency sends, and any other name gets the closest
    event names.
    """
    catalog = catalog or default_catalog()
    events = catalog.event_types()
    short = name.removeprefix(f"{NAMESPACE}.")
    if short in events:
        return short
    command_events = {cmd.__name__.lower(): event for event, cmd in EVENT_COMMANDS.items()}
    if short.lower() in command_events:
        event = command_events[short.lower()]
        raise SchemaError(
            f"{name!r} is a command; the event an agency publishes for it is {event!r}: "
            f"casehub schemas example {event}"
        )
    if Catalog.fullname(name) in catalog.records():
        raise SchemaError(
            f"{Catalog.fullname(name)} is not an event an agency publishes "
            f"(it is a {catalog.current(name).kind} record); event types: "
            "casehub schemas list, or docs/events.md"
        )
    by_lower = {e.lower(): e for e in events} | command_events
    close = difflib.get_close_matches(short.lower(), list(by_lower), n=6, cutoff=0.5)
    suggestions = list(dict.fromkeys(by_lower[c] for c in close))[:3]
    hint = (
        f"; the closest: {', '.join(suggestions)}"
        if suggestions
        else "; event types: casehub schemas list, or docs/events.md"
    )
    raise SchemaError(f"{name!r} is not an event type of the hub{hint}")
