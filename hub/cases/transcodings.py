"""JSON transcodings for the values our events and snapshots carry (eventsourcing's transcoder).

Dates, bytes, the command contract's value objects, and the mutable state classes that appear
in snapshots. Tuples are stored as JSON arrays and come back as tuples for frozen values.
"""

from __future__ import annotations

import base64
import dataclasses
from datetime import date
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding

from hub.cases.assistance import AssistanceRequest
from hub.cases.casestate import Deadline
from hub.cases.deadline_index import DayEntry
from hub.cases.disputes import Dispute, MediationSession
from hub.cases.recommendations import FollowUp, Recommendation
from hub.cases.sharing import Notice, SharedInfo
from hub.directory.domainmodel import AgencyEntry, LiaisonEntry, OfficerEntry
from hub.vocabulary import DocumentRef, MajorFlag, Party


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class BytesAsBase64(Transcoding):
    type = bytes
    name = "bytes_b64"

    def encode(self, obj: bytes) -> str:
        return base64.b64encode(obj).decode("ascii")

    def decode(self, data: str) -> bytes:
        return base64.b64decode(data)


class DataclassAsDict(Transcoding):
    """A dataclass as the dict of its fields; ``frozen`` ones get their lists back as tuples."""

    def __init__(self, cls: type[Any]) -> None:
        self.type = cls
        self.name = cls.__name__
        self._fields = tuple(f.name for f in dataclasses.fields(cls))
        self._frozen = bool(cls.__dataclass_params__.frozen)

    def encode(self, obj: Any) -> dict[str, Any]:
        return {name: getattr(obj, name) for name in self._fields}

    def decode(self, data: dict[str, Any]) -> Any:
        if self._frozen:
            data = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        return self.type(**data)


VALUE_TYPES: tuple[type[Any], ...] = (
    DocumentRef,
    MajorFlag,
    Party,
    SharedInfo,
    Notice,
    Deadline,
    AssistanceRequest,
    Dispute,
    MediationSession,
    Recommendation,
    FollowUp,
    DayEntry,
    AgencyEntry,
    OfficerEntry,
    LiaisonEntry,
)


def register_all(transcoder: JSONTranscoder) -> None:
    transcoder.register(DateAsISO())
    transcoder.register(BytesAsBase64())
    for cls in VALUE_TYPES:
        transcoder.register(DataclassAsDict(cls))
