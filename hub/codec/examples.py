"""A valid example of each event type in the JSON form (``casehub schemas example TYPE``).

The sample values follow the demo scenario: invented agencies' ids, obviously fictional names.
"""

from __future__ import annotations

from typing import Any

from hub.codec.catalog import Catalog, default_catalog
from hub.codec.mapping import DIRECTORY_EVENTS
from hub.codec.names import event_type_named
from hub.codec.values import (
    ArrayShape,
    BooleanShape,
    DateShape,
    EnumShape,
    IntegerShape,
    NullableShape,
    RecordShape,
    Shape,
    TimestampShape,
    UuidShape,
)

#: Who typically sends each event in the demo (first match wins; default: an enforcement agency).
_SENDER = {
    "AgencyAdmitted": "rule-of-law-office",
    "AssistanceRequested": "procuratorate",
    "RecommendationIssued": "procuratorate",
    "RecommendationServed": "procuratorate",
    "ObjectionReviewed": "procuratorate",
    "RectificationChecked": "procuratorate",
    "ConsultationRecorded": "procuratorate",
    "RecommendationEscalated": "procuratorate",
    "RecommendationClosed": "procuratorate",
    "DeadlineExtended": "procuratorate",
    "ParticipantAdded": "procuratorate",
    "DisputeOpened": "justice-bureau",
    "MediationSessionHeld": "justice-bureau",
    "DisputeResolved": "justice-bureau",
    "DisputeWithdrawn": "justice-bureau",
    "DisputeReferredToLitigation": "justice-bureau",
}
_STRINGS = {
    "owning_agency": "market-regulation",
    "case_number": "市监罚〔2026〕12号",
    "officer_id": "mr-zhang-san",
    "agency_id": "natural-resources",
    "name_zh": "市自然资源局",
    "name_en": "Municipal Natural Resources Bureau",
    "name": "Zhang Sanfeng (fictional)",
    "addressee": "market-regulation",
    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "document_id": "doc-0001",
    "role": "applicant",
    "id_number": "",
    "legal_basis": "人民检察院检察建议工作规定 第十一条",
    "target_id": "rec-2026-001",
    "recommendation_id": "rec-2026-001",
    "request_id": "req-2026-001",
    "dispute_id": "dsp-2026-001",
    "notice_id": "ntc-2026-001",
    "info_id": "info-2026-001",
}


def example_json(event_type: str, *, catalog: Catalog | None = None) -> dict[str, Any]:
    """A valid example of the event type in the JSON form (every field written out).

    ``SchemaError`` for a name that is not an event type, pointing to the right one
    (``event_type_named``).
    """
    catalog = catalog or default_catalog()
    schema = catalog.current(event_type_named(event_type, catalog=catalog))
    sender = _SENDER.get(schema.name, "market-regulation")
    body = sample_value(schema.shape, "", sender)
    header = body["header"]
    header["sender_agency"] = sender
    header["officer_id"] = f"{sender}-officer-1"
    if schema.name in DIRECTORY_EVENTS:
        header["case_ref"] = None
    return {"type": schema.name, **body}


def sample_value(shape: Shape, name: str = "", sender: str = "market-regulation") -> Any:  # noqa: C901, PLR0911 - one branch per shape
    if isinstance(shape, RecordShape):
        return {f.name: sample_value(f.shape, f.name, sender) for f in shape.fields}
    if isinstance(shape, NullableShape):
        if name in {"correlation_id", "causation_id"}:
            return None
        return sample_value(shape.inner, name, sender)
    if isinstance(shape, ArrayShape):
        if name in {"participants", "recipients"}:
            return ["procuratorate", "justice-bureau"]
        return [sample_value(shape.items, name, sender)]
    if isinstance(shape, EnumShape):
        return "INTERNAL" if "INTERNAL" in shape.symbols else shape.symbols[0]
    if isinstance(shape, UuidShape):
        return "0b9f3a52-7c1e-4f3e-9a34-2d6c1f0e8b11"
    if isinstance(shape, TimestampShape):
        return "2026-03-02T09:30:00.000+08:00"
    if isinstance(shape, DateShape):
        return "2026-05-04"
    if isinstance(shape, BooleanShape):
        return True
    if isinstance(shape, IntegerShape):
        return 1
    return _STRINGS.get(name, f"example {name.replace('_', ' ')}")
