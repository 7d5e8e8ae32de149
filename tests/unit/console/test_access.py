from datetime import UTC, datetime

import pytest

from console.access import CaseAccess, can_read_case, entitlement, lens_for, metadata_only
from console.accounts import Account
from hub.privacy.access import AUDITOR, CONFIDENTIAL, Reader
from hub.settings import Settings


def account(*roles: str, agency: str = "city-police") -> Account:
    return Account(
        name="someone",
        agency=agency,
        roles=roles,
        disabled=False,
        failures=0,
        locked_until=None,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def test_an_auditor_reads_every_case_as_the_hubs_auditor():
    found = entitlement(account("auditor"))
    assert found == type(found)(CaseAccess.ALL, AUDITOR)
    assert can_read_case(account("auditor"), ["a", "b"])


def test_an_officer_reads_as_its_agency_only_its_cases():
    officer = account("officer", agency="city-police")
    assert entitlement(officer).reader == Reader("city-police")
    assert can_read_case(officer, ["city-police", "x"])
    assert can_read_case(officer, ["x"], reached=["city-police"])
    assert not can_read_case(officer, ["x", "y"])


def test_the_rule_of_law_office_reads_metadata_and_an_admin_nothing():
    assert metadata_only(account("rule-of-law"))
    assert can_read_case(account("rule-of-law"), ["x"])
    assert not can_read_case(account("admin"), ["x"])
    assert lens_for(account("admin"), Settings()) is None
    assert lens_for(account("rule-of-law"), Settings()) is None


def test_the_widest_role_wins():
    assert entitlement(account("admin", "officer")).access is CaseAccess.AGENCY
    assert entitlement(account("officer", "auditor")).access is CaseAccess.ALL


@pytest.mark.parametrize(("clearance", "content"), [("INTERNAL", False), ("CONFIDENTIAL", True)])
def test_an_officers_lens_follows_the_hubs_policy(tmp_path, clearance, content):
    settings = Settings(data_dir=tmp_path, agency_clearances=f"city-police={clearance}")
    lens = lens_for(account("officer"), settings)
    assert lens is not None
    assert lens.reader == Reader("city-police")
    assert lens.access(CONFIDENTIAL, ["city-police"]).content is content
    assert lens.access(CONFIDENTIAL, ["other"]).content is False
