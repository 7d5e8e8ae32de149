"""Which agencies an event reaches: the one rule the relay's feeds and the readers' access share.

An event of a case reaches the case's participants as they stand just after it, plus the
agencies the event names: its notice recipients, its addressee, the agency a deadline concerns,
its author (never the hub itself). The relay publishes it on each of those agencies' feeds
that the directory knows (``is_agency``); the timeline record lists them in ``participants``.
The views and the auditor's history ask the same question when a reader asks what reached it.

Pure functions over plain data, and ``CaseStates``, which advances cases event by event to
know their participants after each.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from uuid import UUID

#: Who the hub itself is, as the author of its own facts (``hub.cases.context.HUB_AGENCY``).
HUB = "hub"

#: Of the fields an event names agencies in, those holding a list and those holding one.
_NAMED_LISTS = ("notice_recipients", "participants")
_NAMED_ONE = ("addressee", "agency", "agency_id", "actor_agency")


def participants_after(
    participants: Sequence[str], event_name: str, payload: Mapping[str, Any]
) -> list[str]:
    """A case's participants after one of its events (the rule of ``hub.cases``: the agencies
    named at registration, plus each agency added, plus the addressee of an assistance request
    or a recommendation). ``event_name`` is the short name (``Registered``)."""
    if event_name == "Registered":
        return [str(a) for a in payload.get("participants") or ()]
    joined: str | None = None
    if event_name == "ParticipantAdded":
        joined = payload.get("agency_id")
    elif event_name in ("AssistanceRequested", "RecommendationIssued"):
        joined = payload.get("addressee")
    found = list(participants)
    if isinstance(joined, str) and joined and joined not in found:
        found.append(joined)
    return found


def event_recipients(
    participants: Sequence[str],
    fields: Mapping[str, Any],
    is_agency: Callable[[str], bool] | None = None,
) -> list[str]:
    """The agencies an event reaches: the case's ``participants`` (after the event), then the
    agencies the event's ``fields`` name (notice recipients, addressee, the agency a deadline
    concerns) and its author; of those, when ``is_agency`` is given, the ones it knows."""
    found = list(dict.fromkeys(participants))
    extra: list[str] = []
    for name in _NAMED_LISTS:
        value = fields.get(name)
        if isinstance(value, list | tuple):
            extra.extend(str(v) for v in value)
    for name in _NAMED_ONE:
        value = fields.get(name)
        if isinstance(value, str) and value and value != HUB:
            extra.append(value)
    for agency in extra:
        if agency not in found:
            found.append(agency)
    return found if is_agency is None else [a for a in found if is_agency(a)]


def participants_of(case: Any) -> list[str]:
    """A case's participants (its state's), each once, as text."""
    return [str(a) for a in dict.fromkeys(getattr(case, "participants", []) or [])]


class CaseStates:
    """The state of recently seen cases, advanced event by event (an LRU of aggregates).

    ``load(case_id, version)`` gives the case at a version when the events before this one
    were not seen here (the relay reads the repository, a replay the stored events).
    """

    def __init__(self, load: Callable[[UUID, int], Any], capacity: int = 5000) -> None:
        self._load = load
        self._capacity = capacity
        self._cases: OrderedDict[UUID, Any] = OrderedDict()

    def after(self, event: Any) -> Any:
        """The case as it stands just after ``event``."""
        case_id, version = event.originator_id, event.originator_version
        case = self._cases.pop(case_id, None)
        if version == 1:
            case = event.mutate(None)
        elif case is not None and case.version == version - 1:
            case = event.mutate(case)
        elif case is None or case.version != version:
            case = self._load(case_id, version)
        self._cases[case_id] = case
        if len(self._cases) > self._capacity:
            self._cases.popitem(last=False)
        return case


def directory_recipients(
    event: Any, subject: str, is_agency: Callable[[str], bool] | None = None
) -> list[str]:
    """The agencies a directory event reaches: the agency it is about (``subject``), then its
    author; of those, when ``is_agency`` is given, the ones it knows."""
    found = dict.fromkeys([subject, str(getattr(event, "actor_agency", "") or "")])
    return [a for a in found if a and (is_agency is None or is_agency(a))]
