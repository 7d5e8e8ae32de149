"""Map each case command of the contract onto the Case aggregate's command method."""

from __future__ import annotations

from hub.cases import commands as c
from hub.cases.context import Agencies, Meta, Terms
from hub.cases.domainmodel import Case


def register_case(cmd: c.RegisterCase, meta: Meta, agencies: Agencies, terms: Terms) -> Case:
    return Case.register(
        meta,
        agencies,
        terms,
        owning_agency=cmd.case.owning_agency,
        case_number=cmd.case.case_number,
        title=cmd.title,
        category=cmd.category,
        summary=cmd.summary,
        major=cmd.major,
    )


def apply_to_case(  # noqa: C901, PLR0912, PLR0915 - one branch per command type
    case: Case, cmd: c.CaseCommand, meta: Meta, agencies: Agencies, terms: Terms
) -> None:
    """Run one command (other than RegisterCase) on a loaded case; raises on a broken rule."""
    match cmd:
        case c.AddParticipant():
            case.add_participant(meta, agencies, cmd.agency_id)
        case c.ShareInformation():
            case.share_information(
                meta,
                agencies,
                terms,
                info_id=cmd.info_id,
                summary=cmd.summary,
                documents=cmd.documents,
                major=cmd.major,
            )
        case c.AcknowledgeNotice():
            case.acknowledge_notice(meta, terms, cmd.notice_id)
        case c.RequestAssistance():
            case.request_assistance(
                meta,
                agencies,
                terms,
                request_id=cmd.request_id,
                addressee=cmd.addressee,
                subject=cmd.subject,
                due_date=cmd.due_date,
            )
        case c.AcknowledgeAssistanceRequest():
            case.acknowledge_assistance_request(meta, cmd.request_id)
        case c.SupplyMaterials():
            case.supply_materials(meta, cmd.request_id, cmd.documents, cmd.note)
        case c.CompleteAssistance():
            case.complete_assistance(meta, cmd.request_id, cmd.summary)
        case c.DeclineAssistance():
            case.decline_assistance(meta, cmd.request_id, cmd.reason)
        case c.OpenDispute():
            case.open_dispute(meta, cmd.dispute_id, cmd.subject, cmd.parties)
        case c.HoldMediationSession():
            case.hold_mediation_session(
                meta, cmd.dispute_id, cmd.held_on, cmd.participants, cmd.outcome_notes
            )
        case c.ResolveDispute():
            case.resolve_dispute(meta, cmd.dispute_id, cmd.terms)
        case c.WithdrawDispute():
            case.withdraw_dispute(meta, cmd.dispute_id, cmd.reason)
        case c.ReferDisputeToLitigation():
            case.refer_dispute_to_litigation(meta, cmd.dispute_id, cmd.reason)
        case c.IssueRecommendation():
            case.issue_recommendation(
                meta,
                agencies,
                recommendation_id=cmd.recommendation_id,
                addressee=cmd.addressee,
                content=cmd.content,
                legal_basis=cmd.legal_basis,
                urgent_due_date=cmd.urgent_due_date,
            )
        case c.ServeRecommendation():
            case.serve_recommendation(meta, cmd.recommendation_id)
        case c.ReceiveRecommendation():
            case.receive_recommendation(meta, terms, cmd.recommendation_id)
        case c.ObjectToRecommendation():
            case.object_to_recommendation(meta, cmd.recommendation_id, cmd.grounds)
        case c.ReviewObjection():
            case.review_objection(
                meta,
                terms,
                recommendation_id=cmd.recommendation_id,
                outcome=cmd.outcome,
                notes=cmd.notes,
                amended_content=cmd.amended_content,
            )
        case c.ReplyToRecommendation():
            case.reply_to_recommendation(
                meta, cmd.recommendation_id, cmd.adoption, cmd.measures, cmd.documents
            )
        case c.RecordRectificationCheck():
            case.record_rectification_check(meta, cmd.recommendation_id, cmd.rectified, cmd.notes)
        case c.RecordConsultation():
            case.record_consultation(
                meta, cmd.recommendation_id, cmd.held_on, cmd.summary, cmd.opinions_heard
            )
        case c.EscalateRecommendation():
            case.escalate_recommendation(meta, cmd.recommendation_id, cmd.channel, cmd.reason)
        case c.CloseRecommendation():
            case.close_recommendation(meta, cmd.recommendation_id, cmd.notes)
        case c.ExtendDeadline():
            case.extend_deadline(
                meta,
                terms,
                kind=cmd.kind,
                target_id=cmd.target_id,
                new_due=cmd.new_due_date,
                reason=cmd.reason,
            )
        case c.RegisterCase():
            msg = "RegisterCase creates a case; use register_case()"
            raise TypeError(msg)
