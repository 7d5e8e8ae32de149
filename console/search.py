"""Finding a case: ``search(store, CaseQuery)`` over the case index view.

Who may see what: the index holds every case's title, a CONFIDENTIAL one's too (the title
of a CONFIDENTIAL case is content; any other title is not withheld). A caller passes
``reader_may_read(hit) -> bool`` (the console builds it from the account's access); it is
asked about the CONFIDENTIAL cases a search meets, and for one the reader may not read the
title is never matched on (a title-word search does not find it, nor counts it) and the
hit's title is blank. Without ``reader_may_read`` no CONFIDENTIAL case counts as readable.
Which cases a reader may list at all (an officer: its agency's) is the caller's filter
(``participant``). Filtering, counting and paging happen in SQL, so a page costs the same
at 100,000 cases as at 100.

A person is found through the key store, never a plaintext index: ``person_subject(pepper,
id_number)`` is the keyed subject id (``p-…``) the privacy layer gives whoever holds that
ID number, and the key store notes each subject's mentions (``case:AGENCY/NUMBER``); a
``CaseQuery(person=…)`` matches those cases.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

from consumers import case_index, deadlines
from consumers.store import Value, ViewStore
from hub.errors import CaseHubError
from hub.privacy.subjects import id_number_subject

STATUSES = ("", "open", "overdue", "closed")
CONFIDENTIAL = "CONFIDENTIAL"
_SHORT = 3  # a trigram needs three characters


class SearchError(CaseHubError):
    code = "bad_search"


class Mentions(Protocol):
    def info(self, subject: str) -> Any: ...


@dataclass(frozen=True)
class CaseQuery:
    owning_agency: str = ""
    case_number: str = ""
    words: str = ""  # words of the title, space-separated: every one must appear
    status: str = ""  # "open" (something open, overdue or not) | "overdue" | "closed" | ""
    registered_from: date | None = None
    registered_to: date | None = None
    participant: str = ""
    person: str = ""  # a subject id (p-…)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise SearchError(f"unknown status {self.status!r}: it is one of open, overdue, closed")
        if (
            self.registered_from
            and self.registered_to
            and self.registered_from > self.registered_to
        ):
            raise SearchError(
                f"the registration range ends ({self.registered_to}) before it starts "
                f"({self.registered_from})"
            )
        if self.person and not self.person.startswith("p-"):
            raise SearchError("a person is searched by subject id (p-…), never an ID number")


@dataclass(frozen=True)
class CaseHit:
    case_id: UUID
    reference: str
    title: str
    owning_agency: str
    participants: tuple[str, ...]
    classification: str
    registered_at: datetime
    status: str


def person_subject(pepper: bytes, id_number: str) -> str:
    """The keyed subject id of whoever holds ``id_number`` (the key store's pepper)."""
    if not id_number.strip():
        raise SearchError("an ID number to search for is empty")
    return id_number_subject(pepper, id_number)


def default_may_read(hit: CaseHit) -> bool:
    return hit.classification != CONFIDENTIAL


def search(
    store: ViewStore,
    query: CaseQuery,
    *,
    limit: int = 50,
    offset: int = 0,
    reader_may_read: Callable[[CaseHit], bool] | None = None,
    mentions: Mentions | None = None,
) -> tuple[list[CaseHit], int]:
    """The cases matching every filter given, newest registration first, and how many match.

    ``mentions``: the key store (``info(subject).mentions``), needed for a person search.
    """
    if limit < 1 or offset < 0:
        raise SearchError(f"bad page: limit {limit} (1 or more), offset {offset} (0 or more)")
    may_read = reader_may_read or default_may_read
    found = _conditions(store, query, mentions)
    if found is None:
        return [], 0
    where, params = found
    cases, parts, _, opened = _names(store)
    columns = (
        "c.case_id, c.reference, c.title, c.owning_agency, c.classification, c.registered_at, "
        f"EXISTS ({opened}) AS is_open, "
        f"EXISTS ({opened} AND i.missed_due_date IS NOT NULL) AS is_overdue"
    )
    ph = store.placeholder
    with store._transaction(commit=False) as cursor:  # noqa: SLF001 - the views' own store
        if query.words:
            # a CONFIDENTIAL case the reader may not read is not found by its title: the
            # (few) CONFIDENTIAL matches are asked about, the unreadable ones left out
            secret = [*where, f"c.classification = {ph}"]
            cursor.execute(
                f"SELECT {columns} FROM {cases} c WHERE {' AND '.join(secret)}",  # noqa: S608
                [*params, CONFIDENTIAL],
            )
            hidden = [str(h.case_id) for h in map(_hit, cursor.fetchall()) if not may_read(h)]
            if hidden:
                where = [*where, f"c.case_id NOT IN ({', '.join(ph for _ in hidden)})"]
                params = [*params, *hidden]
        condition = (" WHERE " + " AND ".join(where)) if where else ""
        cursor.execute(f"SELECT COUNT(*) AS n FROM {cases} c{condition}", params)  # noqa: S608
        total = int(cursor.fetchone()["n"])
        cursor.execute(
            f"SELECT {columns} FROM {cases} c{condition} "  # noqa: S608 - our identifiers
            f"ORDER BY c.registered_at DESC, c.reference LIMIT {int(limit)} OFFSET {int(offset)}",
            params,
        )
        # a reader who may not read a case's content does not see its title
        page = [
            h if h.classification != CONFIDENTIAL or may_read(h) else _blank(h)
            for h in map(_hit, cursor.fetchall())
        ]
        if not page:
            return [], total
        ids = [str(h.case_id) for h in page]
        marks = ", ".join(ph for _ in ids)
        cursor.execute(
            f"SELECT case_id, agency FROM {parts} WHERE case_id IN ({marks}) ORDER BY agency",  # noqa: S608
            ids,
        )
        agencies: dict[str, list[str]] = {}
        for r in cursor.fetchall():
            agencies.setdefault(str(r["case_id"]), []).append(str(r["agency"]))
    return [_with(h, agencies.get(str(h.case_id), ())) for h in page], total


def _names(store: ViewStore) -> tuple[str, str, str, str]:
    """The stored tables (cases, participants, items) and the 'something open' subquery."""
    view = case_index.VIEW
    q = store._qualify  # noqa: SLF001 - the views' own store
    cases, parts, items = (
        q(view.table_name(t)) for t in (case_index.CASES, case_index.PARTICIPANTS, case_index.ITEMS)
    )
    opened = (
        f"SELECT 1 FROM {items} i WHERE i.case_id = c.case_id AND i.status = '{deadlines.OPEN}'"  # noqa: S608
    )
    return cases, parts, items, opened


def _conditions(  # noqa: C901, PLR0912 - one clause per filter
    store: ViewStore, query: CaseQuery, mentions: Mentions | None
) -> tuple[list[str], list[Value]] | None:
    """The WHERE clauses and their parameters; None when nothing can match."""
    _, parts, _, opened = _names(store)
    ph = store.placeholder
    where: list[str] = []
    params: list[Value] = []

    def add(clause: str, *values: Value) -> None:
        where.append(clause)
        params.extend(values)

    if query.owning_agency:
        add(f"c.owning_agency = {ph}", query.owning_agency)
    if query.case_number:
        add(f"c.case_number = {ph}", query.case_number)
    if query.registered_from:
        add(f"c.registered_at >= {ph}", query.registered_from.isoformat())
    if query.registered_to:
        add(f"c.registered_at < {ph}", (query.registered_to + timedelta(days=1)).isoformat())
    if query.participant:
        inner = f"SELECT 1 FROM {parts} p WHERE p.case_id = c.case_id AND p.agency = {ph}"  # noqa: S608
        add(f"EXISTS ({inner})", query.participant)
    if query.person:
        if mentions is None:
            raise SearchError("a person search needs the key store")
        info = mentions.info(query.person)
        noted = info.mentions if info is not None else ()
        refs = sorted(m.removeprefix("case:") for m in noted if m.startswith("case:"))
        if not refs:
            return None
        add(f"c.reference IN ({', '.join(ph for _ in refs)})", *refs)
    if query.status == "closed":
        add(f"NOT EXISTS ({opened})")
    elif query.status == "open":
        add(f"EXISTS ({opened})")
    elif query.status == "overdue":
        add(f"EXISTS ({opened} AND i.missed_due_date IS NOT NULL)")
    for word in query.words.split():
        if store.backend == "sqlite" and len(word) >= _SHORT:
            titles = store._qualify(case_index.VIEW.table_name(case_index.TITLES))  # noqa: SLF001
            match = f"SELECT rowid FROM {titles} WHERE {titles} MATCH {ph}"  # noqa: S608
            add(f"c.rowid IN ({match})", '"' + word.replace('"', '""') + '"')
        else:
            like = "ILIKE" if store.backend == "postgres" else "LIKE"
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            add(f"c.title {like} {ph} ESCAPE '\\'", f"%{escaped}%")
    return where, params


def _hit(row: Any) -> CaseHit:
    status = "overdue" if row["is_overdue"] else "open" if row["is_open"] else "closed"
    return CaseHit(
        case_id=UUID(str(row["case_id"])),
        reference=str(row["reference"]),
        title=str(row["title"] or ""),
        owning_agency=str(row["owning_agency"]),
        participants=(),
        classification=str(row["classification"] or ""),
        registered_at=datetime.fromisoformat(str(row["registered_at"])),
        status=status,
    )


def _blank(hit: CaseHit) -> CaseHit:
    return CaseHit(**{**vars(hit), "title": ""})


def _with(hit: CaseHit, participants: Sequence[str]) -> CaseHit:
    return CaseHit(**{**vars(hit), "participants": tuple(participants)})
