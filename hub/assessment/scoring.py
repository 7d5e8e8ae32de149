"""Scoring one year: an indicator per organ, each a documented ratio over facts of the record.

Every formula reads facts only (``hub.assessment.model``); dates are local (Asia/Shanghai).
An indicator with nothing to count for an organ is *not applicable* (value ``None``) and is
left out of that organ's score. With weights ``w`` and values ``v`` in [0, 1]:

    score = 100 × Σ w·v ÷ Σ w   (over the applicable indicators)

Ranking: by score (highest first), then by the applicable weight (more evidence first), then by
agency id. Every figure lists the facts that decided it (``Figure.evidence``): for one with a
due day, the fact that opened it ("due"), every fact that moved the due day in force (an
extension, "extended"; an objection's review that set a new due day, "due_reset"), the misses
and the answer, so an auditor sees why it counts as on time or late. The indicators (their
labels and formulas, in both languages, are in ``hub.i18n``):

- ``reply_on_time``: of the recommendations to the organ whose reply was due in the year (the
  due day in force, after extensions and amendments; withdrawn ones excluded) and that were
  either replied to or recorded as missed, the share replied to by the due day.
- ``adoption``: of the written replies recorded in the year, (adopted + ½ partly adopted) ÷ all.
- ``rectification``: of the recommendations checked in follow-up in the year, the share whose
  last check that year found them rectified.
- ``assistance_on_time``: of the assistance requests to the organ due in the year and either
  answered (completed or declined) or recorded as missed, the share answered by the due day.
- ``declines``: 1 − declined ÷ requests answered in the year.
- ``notice_ack_on_time``: of the major notices to the organ whose acknowledgment was due in
  the year and either acknowledged or recorded as missed, the share acknowledged with 0 working
  days late.
- ``disputes_mediated``: of the administrative disputes on the organ's own cases closed in the
  year, the share resolved by a settlement (和解协议).
- ``liaison_designated``: 1 when a liaison officer was in effect from the later of 1 January and
  the end of the grace period after admission, to 31 December (designations replace one
  another; none is ever revoked), else 0. Not applicable to an organ admitted after the year.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime

from hub.assessment import model as m
from hub.assessment.config import INDICATORS, AssessmentConfig
from hub.errors import CaseHubError
from hub.rules.calendar import WorkingDayCalendar
from hub.rules.clocks import add_working_days, local_date

Subject = tuple[str, str]  # (case id, sub-process id)


class NoAssessmentDataError(CaseHubError):
    """Nothing on the record for the year asked about."""

    code = "no_assessment_data"


_CASE_KINDS = frozenset(
    {
        m.NOTICE,
        m.NOTICE_ACK,
        m.ASSISTANCE,
        m.ASSISTANCE_COMPLETED,
        m.ASSISTANCE_DECLINED,
        m.RECOMMENDATION,
        m.REPLY,
        m.RECTIFICATION,
        m.MISSED,
        m.DISPUTE_CLOSED,
    }
)


def _evidence(fact: m.Fact, role: str) -> m.Evidence:
    return m.Evidence(fact.event_ref, fact.event_type, fact.actor_agency, fact.recorded_on, role)


class _Figures:
    """Accumulates numerator, denominator and evidence per (organ, indicator)."""

    def __init__(self) -> None:
        self.num: dict[tuple[str, str], float] = defaultdict(float)
        self.den: dict[tuple[str, str], int] = defaultdict(int)
        self.evidence: dict[tuple[str, str], list[m.Evidence]] = defaultdict(list)

    def count(self, organ: str, indicator: str, credit: float, proof: Iterable[m.Evidence]) -> None:
        self.num[organ, indicator] += credit
        self.den[organ, indicator] += 1
        self.evidence[organ, indicator].extend(proof)

    def figure(self, organ: str, indicator: str, weight: float) -> m.Figure:
        den = self.den.get((organ, indicator), 0)
        num = self.num.get((organ, indicator), 0.0)
        if indicator == "declines":  # stored as declined count; the indicator is 1 − share
            value = None if den == 0 else 1 - num / den
            num = den - num
        else:
            value = None if den == 0 else num / den
        proof = tuple(self.evidence.get((organ, indicator), ()))
        return m.Figure(indicator, weight, num, den, value, proof)


def _by_subject(facts: Iterable[m.Fact]) -> dict[Subject, list[m.Fact]]:
    grouped: dict[Subject, list[m.Fact]] = defaultdict(list)
    for fact in facts:
        if fact.subject:
            grouped[fact.case_id, fact.subject].append(fact)
    for group in grouped.values():
        group.sort(key=lambda f: f.notification_id)
    return grouped


def _sets_due(fact: m.Fact, opening: str, deadline_kind: str) -> bool:
    """Whether ``fact`` sets the due day: the opening fact, an extension of this kind of
    deadline, or an objection's review that fixed a new one (AMENDED)."""
    return fact.kind == opening or (
        (fact.kind == m.EXTENDED and fact.value == deadline_kind)
        or (fact.kind == m.OBJECTION_REVIEW and fact.day is not None)
    )


def _due(group: Sequence[m.Fact], opening: str, deadline_kind: str) -> date | None:
    """The due day in force: the opening fact's, moved by extensions and amended reviews."""
    due: date | None = None
    for fact in group:
        if _sets_due(fact, opening, deadline_kind):
            due = fact.day or due
    return due


def _due_proof(group: Sequence[m.Fact], opening: str, deadline_kind: str) -> list[m.Evidence]:
    """Every fact that set the due day in force, in record order: the opening one ("due"), each
    extension ("extended") and each review that fixed a new due day ("due_reset"), so an auditor
    sees why a reply or an answer counts as on time or late."""
    roles = {opening: "due", m.EXTENDED: "extended", m.OBJECTION_REVIEW: "due_reset"}
    return [_evidence(f, roles[f.kind]) for f in group if _sets_due(f, opening, deadline_kind)]


def _recommendations(group: list[m.Fact], year: int, out: _Figures) -> None:
    opening = next((f for f in group if f.kind == m.RECOMMENDATION), None)
    if opening is None:
        return
    organ = opening.organ
    due = _due(group, m.RECOMMENDATION, "RECOMMENDATION_REPLY")
    withdrawn = any(f.kind == m.OBJECTION_REVIEW and f.value == "WITHDRAWN" for f in group)
    reply = next((f for f in group if f.kind == m.REPLY and f.organ == organ), None)
    missed = [f for f in group if f.kind == m.MISSED and f.value == "RECOMMENDATION_REPLY"]
    if not withdrawn and due is not None and due.year == year and (reply or missed):
        on_time = reply is not None and reply.value == m.ON_TIME
        proof = _due_proof(group, m.RECOMMENDATION, "RECOMMENDATION_REPLY")
        proof += [_evidence(f, "missed") for f in missed]
        if reply is not None:
            proof.append(_evidence(reply, "met" if on_time else "late"))
        out.count(organ, "reply_on_time", 1.0 if on_time else 0.0, proof)
    for adoption in (f for f in group if f.kind == m.ADOPTION and f.recorded_on.year == year):
        credit = {"ADOPTED": 1.0, "PARTLY_ADOPTED": 0.5}.get(adoption.value, 0.0)
        out.count(organ, "adoption", credit, [_evidence(adoption, adoption.value)])
    checks = [f for f in group if f.kind == m.RECTIFICATION and f.recorded_on.year == year]
    if checks:
        last = checks[-1]
        credit = 1.0 if last.value == "1" else 0.0
        role = "rectified" if credit else "not_rectified"
        out.count(organ, "rectification", credit, [_evidence(last, role)])


def _assistance(group: list[m.Fact], year: int, out: _Figures) -> None:
    opening = next((f for f in group if f.kind == m.ASSISTANCE), None)
    if opening is None:
        return
    organ = opening.organ
    due = _due(group, m.ASSISTANCE, "ASSISTANCE_RESPONSE")
    answers = [f for f in group if f.kind in (m.ASSISTANCE_COMPLETED, m.ASSISTANCE_DECLINED)]
    answer = answers[0] if answers else None
    missed = [f for f in group if f.kind == m.MISSED and f.value == "ASSISTANCE_RESPONSE"]
    if due is not None and due.year == year and (answer or missed):
        on_time = answer is not None and answer.value == m.ON_TIME
        proof = _due_proof(group, m.ASSISTANCE, "ASSISTANCE_RESPONSE")
        proof += [_evidence(f, "missed") for f in missed]
        if answer is not None:
            proof.append(_evidence(answer, "met" if on_time else "late"))
        out.count(organ, "assistance_on_time", 1.0 if on_time else 0.0, proof)
    if answer is not None and answer.recorded_on.year == year:
        declined = answer.kind == m.ASSISTANCE_DECLINED
        role = "declined" if declined else "completed"
        out.count(organ, "declines", 1.0 if declined else 0.0, [_evidence(answer, role)])


def _notices(group: list[m.Fact], year: int, out: _Figures) -> None:
    for notice in (f for f in group if f.kind == m.NOTICE):
        organ = notice.organ
        ack = next((f for f in group if f.kind == m.NOTICE_ACK and f.organ == organ), None)
        missed = [
            f
            for f in group
            if f.kind == m.MISSED and f.value == "NOTICE_ACKNOWLEDGMENT" and f.organ == organ
        ]
        if notice.day is None or notice.day.year != year or not (ack or missed):
            continue
        on_time = ack is not None and ack.value == "0"
        proof = [_evidence(notice, "due"), *(_evidence(f, "missed") for f in missed)]
        if ack is not None:
            proof.append(_evidence(ack, "met" if on_time else "late"))
        out.count(organ, "notice_ack_on_time", 1.0 if on_time else 0.0, proof)


def _disputes(group: list[m.Fact], year: int, owners: dict[str, m.Fact], out: _Figures) -> None:
    closed = next((f for f in group if f.kind == m.DISPUTE_CLOSED), None)
    owner = owners.get(closed.case_id) if closed is not None else None
    if closed is None or owner is None or closed.recorded_on.year != year:
        return
    resolved = closed.value == "RESOLVED"
    proof = [_evidence(f, "counted") for f in group if f.kind in (m.DISPUTE_OPENED, m.MEDIATION)]
    proof.append(_evidence(closed, "resolved" if resolved else closed.value.lower()))
    out.count(owner.organ, "disputes_mediated", 1.0 if resolved else 0.0, proof)


def _liaison(
    organ: m.Organ,
    *,
    year: int,
    facts: Sequence[m.Fact],
    grace: int,
    calendar: WorkingDayCalendar | None,
    out: _Figures,
) -> None:
    admitted = local_date(organ.admitted_at)
    if admitted.year > year:
        return
    from_day = max(date(year, 1, 1), add_working_days(admitted, grace, calendar).day)
    designations = [
        f
        for f in facts
        if f.kind == m.LIAISON and f.organ == organ.agency_id and f.recorded_on.year <= year
    ]
    kept = any(f.day is not None and f.day <= from_day for f in designations)
    admission = [f for f in facts if f.kind == m.AGENCY and f.organ == organ.agency_id]
    proof = [_evidence(f, "admission") for f in admission]
    proof += [_evidence(f, "designation") for f in designations]
    out.count(organ.agency_id, "liaison_designated", 1.0 if kept else 0.0, proof)


def has_data(facts: Iterable[m.Fact], year: int) -> bool:
    """Whether any case fact the indicators count was recorded in ``year``."""
    return any(f.kind in _CASE_KINDS and f.recorded_on.year == year for f in facts)


def score_year(
    year: int,
    organs: Sequence[m.Organ],
    facts: Sequence[m.Fact],
    config: AssessmentConfig,
    *,
    now: Callable[[], datetime],
    calendar: WorkingDayCalendar | None = None,
) -> m.Scorecard:
    """The ranked scorecard of ``year``; raises ``NoAssessmentDataError`` when the year is empty."""
    if not has_data(facts, year):
        raise NoAssessmentDataError(
            f"no assessment data for {year}: no notice, assistance request, recommendation or "
            "dispute of any organ was recorded that year"
        )
    out = _Figures()
    owners = {f.case_id: f for f in facts if f.kind == m.CASE}
    for group in _by_subject(facts).values():
        _recommendations(group, year, out)
        _assistance(group, year, out)
        _notices(group, year, out)
        _disputes(group, year, owners, out)
    assessed = sorted(
        (o for o in organs if o.role in config.roles and local_date(o.admitted_at).year <= year),
        key=lambda o: o.agency_id,
    )
    for organ in assessed:
        _liaison(
            organ,
            year=year,
            facts=facts,
            grace=config.liaison_grace_working_days,
            calendar=calendar,
            out=out,
        )
    scored: list[tuple[m.Organ, float | None, float, tuple[m.Figure, ...]]] = []
    for organ in assessed:
        figures = tuple(out.figure(organ.agency_id, i, config.weight(i)) for i in INDICATORS)
        counted = [f for f in figures if f.value is not None and f.weight > 0]
        weight = sum(f.weight for f in counted)
        total = sum(f.weight * (f.value or 0.0) for f in counted)
        score = None if weight == 0 else round(100 * total / weight, 2)
        scored.append((organ, score, weight, figures))
    scored.sort(key=lambda s: (-(s[1] if s[1] is not None else -1.0), -s[2], s[0].agency_id))
    ranked = tuple(
        m.OrganScore(organ, rank, score, weight, figures)
        for rank, (organ, score, weight, figures) in enumerate(scored, start=1)
    )
    names = {o.agency_id: (o.name_zh, o.name_en) for o in organs}
    return m.Scorecard(year, now(), config.weights, ranked, names)
