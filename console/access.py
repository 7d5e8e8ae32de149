"""What a console account may read of the hub: decided here, and only here.

- ``auditor``: every case, everything, personal data revealed (the hub's AUDITOR reader);
- ``officer``: the cases its agency takes part in or that reached it, through
  ``hub.audit.history.read_as`` with ``Reader(agency)`` (masked where its clearance does not
  cover the level, never a CONFIDENTIAL case's content unless cleared and a participant);
- ``rule-of-law``: case metadata only (the masked form);
- ``admin``: no case content at all.

An account with several roles gets the widest of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from console.accounts import ADMIN, AUDITOR, OFFICER, RULE_OF_LAW, Account
from hub.privacy.access import AUDITOR as AUDITOR_READER
from hub.privacy.access import Reader
from hub.privacy.reveal_views import ReadingLens
from hub.settings import Settings


class CaseAccess(Enum):
    """How much of cases an account reads."""

    ALL = "all"  # everything, personal data revealed
    AGENCY = "agency"  # its agency's view: read_as with Reader(agency)
    METADATA = "metadata"  # ids, agencies, dates, types only
    NONE = "none"  # no case at all


@dataclass(frozen=True)
class Entitlement:
    access: CaseAccess
    reader: Reader | None  # the hub reader for ALL and AGENCY


def entitlement(account: Account) -> Entitlement:
    """The widest case access of the account's roles."""
    if AUDITOR in account.roles:
        return Entitlement(CaseAccess.ALL, AUDITOR_READER)
    if OFFICER in account.roles:
        return Entitlement(CaseAccess.AGENCY, Reader(account.agency))
    if RULE_OF_LAW in account.roles:
        return Entitlement(CaseAccess.METADATA, None)
    assert account.roles == (ADMIN,) or ADMIN in account.roles
    return Entitlement(CaseAccess.NONE, None)


def lens_for(account: Account, settings: Settings) -> ReadingLens | None:
    """The reading lens a case page reads through; None: the account reads no case content."""
    found = entitlement(account)
    if found.reader is None:
        return None
    return ReadingLens.for_settings(settings, found.reader)


def can_read_case(
    account: Account, participants: Iterable[str], reached: Iterable[str] = ()
) -> bool:
    """Whether ``account`` may open a case with these participants at all.

    ``reached``: the agencies the case's notices, requests and recommendations reached (an
    agency reads those even when it is not a participant). Metadata readers may open every
    case's metadata; an admin none.
    """
    found = entitlement(account)
    if found.access in (CaseAccess.ALL, CaseAccess.METADATA):
        return True
    if found.access is CaseAccess.NONE:
        return False
    return account.agency in set(participants) or account.agency in set(reached)


def metadata_only(account: Account) -> bool:
    return entitlement(account).access is CaseAccess.METADATA
