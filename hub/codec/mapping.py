"""Avro record (Python form) ⇄ command dataclass from ``hub.cases.commands``, both directions.

The record's ``header`` carries the command's ``Envelope`` and its case (``header.case_ref``);
every other field has the command field's name. Nested records become the command's small
dataclasses (``DocumentRef``, ``MajorFlag``, ``Party``), arrays become tuples, enum symbols
become the command's enum members by member name (``AgencyRole.JUSTICE_BUREAU`` is written
``JUSTICE_BUREAU``).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from enum import Enum
from typing import Any

from hub.cases import commands as c
from hub.codec.values import FieldError
from hub.vocabulary import CaseRef, Classification

#: Event record (past-tense fact) → the command it asks of the hub.
EVENT_COMMANDS: dict[str, type[c.Command]] = {
    "AgencyAdmitted": c.AdmitAgency,
    "OfficerRegistered": c.RegisterOfficer,
    "LiaisonDesignated": c.DesignateLiaison,
    "CaseRegistered": c.RegisterCase,
    "ParticipantAdded": c.AddParticipant,
    "InformationShared": c.ShareInformation,
    "NoticeAcknowledged": c.AcknowledgeNotice,
    "AssistanceRequested": c.RequestAssistance,
    "AssistanceRequestAcknowledged": c.AcknowledgeAssistanceRequest,
    "MaterialsSupplied": c.SupplyMaterials,
    "AssistanceCompleted": c.CompleteAssistance,
    "AssistanceDeclined": c.DeclineAssistance,
    "DisputeOpened": c.OpenDispute,
    "MediationSessionHeld": c.HoldMediationSession,
    "DisputeResolved": c.ResolveDispute,
    "DisputeWithdrawn": c.WithdrawDispute,
    "DisputeReferredToLitigation": c.ReferDisputeToLitigation,
    "RecommendationIssued": c.IssueRecommendation,
    "RecommendationServed": c.ServeRecommendation,
    "RecommendationReceived": c.ReceiveRecommendation,
    "RecommendationObjected": c.ObjectToRecommendation,
    "ObjectionReviewed": c.ReviewObjection,
    "RecommendationReplied": c.ReplyToRecommendation,
    "RectificationChecked": c.RecordRectificationCheck,
    "ConsultationRecorded": c.RecordConsultation,
    "RecommendationEscalated": c.EscalateRecommendation,
    "RecommendationClosed": c.CloseRecommendation,
    "DeadlineExtended": c.ExtendDeadline,
}
COMMAND_EVENTS: dict[type[c.Command], str] = {cmd: ev for ev, cmd in EVENT_COMMANDS.items()}
DIRECTORY_EVENTS = frozenset({"AgencyAdmitted", "OfficerRegistered", "LiaisonDesignated"})
_BODY_SKIP = frozenset({"envelope", "case"})


def event_type_of(command: c.Command) -> str:
    """The event record's short name for a command, e.g. ``RegisterCase`` → ``CaseRegistered``."""
    try:
        return COMMAND_EVENTS[type(command)]
    except KeyError:
        raise TypeError(f"{type(command).__name__} is not a command of the contract") from None


def case_of(command: c.Command) -> CaseRef | None:
    case: CaseRef | None = getattr(command, "case", None)
    return case


def command_to_record(command: c.Command) -> tuple[str, dict[str, Any]]:
    """The event type and its record in the Python form (``hub.codec.values``)."""
    event_type = event_type_of(command)
    env = command.envelope
    case = case_of(command)
    header = {
        "event_id": env.event_id,
        "case_ref": None if case is None else _to_value(case),
        "sender_agency": env.sender_agency,
        "officer_id": env.officer_id,
        "occurred_at": env.occurred_at,
        "correlation_id": env.correlation_id,
        "causation_id": env.causation_id,
        "classification": _to_value(env.classification),
    }
    record: dict[str, Any] = {"header": header}
    for f in dataclasses.fields(command):
        if f.name not in _BODY_SKIP:
            record[f.name] = _to_value(getattr(command, f.name))
    return event_type, record


def record_to_command(event_type: str, record: dict[str, Any]) -> c.Command:
    """The command for a record in the Python form; ``FieldError`` names what does not fit."""
    cls = EVENT_COMMANDS.get(event_type)
    if cls is None:
        raise FieldError("type", f"{event_type!r} is not an event type of the hub")
    header = record["header"]
    hints = _hints(cls)
    envelope = c.Envelope(
        event_id=header["event_id"],
        sender_agency=header["sender_agency"],
        officer_id=header["officer_id"],
        occurred_at=header["occurred_at"],
        correlation_id=header["correlation_id"],
        causation_id=header["causation_id"],
        classification=Classification[header["classification"]],
    )
    kwargs: dict[str, Any] = {"envelope": envelope}
    case_ref = header["case_ref"]
    if "case" in hints:
        if case_ref is None:
            raise FieldError("header.case_ref", f"{event_type} is a case event: give the case")
        kwargs["case"] = CaseRef(**case_ref)
    elif case_ref is not None:
        raise FieldError("header.case_ref", f"{event_type} is a directory event: must be null")
    for name, hint in hints.items():
        if name not in _BODY_SKIP:
            kwargs[name] = _converter(hint)(record[name])
    return cls(**kwargs)


def _to_value(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, tuple):
        return [_to_value(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _to_value(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


Converter = Callable[[Any], Any]
_CONVERTERS: dict[Any, Converter] = {}


def _identity(value: Any) -> Any:
    return value


def _converter(hint: Any) -> Converter:
    """A function from the record's value to the command's, built once per type hint."""
    found = _CONVERTERS.get(hint)
    if found is None:
        found = _CONVERTERS[hint] = _build_converter(hint)
    return found


def _build_converter(hint: Any) -> Converter:
    origin = typing.get_origin(hint)
    if origin in {typing.Union, types.UnionType}:
        inner = _converter(next(a for a in typing.get_args(hint) if a is not type(None)))
        return lambda value: None if value is None else inner(value)
    if origin is tuple:
        item = _converter(typing.get_args(hint)[0])
        return lambda value: tuple(item(v) for v in value)
    if isinstance(hint, type) and issubclass(hint, Enum):
        members = hint.__members__
        return lambda value: members[value]
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        cls = hint
        subs = {k: _converter(v) for k, v in _hints(hint).items()}
        return lambda value: cls(**{k: subs[k](v) for k, v in value.items()})
    return _identity


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = typing.get_type_hints(cls)
    return hints
