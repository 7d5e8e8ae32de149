"""The case file: one case as a person reads it, the model every renderer draws.

``case_file(record, names, lang, chain=...)`` turns the auditor's history of a case (what
``hub.audit.history`` returns) into plain words: a header (the case, its agencies by name, its
classification and chain status in words), the dispute parties, each sub-process with its state
and clock ("已签收，书面回复期限进行中 · 期限 2026-08-10（暂定）"), the timeline (local time,
agency names, the event in words and one line of what it said), and an appendix with the hashes
and raw fields. The text table (``casefile_text``), the HTML and PDF case file
(``casefile_html``, ``casefile_pdf``) only lay this model out, so they say the same words for the
same fact.

Personal data appears only as the reading lens left it (revealed, masked or ``[erased]``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from hub.cases.hashing import canonical_json, to_canonical
from hub.cases.views import (
    AssistanceView,
    CaseView,
    DeadlineView,
    DisputeView,
    NoticeView,
    RecommendationView,
    RecordedEvent,
)
from hub.i18n import Lang, event_label, t
from hub.presentation import clock, words
from hub.presentation.names import Names, case_reference
from hub.presentation.table import display_width
from hub.privacy.access import is_masked
from hub.rules.calendar import WorkingDayCalendar
from hub.rules.clocks import local_date, working_days_late

#: How long the timeline's one line of what an event said may grow (terminal columns).
SAID_WIDTH = 72


class CaseRecord(Protocol):
    """What a case file is built from: ``hub.audit.history.History`` has this shape."""

    @property
    def case(self) -> CaseView: ...

    @property
    def events(self) -> tuple[RecordedEvent, ...]: ...

    @property
    def latest_version(self) -> int: ...

    @property
    def as_of(self) -> datetime | None: ...

    @property
    def reader(self) -> str: ...

    @property
    def masked(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class Chain:
    """The hash chain's check, as the case file reports it."""

    ok: bool
    line: str  # the verifier's own one-line verdict


@dataclass(frozen=True, slots=True)
class Field:
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Item:
    """One sub-process (a notice, a request, a dispute, a recommendation, a deadline)."""

    name: str  # e.g. "检察建议 JJ-2026-01 · 市市场监管局"
    state: str  # its state and clock in words
    notes: tuple[str, ...] = ()  # outcome, lateness, acknowledgments


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    items: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class Entry:
    """One event on the timeline, in words."""

    version: int
    recorded: str  # local time with its zone
    agency: str  # the acting agency by name
    officer: str
    event: str  # the event in words
    said: str  # one short line of what it said
    masked: bool


@dataclass(frozen=True, slots=True)
class Raw:
    """One event's hashes and raw fields, for the appendix."""

    version: int
    type: str
    event_id: str
    recorded_at: str  # ISO 8601, as recorded
    classification: str
    prev_hash: str
    event_hash: str
    content_hash: str
    payload: str  # canonical JSON


@dataclass(frozen=True, slots=True)
class CaseFile:
    lang: Lang
    title: str  # the document's title: "案卷 market-regulation/…"
    reference: str  # owning-agency/case-number
    case_title: str
    classification: str  # in words
    chain: str  # in words ("" when not checked)
    chain_line: str  # the verifier's verdict, for the appendix ("" when not checked)
    header: tuple[Field, ...]
    notes: tuple[str, ...]  # the zone note, the provisional note, the masking note
    parties: tuple[str, ...]
    sections: tuple[Section, ...]
    timeline: tuple[Entry, ...]
    appendix: tuple[Raw, ...]


def case_file(
    record: CaseRecord,
    names: Names,
    lang: Lang,
    *,
    chain: Chain | None = None,
    heading: str = "casefile.title",
    calendar: WorkingDayCalendar | None = None,
) -> CaseFile:
    """``record`` in words, in ``lang``; ``chain`` the hash chain's check when one was made;
    ``heading`` the label key of the document's title (the history's, or the case file's);
    ``calendar`` the hub's working days, to count a late reply's working days as the hub did
    (the default calendar when not given)."""
    case = record.case
    reference = case_reference(case.owning_agency, case.case_number)
    classification = words.classification(case.classification, lang)
    chain_words = (
        "" if chain is None else t("audit.chain_ok" if chain.ok else "audit.chain_bad", lang)
    )
    header = [
        Field(t("case", lang), reference),
        Field(t("title", lang), case.title or clock.NONE),
        Field(t("category", lang), case.category or clock.NONE),
        Field(t("owning_agency", lang), names.agency(case.owning_agency, lang)),
        Field(t("participants", lang), names.agencies_of(case.participants, lang)),
        Field(t("casefile.registered", lang), clock.moment(case.registered_at)),
        Field(t("casefile.classification", lang), classification),
        Field(
            t("audit.version", lang),
            f"{case.version} / {record.latest_version}"
            + (
                f"  ({t('audit.as_of', lang)} {clock.moment(record.as_of)})" if record.as_of else ""
            ),
        ),
    ]
    if chain is not None:
        header.append(Field(t("audit.hash", lang), chain_words))
    if record.reader != "auditor":
        header.append(Field(t("casefile.reader", lang), names.agency(record.reader, lang)))
    notes = [clock.zone_note(lang)]
    if _any_provisional(case):
        notes.append(words.provisional_note(lang))
    if record.masked:
        notes.append(words.flag("masked", lang))
    return CaseFile(
        lang=lang,
        title=f"{t(heading, lang)} {reference}",
        reference=reference,
        case_title=case.title,
        classification=classification,
        chain=chain_words,
        chain_line="" if chain is None else chain.line,
        header=tuple(header),
        notes=tuple(notes),
        parties=tuple(_parties(case.disputes, lang)),
        sections=tuple(s for s in _sections(case, names, lang, calendar) if s.items),
        timeline=tuple(_entry(e, names, lang) for e in record.events),
        appendix=tuple(_raw(e) for e in record.events),
    )


# --- sub-processes -------------------------------------------------------------------------------
def _sections(
    case: CaseView, names: Names, lang: Lang, calendar: WorkingDayCalendar | None
) -> list[Section]:
    return [
        Section(t("notices", lang), tuple(_notice(n, names, lang) for n in case.notices)),
        Section(t("requests", lang), tuple(_request(r, names, lang) for r in case.requests)),
        Section(t("disputes", lang), tuple(_dispute(d, lang) for d in case.disputes)),
        Section(
            t("recommendations", lang),
            tuple(_recommendation(r, names, lang, calendar) for r in case.recommendations),
        ),
        Section(t("deadlines", lang), tuple(_deadline(d, names, lang) for d in case.deadlines)),
    ]


def due(kind: str, day: date | None, provisional: bool, lang: Lang) -> str:
    """A clock in words: ``期限 2026-08-10（暂定）`` / ``reply due 2026-08-10 (provisional)``."""
    text = t(f"casefile.due.{kind}", lang).format(day=clock.day(day))
    return paren(text, words.flag("provisional", lang), lang) if provisional else text


def paren(text: str, note: str, lang: Lang) -> str:
    """``text（note）`` in Chinese, ``text (note)`` in English."""
    return f"{text}（{note}）" if lang == "zh" else f"{text} ({note})"


def _notice(notice: NoticeView, names: Names, lang: Lang) -> Item:
    acknowledged = dict(notice.acknowledged)
    notes = []
    for agency in notice.recipients:
        who = names.agency(agency, lang)
        if agency not in acknowledged:
            notes.append(f"{who}: {t('casefile.not_acknowledged', lang)}")
        else:
            days = acknowledged[agency]
            when = words.working_days_late(days, lang) if days else words.flag("on_time", lang)
            notes.append(f"{who}: {paren(t('casefile.acknowledged', lang), when, lang)}")
    waiting = [a for a in notice.recipients if a not in acknowledged]
    state = t("casefile.notice.open" if waiting else "casefile.notice.done", lang)
    return Item(
        f"{t('casefile.notice', lang)} {notice.notice_id} · {names.agency(notice.sender, lang)}",
        f"{state} · {due('notice', notice.due_date, notice.provisional, lang)}",
        tuple(notes),
    )


def _request(request: AssistanceView, names: Names, lang: Lang) -> Item:
    notes: list[str] = []
    if request.status != "OPEN":
        notes.append(words.lateness(request.late, lang))
    if request.extensions:
        notes.append(t("casefile.extended", lang).format(n=request.extensions))
    return Item(
        f"{t('casefile.request', lang)} {request.request_id} · "
        f"{names.agency(request.requested_by, lang)} → {names.agency(request.addressee, lang)}",
        f"{words.status('assistance', request.status, lang)} · "
        f"{due('assistance', request.due_date, request.provisional, lang)}",
        tuple(notes),
    )


def _dispute(dispute: DisputeView, lang: Lang) -> Item:
    notes = [t("casefile.sessions", lang).format(n=len(dispute.sessions))]
    if dispute.closed_at is not None:
        notes.append(f"{t('casefile.closed', lang)} {clock.moment(dispute.closed_at)}")
    return Item(
        f"{t('casefile.dispute', lang)} {dispute.dispute_id}",
        words.status("dispute", dispute.status, lang),
        tuple(notes),
    )


def _recommendation(
    rec: RecommendationView, names: Names, lang: Lang, calendar: WorkingDayCalendar | None
) -> Item:
    state = words.status("recommendation", rec.status, lang)
    if rec.due_date is not None and rec.status in ("RECEIVED", "OBJECTED"):
        state += f" · {due('recommendation', rec.due_date, rec.provisional, lang)}"
    notes: list[str] = []
    if rec.review_outcome:
        review = words.review_outcome(rec.review_outcome, lang)
        notes.append(f"{t('casefile.review', lang)}: {review}")
    if rec.replied_at is not None:
        notes.append(_reply(rec, lang, calendar))
    if rec.adoption:
        notes.append(f"{t('adoption', lang)}: {words.adoption(rec.adoption, lang)}")
    if rec.follow_ups:
        last = [f for f in rec.follow_ups if f.rectified is not None]
        if last:
            notes.append(t("role.rectified" if last[-1].rectified else "role.not_rectified", lang))
    if rec.status in ("REPLIED", "CLOSED") and rec.due_date is not None:
        notes.append(due("recommendation", rec.due_date, rec.provisional, lang))
    return Item(
        f"{t('casefile.recommendation', lang)} {rec.recommendation_id} → "
        f"{names.agency(rec.addressee, lang)}",
        state,
        tuple(notes),
    )


def _reply(rec: RecommendationView, lang: Lang, calendar: WorkingDayCalendar | None) -> str:
    """``按期书面回复`` or ``书面回复逾期 3 个工作日`` (the reply's own day against its due day)."""
    assert rec.replied_at is not None
    when = clock.moment(rec.replied_at)
    if rec.late and rec.due_date is not None:
        days = working_days_late(rec.due_date, local_date(rec.replied_at), calendar)
        return t("casefile.replied_late", lang).format(n=max(days, 1), when=when)
    return t("casefile.replied_on_time", lang).format(when=when)


def _deadline(deadline: DeadlineView, names: Names, lang: Lang) -> Item:
    state = words.status("deadline", deadline.state.upper(), lang)
    return Item(
        f"{words.deadline_kind(str(deadline.kind), lang)} {deadline.target_id} · "
        f"{names.agency(deadline.agency, lang)}",
        f"{state} · {due('deadline', deadline.due_date, deadline.provisional, lang)}",
        (f"{t('casefile.done_at', lang)} {clock.moment(deadline.met_at)}",)
        if deadline.met_at is not None
        else (),
    )


def _any_provisional(case: CaseView) -> bool:
    return (
        any(n.provisional for n in case.notices)
        or any(r.provisional for r in case.requests)
        or any(r.provisional and r.due_date is not None for r in case.recommendations)
        or any(d.provisional for d in case.deadlines)
    )


def _parties(disputes: Sequence[DisputeView], lang: Lang) -> list[str]:
    found = []
    for dispute in disputes:
        for party in dispute.parties:
            role = t(f"casefile.party.{party.role}", lang)
            role = party.role if role.startswith("casefile.party.") else role
            ident = f" ({party.id_number})" if party.id_number else ""
            found.append(
                f"{party.name}{ident} — {role} · {t('casefile.dispute', lang)} {dispute.dispute_id}"
            )
    return found


# --- the timeline --------------------------------------------------------------------------------
#: The payload fields that say what an event was about, most telling first.
_TEXT_FIELDS = (
    "title",
    "subject",
    "content",
    "amended_content",
    "summary",
    "measures",
    "terms",
    "reason",
    "grounds",
    "outcome_notes",
    "opinions_heard",
    "notes",
    "note",
    "text",
)


def said(event: RecordedEvent, names: Names, lang: Lang) -> str:
    """One short line of what ``event`` said: its outcome, addressee, due day and text."""
    payload = event.payload
    if is_masked(payload):
        return words.flag("masked", lang)
    parts = [
        *_item_id(payload),
        *_decisions(payload, lang),
        *_addressee(payload, names, lang),
        *_timing(event, lang),
    ]
    text = next((str(payload[k]) for k in _TEXT_FIELDS if payload.get(k)), "")
    if text:
        parts.append(text)
    return shorten(" · ".join(parts), SAID_WIDTH)


def _item_id(payload: dict[str, Any]) -> list[str]:
    keys = ("recommendation_id", "request_id", "notice_id", "dispute_id", "target_id")
    return [str(payload[k]) for k in keys if payload.get(k)][:1]


def _decisions(payload: dict[str, Any], lang: Lang) -> list[str]:
    parts = []
    if payload.get("outcome"):
        parts.append(words.review_outcome(str(payload["outcome"]), lang))
    if payload.get("adoption"):
        parts.append(words.adoption(str(payload["adoption"]), lang))
    if isinstance(payload.get("rectified"), bool):
        parts.append(t("role.rectified" if payload["rectified"] else "role.not_rectified", lang))
    return parts


def _addressee(payload: dict[str, Any], names: Names, lang: Lang) -> list[str]:
    keys = ("addressee", "agency", "agency_id")
    return [f"→ {names.agency(str(payload[k]), lang)}" for k in keys if payload.get(k)][:1]


def _timing(event: RecordedEvent, lang: Lang) -> list[str]:
    payload = event.payload
    parts = []
    if payload.get("due_date"):
        provisional = bool(payload.get("provisional"))
        parts.append(due("deadline", _as_date(payload["due_date"]), provisional, lang))
    if isinstance(payload.get("late"), bool) and event.type.endswith(
        ("Replied", "Completed", "Declined")
    ):
        parts.append(words.lateness(bool(payload["late"]), lang))
    days = payload.get("working_days_late")
    if isinstance(days, int) and not isinstance(days, bool):
        parts.append(words.working_days_late(days, lang) if days else words.flag("on_time", lang))
    return parts


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` terminal columns, with an ellipsis when cut."""
    line = " ".join(text.split())
    if display_width(line) <= width:
        return line
    out = ""
    for char in line:
        if display_width(out + char) > width - 1:
            break
        out += char
    return out.rstrip() + "…"


def _entry(event: RecordedEvent, names: Names, lang: Lang) -> Entry:
    masked = is_masked(event.payload)
    name = event_label(event.type, lang)
    return Entry(
        version=event.version,
        recorded=clock.moment(event.recorded_at),
        agency=names.agency(event.actor_agency, lang),
        officer=event.officer_id or clock.NONE,
        event=name,
        said=said(event, names, lang),
        masked=masked,
    )


def _raw(event: RecordedEvent) -> Raw:
    return Raw(
        version=event.version,
        type=event.type,
        event_id=str(event.event_id),
        recorded_at=event.recorded_at.isoformat(timespec="milliseconds"),
        classification=event.classification or "",
        prev_hash=event.prev_hash,
        event_hash=event.event_hash,
        content_hash=event.content_hash,
        payload=canonical_json(to_canonical(event.payload)).decode("utf-8"),
    )


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None
