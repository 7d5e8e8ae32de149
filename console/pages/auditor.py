"""The auditors' and officers' pages: finding cases, reading one, and the read log.

* ``/cases``: the search form and its results (``console.search`` over the case index view).
  Officers find only cases their agency takes part in (the participant filter is theirs); the
  Rule-of-Law Office finds by metadata only (no title, no title words). A person is searched
  by ID number by auditors only, and only through the form (POST): the number never appears in
  a URL, and the read log records its keyed subject id (``p-…``), never the number.
* ``/cases/{agency}/{number}``: the case file as the reader may see it, the version stepper,
  the date-time picker (``as_of=``), what changed (``…/changes?from=&to=``), one event's
  recorded fields and hashes (``…/events/{v}``, into a panel with htmx or as a page), the
  watermarked PDF (``…/casefile.pdf``) and the chain badge (quick check over the audit-trail
  view; the background full check's last result and when it ran).
* ``/reads``: the read log, filtered, its chain verified (roles: ``console_reads_visible_to``).

Every read is recorded before anything of it is sent. The reading is computed first (in
memory) so that a refused or malformed request records nothing: an officer asking for a case
its agency neither takes part in nor was reached by gets 403 and a ``console.read_refused``
line in the structlog log, not a read-log entry (nothing was read).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from console.access import CaseAccess, entitlement, lens_for
from console.accounts import AUDITOR, OFFICER, ROLES, RULE_OF_LAW, Account
from console.app import NavLink, account_of, deps_of, error_page, lang_of, record_read, render
from console.casereading import (
    ReadingError,
    case_view,
    changes,
    event_detail,
)
from console.chain import BackgroundVerifier, Badge, full_check, quick_check
from console.readlog import KINDS, Read, ReadLogUnavailable
from console.search import (
    STATUSES,
    CaseHit,
    CaseQuery,
    SearchError,
    person_subject,
    search,
)
from console.security import requires
from hub.audit.history import AuditError, CaseRef, parse_case_ref, parse_moment
from hub.bootstrap import working_calendar
from hub.errors import CaseHubError, UnknownCase
from hub.i18n import Lang, event_label, t
from hub.logging import get_logger
from hub.presentation import clock, words
from hub.presentation.casefile_html import casefile_body
from hub.presentation.casefile_pdf import casefile_pdf
from hub.presentation.names import Names
from hub.privacy.keystore import open_key_store

log = get_logger(__name__)

#: How often the background full chain check runs (seconds): every ten minutes, as
#: ``casehub audit verify --all`` would from cron. One verifier per console application.
CHAIN_CHECK_EVERY_S = 600.0
#: Results per search page.
PAGE_SIZE = 50
#: Read-log entries per page.
READS_PAGE_SIZE = 100

CASE_READERS = (AUDITOR, OFFICER, RULE_OF_LAW)
CONTENT_READERS = (AUDITOR, OFFICER)


# --- shared -------------------------------------------------------------------------------------
def _tr(request: Request, key: str, **kw: Any) -> str:
    text = t(key, lang_of(request))
    return text.format(**kw) if kw else text


def _refused(request: Request, why: str, **fields: Any) -> Response:
    account = account_of(request)
    log.warning(
        "console_read_refused",
        account=account.name,
        agency=account.agency,
        path=request.url.path,
        why=why,
        **fields,
    )
    return error_page(request, 403)


def _bad(request: Request, message: str) -> HTMLResponse:
    return render(request, "aud_error.html", {"status": 400, "text": message}, status=400)


def _target(request: Request, drop: tuple[str, ...] = ("lang",)) -> str:
    query = [(k, v) for k, v in request.query_params.multi_items() if k not in drop]
    return request.url.path + (f"?{urlencode(query)}" if query else "")


@contextmanager
def _hub(request: Request) -> Iterator[Any]:
    with deps_of(request).hub() as app:
        yield app


def case_path(reference: str) -> str:
    """The console's path of a case: ``/cases/<agency>/<number>`` (each part URL-quoted)."""
    agency, _, number = reference.partition("/")
    return f"/cases/{quote(agency, safe='')}/{quote(number, safe='')}"


def _page(value: str) -> int | None:
    """A page number (1 when empty); None when it is not one."""
    text = value.strip() or "1"
    return int(text) if text.isdigit() and int(text) >= 1 else None


# --- search -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    reference: str
    link: str
    title: str
    owning_agency: str
    participants: str
    classification: str
    status: str
    registered: str


FIELDS = ("agency", "number", "words", "status", "from", "to", "participant")


def _day(value: str, label: str, lang: Lang) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise SearchError(
            t("console.aud.bad_date", lang).format(field=label, value=value)
        ) from None


@requires(*CASE_READERS)
async def cases_page(request: Request) -> Response:  # noqa: PLR0911 - one return per refusal
    account = account_of(request)
    lang = lang_of(request)
    deps = deps_of(request)
    found = entitlement(account)
    metadata = found.access is CaseAccess.METADATA
    if request.method == "POST":
        form = await request.form()
        values = {k: str(form.get(k, "")).strip() for k in (*FIELDS, "id_number", "page")}
    else:
        if "id_number" in request.query_params:
            return _bad(request, _tr(request, "console.aud.id_in_url"))
        values = {k: request.query_params.get(k, "").strip() for k in (*FIELDS, "page")}
        values["id_number"] = ""
    asked = any(values[k] for k in (*FIELDS, "id_number")) or "go" in request.query_params
    form_values = dict(values)
    if found.access is CaseAccess.AGENCY:
        form_values["participant"] = account.agency
    context: dict[str, Any] = {
        "form": form_values,
        "statuses": STATUSES,
        "metadata": metadata,
        "may_search_person": AUDITOR in account.roles,
        "officer_agency": account.agency if found.access is CaseAccess.AGENCY else "",
        "rows": None,
        "error": "",
    }
    if not asked:
        return render(request, "cases.html", context)
    page = _page(values["page"])
    if page is None:
        context["error"] = _tr(request, "console.aud.bad_page", value=values["page"])
        return render(request, "cases.html", context, status=400)
    try:
        query, logged = _query(request, account, values, metadata)
    except SearchError as exc:
        context["error"] = str(exc)
        return render(request, "cases.html", context, status=400)
    may_read: Callable[[CaseHit], bool] | None = (
        (lambda _hit: True) if found.access is CaseAccess.ALL else None
    )
    mentions = open_key_store(deps.settings) if query.person else None
    try:
        hits, total = search(
            deps.views(),
            query,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
            reader_may_read=may_read,
            mentions=mentions,
        )
    except SearchError as exc:
        context["error"] = str(exc)
        return render(request, "cases.html", context, status=400)
    target = "/cases?" + urlencode({k: v for k, v in values.items() if v and k != "id_number"})
    refused = record_read(
        request,
        Read(account.name, account.agency, "search", target=target, query=logged),
    )
    if refused is not None:
        return refused
    with _hub(request) as app:
        names = Names.from_directory(app.directory())
    rows = [_row(hit, names, lang, metadata) for hit in hits]
    pages = max(1, -(-total // PAGE_SIZE))
    context.update(rows=rows, total=total, page=page, pages=pages)
    return render(request, "cases.html", context)


def _query(
    request: Request, account: Account, values: Mapping[str, str], metadata: bool
) -> tuple[CaseQuery, dict[str, str]]:
    lang = lang_of(request)
    if metadata and values["words"]:
        raise SearchError(t("console.aud.no_words_for_metadata", lang))
    if values["id_number"] and AUDITOR not in account.roles:
        raise SearchError(t("console.aud.no_person_search", lang))
    person = ""
    if values["id_number"]:
        keystore = open_key_store(deps_of(request).settings)
        if not keystore.exists():
            raise SearchError(t("console.aud.no_key_store", lang))
        person = person_subject(keystore.pepper(), values["id_number"])
    participant = values["participant"]
    if entitlement(account).access is CaseAccess.AGENCY:
        participant = account.agency  # an officer finds its own agency's cases only
    query = CaseQuery(
        owning_agency=values["agency"],
        case_number=values["number"],
        words=values["words"],
        status=values["status"],
        registered_from=_day(values["from"], t("console.aud.from", lang), lang),
        registered_to=_day(values["to"], t("console.aud.to", lang), lang),
        participant=participant,
        person=person,
    )
    logged = {k: v for k, v in values.items() if v and k in FIELDS}
    if participant:
        logged["participant"] = participant
    if person:
        logged["person"] = person
    return query, logged


def _row(hit: CaseHit, names: Names, lang: Lang, metadata: bool) -> Row:
    return Row(
        reference=hit.reference,
        link=case_path(hit.reference),
        title="" if metadata else hit.title,
        owning_agency=names.agency(hit.owning_agency, lang),
        participants="、".join(names.agency(a, lang) for a in hit.participants),
        classification=words.classification(hit.classification, lang),
        status=t(f"console.aud.status.{hit.status}", lang),
        registered=clock.moment(hit.registered_at),
    )


# --- one case -----------------------------------------------------------------------------------
def _ref(request: Request) -> CaseRef | None:
    agency = request.path_params["agency"]
    number = request.path_params["number"]
    try:
        return parse_case_ref(f"{agency}/{number}")
    except AuditError:
        return None


def _exists(app: Any, ref: CaseRef) -> bool:
    try:
        app.get_case(ref.case_id)
    except UnknownCase:
        return False
    return True


def _record_case_read(request: Request, kind: str, ref: CaseRef) -> Response | None:
    """Record this account's read of ``ref`` (``kind``, the page asked for) in the read log;
    the refusal to send instead when it cannot be written."""
    account = account_of(request)
    return record_read(
        request, Read(account.name, account.agency, kind, str(ref), _target(request))
    )


def _recorded_case_page(
    request: Request,
    kind: str,
    ref: CaseRef,
    template: str,
    context: dict[str, Any],
    *,
    classification: str,
) -> Response:
    """The read recorded first, then ``template`` with the case's reference, path and
    classification banner beside ``context``."""
    refused = _record_case_read(request, kind, ref)
    if refused is not None:
        return refused
    return render(
        request,
        template,
        {
            "ref": str(ref),
            "path": case_path(str(ref)),
            "classification": _classification_banner(classification),
            **context,
        },
    )


def _classification_banner(value: str) -> str:
    """The level for base.html's banner slot (its CSS class); the pages put it in words."""
    return value


def _verifier(request: Request) -> BackgroundVerifier:
    """The application's background full chain check, started at first use."""
    state = request.app.state
    lock: threading.Lock = state.__dict__.setdefault("_chain_lock", threading.Lock())
    with lock:
        found: BackgroundVerifier | None = getattr(state, "chain_verifier", None)
        if found is None:
            found = BackgroundVerifier(
                full_check(deps_of(request).settings), every_s=CHAIN_CHECK_EVERY_S
            )
            found.start()
            state.chain_verifier = found
    return found


@dataclass(frozen=True)
class ChainState:
    quick: Badge | None
    quick_error: str
    full: Badge | None
    full_run: str  # when the last full run ended ("" when none yet)
    full_error: str


def _chain(request: Request, case_id: Any) -> ChainState:
    try:
        quick: Badge | None = quick_check(deps_of(request).views(), case_id)
        quick_error = ""
    except CaseHubError as exc:
        quick, quick_error = None, str(exc)
    verifier = _verifier(request)
    last_run = verifier.last_run
    return ChainState(
        quick=quick,
        quick_error=quick_error,
        full=verifier.last(case_id),
        full_run=clock.moment(last_run) if last_run else "",
        full_error=verifier.last_error or "",
    )


def _case_kind(request: Request) -> str:
    return (
        "case_as_of"
        if request.query_params.get("as_of") or request.query_params.get("version")
        else "case_page"
    )


@requires(*CASE_READERS)
async def case_page(request: Request) -> Response:  # noqa: PLR0911 - one return per refusal
    account = account_of(request)
    lang = lang_of(request)
    deps = deps_of(request)
    ref = _ref(request)
    if ref is None:
        return error_page(request, 404)
    found = entitlement(account)
    as_of = request.query_params.get("as_of", "").strip() or None
    version_text = request.query_params.get("version", "").strip()
    with _hub(request) as app:
        if not _exists(app, ref):
            return error_page(request, 404)
        names = Names.from_directory(app.directory())
        if found.access is CaseAccess.METADATA:
            meta = app.case_metadata(ref.case_id)
            return _recorded_case_page(
                request,
                "case_page",
                ref,
                "case_metadata.html",
                {
                    "meta": meta,
                    "names": names,
                    "event_label": event_label,
                    "classification_words": words.classification(meta.classification, lang),
                },
                classification=meta.classification,
            )
        lens = lens_for(account, deps.settings)
        assert lens is not None
        try:
            version = int(version_text) if version_text else None
        except ValueError:
            return _bad(request, _tr(request, "console.aud.bad_version", value=version_text))
        try:
            reading = case_view(
                app,
                ref,
                lens,
                names,
                working_calendar(deps.settings),
                as_of=as_of,
                version=version,
                lang=lang,
            )
            classification = app.get_case(ref.case_id).classification
        except ReadingError as exc:
            return _bad(request, str(exc))
        except AuditError as exc:
            return _refused(request, str(exc), case=str(ref))
    return _recorded_case_page(
        request,
        _case_kind(request),
        ref,
        "case.html",
        {
            "reading": reading,
            "body": casefile_body(reading.file),
            "chain": _chain(request, ref.case_id),
        },
        classification=classification,
    )


@requires(*CONTENT_READERS)
async def case_changes(request: Request) -> Response:
    account = account_of(request)
    lang = lang_of(request)
    deps = deps_of(request)
    ref = _ref(request)
    if ref is None:
        return error_page(request, 404)
    one = request.query_params.get("from", "").strip()
    two = request.query_params.get("to", "").strip()
    if not one or not two:
        return _bad(request, _tr(request, "console.aud.changes_need_points"))
    lens = lens_for(account, deps.settings)
    assert lens is not None
    with _hub(request) as app:
        if not _exists(app, ref):
            return error_page(request, 404)
        names = Names.from_directory(app.directory())
        try:
            found = changes(
                app,
                ref,
                lens,
                names,
                from_point=one,
                to_point=two,
                lang=lang,
                calendar=working_calendar(deps.settings),
            )
            classification = app.get_case(ref.case_id).classification
        except ReadingError as exc:
            return _bad(request, str(exc))
        except AuditError as exc:
            return _refused(request, str(exc), case=str(ref))
    return _recorded_case_page(
        request,
        "case_diff",
        ref,
        "case_changes.html",
        {"changes": found},
        classification=classification,
    )


@requires(*CONTENT_READERS)
async def case_event(request: Request) -> Response:
    account = account_of(request)
    lang = lang_of(request)
    deps = deps_of(request)
    ref = _ref(request)
    if ref is None:
        return error_page(request, 404)
    try:
        version = int(request.path_params["version"])
    except ValueError:
        return error_page(request, 404)
    lens = lens_for(account, deps.settings)
    assert lens is not None
    with _hub(request) as app:
        if not _exists(app, ref):
            return error_page(request, 404)
        names = Names.from_directory(app.directory())
        try:
            detail = event_detail(app, ref, version, lens, names, lang=lang)
            classification = app.get_case(ref.case_id).classification
        except ReadingError as exc:
            return _bad(request, str(exc))
        except AuditError as exc:
            return _refused(request, str(exc), case=str(ref))
    partial = request.headers.get("hx-request") == "true"
    return _recorded_case_page(
        request,
        "case_event",
        ref,
        "case_event_panel.html" if partial else "case_event.html",
        {"detail": detail},
        classification=classification,
    )


@requires(*CONTENT_READERS)
async def case_pdf(request: Request) -> Response:  # noqa: PLR0911 - one return per refusal
    account = account_of(request)
    lang = lang_of(request)
    deps = deps_of(request)
    ref = _ref(request)
    if ref is None:
        return error_page(request, 404)
    lens = lens_for(account, deps.settings)
    assert lens is not None
    as_of = request.query_params.get("as_of", "").strip() or None
    with _hub(request) as app:
        if not _exists(app, ref):
            return error_page(request, 404)
        names = Names.from_directory(app.directory())
        try:
            reading = case_view(
                app, ref, lens, names, working_calendar(deps.settings), as_of=as_of, lang=lang
            )
        except ReadingError as exc:
            return _bad(request, str(exc))
        except AuditError as exc:
            return _refused(request, str(exc), case=str(ref))
    now = deps.now()
    mark = _tr(
        request,
        "console.aud.watermark",
        name=account.name,
        agency=account.agency,
        at=clock.moment(now),
    )
    refused = _record_case_read(request, "case_pdf", ref)
    if refused is not None:
        return refused
    try:
        pdf = casefile_pdf(reading.file, watermark=mark)
    except CaseHubError as exc:
        return render(request, "aud_error.html", {"status": 503, "text": str(exc)}, status=503)
    filename = f"casefile-{ref.owning_agency}-{reading.version}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"content-disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


# --- the read log -------------------------------------------------------------------------------
def _reads_roles(request: Request) -> set[str]:
    configured = deps_of(request).settings.console_reads_visible_to
    return {role.strip() for role in configured.split(",") if role.strip()}


def _moment_param(request: Request, name: str) -> datetime | None:
    value = request.query_params.get(name, "").strip()
    if not value:
        return None
    try:
        return parse_moment(value)
    except AuditError:
        raise SearchError(_tr(request, "console.aud.bad_moment", field=name, value=value)) from None


@requires(*ROLES)
async def reads_page(request: Request) -> Response:
    account = account_of(request)
    if not account.has_role(*_reads_roles(request)):
        return _refused(request, "the read log is not open to this role")
    log_ = deps_of(request).read_log
    filters = {
        k: request.query_params.get(k, "").strip() for k in ("account", "agency", "case", "kind")
    }
    context: dict[str, Any] = {"filters": filters, "kinds": KINDS, "error": ""}
    page = _page(request.query_params.get("page", ""))
    if filters["kind"] and filters["kind"] not in KINDS:
        context["error"] = _tr(request, "console.aud.bad_kind", value=filters["kind"])
    elif page is None:
        context["error"] = _tr(
            request, "console.aud.bad_page", value=request.query_params.get("page", "")
        )
    else:
        try:
            since = _moment_param(request, "since")
            until = _moment_param(request, "until")
        except SearchError as exc:
            context["error"] = str(exc)
    if context["error"] or page is None:
        return render(request, "reads.html", context, status=400)
    context["since"] = request.query_params.get("since", "")
    context["until"] = request.query_params.get("until", "")
    query = {k: v for k, v in request.query_params.items() if v and k not in ("lang", "page")}
    refused = record_read(
        request,
        Read(account.name, account.agency, "reads", target=_target(request), query=query),
    )
    if refused is not None:
        return refused
    chosen = {
        "account": filters["account"] or None,
        "agency": filters["agency"] or None,
        "case_ref": filters["case"] or None,
        "kind": filters["kind"] or None,
        "since": since,
        "until": until,
    }
    try:
        entries = log_.entries(  # type: ignore[attr-defined]
            **chosen, limit=READS_PAGE_SIZE, offset=(page - 1) * READS_PAGE_SIZE
        )
        total = log_.count(**chosen)  # type: ignore[attr-defined]
        verdict = log_.verify()  # type: ignore[attr-defined]
    except (ReadLogUnavailable, AttributeError):
        return error_page(request, 503, "console.error.readlog")
    context.update(
        entries=entries,
        total=total,
        page=page,
        pages=max(1, -(-total // READS_PAGE_SIZE)),
        base_query=urlencode(
            [(k, v) for k, v in request.query_params.multi_items() if k != "page"] + [("", "")]
        )[:-1],
        verdict=verdict,
        case_path=case_path,
    )
    return render(request, "reads.html", context)


# --- registration -------------------------------------------------------------------------------
_CASE = "/cases/{agency}/{number}"

ROUTES: list[BaseRoute] = [
    Route("/cases", cases_page, methods=["GET", "POST"]),
    Route(_CASE, case_page, methods=["GET"]),
    Route(_CASE + "/changes", case_changes, methods=["GET"]),
    Route(_CASE + "/events/{version}", case_event, methods=["GET"]),
    Route(_CASE + "/casefile.pdf", case_pdf, methods=["GET"]),
    Route("/reads", reads_page, methods=["GET"]),
]
LINKS: list[NavLink] = [
    NavLink("/cases", "console.aud.nav.cases", frozenset(CASE_READERS)),
    NavLink("/reads", "console.aud.nav.reads", frozenset({AUDITOR})),
]
