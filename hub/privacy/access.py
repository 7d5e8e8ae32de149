"""Who may read what: classification levels, agency clearances, and the masked form of an event.

The rule (issue #10, part 1):

* an event's **effective level** is the higher of its case's classification (set at
  registration) and the event's own;
* an agency reads an event's **content** when its clearance covers that level and, for a
  ``CONFIDENTIAL`` event, when it is a participant of the case; everyone else (non-participant
  notice recipients, the Rule-of-Law Office, a participant not cleared for the level) gets the
  **masked form**: ids, type, agencies, dates and the classification, nothing else;
* an agency reads the **personal data** in content it may read only in cases it takes part in
  (elsewhere it is withheld); the hub's auditors read everything, personal data included.

Clearances come from settings: ``agency_clearances`` (``"procuratorate=CONFIDENTIAL,
market-regulation=CONFIDENTIAL"``) and/or ``clearance_file`` (TOML, ``agency-id = "LEVEL"``;
the string wins for an agency named in both); any other agency has ``default_clearance``
(``INTERNAL`` unless configured): deny by default for ``CONFIDENTIAL``.

Pure functions over plain data: the relay applies them to each feed, the views and the
auditor's history apply them when read. Which agencies an event reaches at all (a case's
participants, the agencies an event names) is the outbound contract's rule:
``hub.outbound.recipients``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hub.errors import CaseHubError

if TYPE_CHECKING:
    from hub.settings import Settings

PUBLIC = "PUBLIC"
INTERNAL = "INTERNAL"
CONFIDENTIAL = "CONFIDENTIAL"
#: The levels, lowest first (``hub.vocabulary.Classification``).
LEVELS: tuple[str, ...] = (PUBLIC, INTERNAL, CONFIDENTIAL)
#: The rank of each level as written canonically (the relay asks for some eight an event).
_RANKS = {level: i for i, level in enumerate(LEVELS)}

#: The key a masked payload carries (``true``), so a reader can tell masked from empty.
MASKED_KEY = "masked"

#: Payload fields the masked form keeps: ids, agencies, dates, deadline bookkeeping and the
#: classification. Everything else (titles, summaries, subjects, parties, documents, measures,
#: notes, reasons, outcomes, terms) is dropped. A new event field is therefore masked until it
#: is listed here.
METADATA_FIELDS = frozenset(
    {
        "classification",
        "owning_agency",
        "case_number",
        "participants",
        "notice_recipients",
        "notice_due_date",
        "notice_provisional",
        "agency_id",
        "agency",
        "addressee",
        "info_id",
        "notice_id",
        "request_id",
        "dispute_id",
        "recommendation_id",
        "target_id",
        "kind",
        "due_date",
        "previous_due_date",
        "requested_due_date",
        "urgent_due_date",
        "held_on",
        "provisional",
        "late",
        "working_days_late",
        "correlation_id",
        "causation_id",
        "originator_id_type",
    }
)
#: Of a nested major flag (重大事项), the masked form keeps the notice id and its recipients.
_MAJOR_METADATA = ("notice_id", "recipients")


class ClassificationError(CaseHubError):
    """A classification level or a clearance setting cannot be understood."""

    code = "classification_error"


def check_level(value: str, where: str = "classification") -> str:
    """``value`` as one of ``LEVELS`` (case-insensitive); a ``ClassificationError`` otherwise."""
    level = str(value).strip().upper()
    if level not in LEVELS:
        raise ClassificationError(
            f"{where}: {value!r} is not a classification level; expected one of {', '.join(LEVELS)}"
        )
    return level


def rank(level: str) -> int:
    found = _RANKS.get(level)
    return LEVELS.index(check_level(level)) if found is None else found


def effective_level(case_level: str | None, event_level: str | None) -> str:
    """The higher of the case's and the event's level (a missing one counts as ``INTERNAL``,
    the envelope's default)."""
    levels = [check_level(v) for v in (case_level, event_level) if v]
    return max(levels or [INTERNAL], key=LEVELS.index)


# --- clearances ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Clearances:
    """The highest level each agency is cleared for; ``default`` for any agency not named."""

    default: str = INTERNAL
    agencies: Mapping[str, str] = field(default_factory=dict)

    def of(self, agency: str) -> str:
        return self.agencies.get(agency, self.default)


def parse_clearance_list(text: str, where: str = "agency_clearances") -> dict[str, str]:
    """``"a=CONFIDENTIAL, b=PUBLIC"`` as a mapping; a clear error for anything else."""
    found: dict[str, str] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        agency, sep, level = item.partition("=")
        if not sep or not agency.strip():
            raise ClassificationError(
                f"{where}: {item!r} is not agency-id=LEVEL (e.g. procuratorate=CONFIDENTIAL)"
            )
        found[agency.strip()] = check_level(level, f"{where} for {agency.strip()}")
    return found


def read_clearance_file(path: Path) -> dict[str, str]:
    """A TOML file of ``agency-id = "LEVEL"`` lines."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ClassificationError(f"clearance_file {path} does not exist") from None
    except OSError as exc:
        raise ClassificationError(f"clearance_file {path} cannot be read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ClassificationError(f"clearance_file {path} is not valid TOML: {exc}") from None
    found: dict[str, str] = {}
    for agency, level in data.items():
        if not isinstance(level, str):
            raise ClassificationError(
                f"clearance_file {path}: {agency} = {level!r}; expected a level in quotes, "
                f'e.g. {agency} = "CONFIDENTIAL"'
            )
        found[agency] = check_level(level, f"clearance_file {path} for {agency}")
    return found


def clearances_from(settings: Settings) -> Clearances:
    """The clearances the settings configure (file first, then the string, which wins)."""
    agencies: dict[str, str] = {}
    if settings.clearance_file:
        agencies.update(read_clearance_file(Path(settings.clearance_file)))
    agencies.update(parse_clearance_list(settings.agency_clearances))
    default = check_level(settings.default_clearance, "default_clearance")
    return Clearances(default, agencies)


# --- readers and decisions ----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Reader:
    """Who reads a view or a history: the hub's auditors (``agency`` None) or one agency."""

    agency: str | None = None

    @property
    def is_auditor(self) -> bool:
        return self.agency is None

    def __str__(self) -> str:
        return "auditor" if self.agency is None else self.agency


AUDITOR = Reader()


@dataclass(frozen=True, slots=True)
class Access:
    """What a reader gets of one event."""

    content: bool  # False: the masked form
    personal_data: bool  # False: personal data withheld (only meaningful with content)


FULL = Access(content=True, personal_data=True)
MASKED = Access(content=False, personal_data=False)


@dataclass(frozen=True, slots=True)
class AccessPolicy:
    clearances: Clearances = field(default_factory=Clearances)

    @classmethod
    def from_settings(cls, settings: Settings) -> AccessPolicy:
        return cls(clearances_from(settings))

    def cleared(self, agency: str, level: str) -> bool:
        return rank(self.clearances.of(agency)) >= rank(level)

    def may_read_content(self, agency: str, level: str, participants: Iterable[str]) -> bool:
        """Whether ``agency`` gets the content of an event at ``level`` in a case with these
        participants (else the masked form)."""
        if not self.cleared(agency, level):
            return False
        return level != CONFIDENTIAL or agency in set(participants)

    def access(self, reader: Reader, level: str, participants: Iterable[str]) -> Access:
        if reader.agency is None:
            return FULL
        members = set(participants)
        if not self.may_read_content(reader.agency, level, members):
            return MASKED
        return Access(content=True, personal_data=reader.agency in members)


# --- the masked form ----------------------------------------------------------------------------
def masked_payload(payload: Mapping[str, Any]) -> dict[str, Any]:
    """An event's payload reduced to metadata, marked ``masked``."""
    kept: dict[str, Any] = {k: v for k, v in payload.items() if k in METADATA_FIELDS}
    major = payload.get("major")
    if isinstance(major, Mapping):
        kept["major"] = {k: major[k] for k in _MAJOR_METADATA if k in major}
    kept[MASKED_KEY] = True
    return kept


def is_masked(payload: Mapping[str, Any]) -> bool:
    return payload.get(MASKED_KEY) is True
