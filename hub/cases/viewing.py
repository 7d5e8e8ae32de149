"""Turn aggregates into the plain views of ``hub.cases.views`` (copies, never references)."""

from __future__ import annotations

from collections.abc import Sequence

from hub.cases import views as v
from hub.cases.domainmodel import Case
from hub.cases.sharing import InfoRecord, shared_info
from hub.directory.domainmodel import Directory


def case_view(case: Case) -> v.CaseView:
    return v.CaseView(
        case_id=case.id,
        version=case.version,
        owning_agency=case.owning_agency,
        case_number=case.case_number,
        title=case.title,
        category=case.category,
        summary=case.summary,
        classification=case.classification,
        registered_at=case.registered_at,
        modified_at=case.modified_on,
        chain_head=case.chain_head,
        participants=tuple(case.participants),
        infos=tuple(_info_view(info_id, record) for info_id, record in case.infos.items()),
        notices=tuple(
            v.NoticeView(
                n.notice_id,
                n.summary,
                n.sender,
                tuple(n.recipients),
                n.recorded_at,
                n.due_date,
                n.provisional,
                tuple(n.acknowledged.items()),
            )
            for n in case.notices.values()
        ),
        requests=tuple(
            v.AssistanceView(
                r.request_id,
                r.requested_by,
                r.addressee,
                r.subject,
                r.due_date,
                r.provisional,
                r.requested_at,
                r.status,
                r.acknowledged_at,
                tuple(r.materials),
                r.outcome,
                r.finished_at,
                r.late,
                r.extensions,
            )
            for r in case.requests.values()
        ),
        disputes=tuple(
            v.DisputeView(
                d.dispute_id,
                d.opened_by,
                d.subject,
                tuple(d.parties),
                d.opened_at,
                d.status,
                tuple(
                    v.SessionView(s.held_on, tuple(s.participants), s.outcome_notes, s.recorded_by)
                    for s in d.sessions
                ),
                d.closing_text,
                d.closed_at,
            )
            for d in case.disputes.values()
        ),
        recommendations=tuple(_recommendation_view(case, rid) for rid in case.recommendations),
        deadlines=tuple(
            v.DeadlineView(
                case.id,
                d.kind,
                d.target_id,
                d.agency,
                d.due_date,
                d.is_late,
                d.provisional,
                d.state,
                d.met_at,
            )
            for d in case.deadlines.values()
        ),
    )


def _info_view(info_id: str, record: InfoRecord) -> v.InfoView:
    i = shared_info(info_id, record)
    return v.InfoView(
        i.info_id, i.summary, i.shared_by, tuple(i.documents), i.recorded_at, i.notice_id
    )


def _recommendation_view(case: Case, recommendation_id: str) -> v.RecommendationView:
    r = case.recommendations[recommendation_id]
    return v.RecommendationView(
        recommendation_id=r.recommendation_id,
        issued_by=r.issued_by,
        addressee=r.addressee,
        content=r.content,
        legal_basis=r.legal_basis,
        urgent_due_date=r.urgent_due_date,
        issued_at=r.issued_at,
        status=r.status,
        served_at=r.served_at,
        received_at=r.received_at,
        due_date=r.due_date,
        provisional=r.provisional,
        objection=r.objection,
        review_outcome=r.review_outcome,
        adoption=r.adoption,
        measures=r.measures,
        replied_at=r.replied_at,
        late=r.late,
        follow_ups=tuple(
            v.FollowUpView(f.kind, f.detail, f.recorded_at, f.rectified, f.held_on, f.channel)
            for f in r.follow_ups
        ),
        closed_at=r.closed_at,
        closing_notes=r.closing_notes,
    )


def case_metadata(case: Case, events: Sequence[v.RecordedEvent]) -> v.CaseMetadata:
    return v.CaseMetadata(
        case_id=case.id,
        owning_agency=case.owning_agency,
        case_number=case.case_number,
        classification=case.classification,
        registered_at=case.registered_at,
        version=case.version,
        participants=tuple(case.participants),
        notice_ids=tuple(case.notices),
        request_ids=tuple(case.requests),
        dispute_ids=tuple(case.disputes),
        recommendation_ids=tuple(case.recommendations),
        events=tuple(
            v.EventSummary(e.version, e.type, e.recorded_at, e.occurred_at, e.actor_agency)
            for e in events
        ),
    )


def directory_view(directory: Directory | None) -> v.DirectoryView:
    if directory is None:
        return v.DirectoryView(version=0, agencies=())
    agencies = []
    for entry in directory.agencies.values():
        officers = directory.officers[entry.agency_id]
        agencies.append(
            v.AgencyView(
                agency_id=entry.agency_id,
                name_zh=entry.name_zh,
                name_en=entry.name_en,
                role=entry.role,
                admitted_at=entry.admitted_at,
                admitted_by=entry.admitted_by,
                officers=tuple(
                    v.OfficerView(o.officer_id, o.name, o.title, o.registered_at)
                    for o in officers.values()
                ),
                liaison_history=tuple(
                    v.LiaisonView(
                        h.agency_id,
                        h.officer_id,
                        officers[h.officer_id].name,
                        h.effective_from,
                        h.designated_at,
                        h.designated_by,
                    )
                    for h in directory.liaisons[entry.agency_id]
                ),
            )
        )
    return v.DirectoryView(version=directory.version, agencies=tuple(agencies))
