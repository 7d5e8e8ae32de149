"""The auditors' and officers' pages (console/pages/auditor.py) over the demo story: every
route × every role, the read log (one entry per read, none for a refusal), the 503 when it
cannot be written."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient
from structlog.testing import capture_logs

from console.chain import BackgroundVerifier, full_check
from console.pages import console_app
from console.pages.auditor import ROUTES, case_path
from console.readlog import ReadLog, ReadLogUnavailable
from console.security import declared_roles
from console.wiring import ConsoleDeps
from console_testing import PASSWORD, FakeClock, User, login
from consumers.opening import open_view_store
from consumers.runner import VIEWS, catch_up
from devkit.demo.story import (
    APPLICANT,
    CONFIDENTIAL_CASE,
    CONFIDENTIAL_MARKER,
    FOOD_CASE,
    LAND_CASE,
    demo_story,
)
from devkit.testing.consumers import story_hub
from hub.bootstrap import open_existing_hub
from hub.settings import Settings


def ref(case) -> str:
    return f"{case.owning_agency}/{case.case_number}"


LAND = ref(LAND_CASE)
LAND_PATH = case_path(LAND)
CONF_PATH = case_path(ref(CONFIDENTIAL_CASE))
LAND_TITLE = "某村民占用耕地建房案"


@pytest.fixture(scope="module")
def story_dir(tmp_path_factory):
    data = tmp_path_factory.mktemp("story")
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(data / "hub.sqlite")}
    story_hub(data, env, demo_story()).close()  # the year and the CONFIDENTIAL case
    settings = Settings(data_dir=data, store="sqlite")
    views = open_view_store(settings)
    with open_existing_hub(settings) as app:
        for view in VIEWS.values():
            catch_up(app, views, view)
    views.close()
    return data


class Console:
    def __init__(self, story_dir, tmp_path, read_log=None) -> None:
        self.clock = FakeClock()
        self.settings = Settings(
            data_dir=story_dir,
            store="sqlite",
            console_store_path=str(tmp_path / "console.sqlite"),
            console_reads_path=str(tmp_path / "reads.sqlite"),
        )
        self.read_log = read_log or ReadLog.open(tmp_path / "reads.sqlite")
        self.deps = ConsoleDeps.open(self.settings, now=self.clock, read_log=self.read_log)
        self.app = console_app(self.deps)
        verifier = BackgroundVerifier(list, every_s=3600)
        verifier.run_once()
        self.app.state.chain_verifier = verifier

    def user(self, name: str, *roles: str, agency: str) -> User:
        _, factor = self.deps.accounts.add(name, agency=agency, roles=roles, password=PASSWORD)
        return User(name, factor.secret)

    def client(self, user: User | None = None) -> TestClient:
        client = TestClient(self.app, follow_redirects=False)
        if user is not None:
            assert login(client, user, self.clock).status_code == 303
            self.clock.advance(seconds=30)  # the next login's code is a new one
        return client

    def reads(self):
        return list(reversed(self.read_log.entries()))


@pytest.fixture
def console(story_dir, tmp_path):
    found = Console(story_dir, tmp_path)
    yield found
    found.deps.close()


@pytest.fixture
def clients(console):
    users = {
        "auditor": console.user("aud", "auditor", agency="procuratorate"),
        "rule-of-law": console.user("rol", "rule-of-law", agency="rule-of-law-office"),
        "participant": console.user("nr", "officer", agency="natural-resources"),
        "outsider": console.user("mr", "officer", agency="market-regulation"),
        "admin": console.user("adm", "admin", agency="procuratorate"),
    }
    found = {role: console.client(user) for role, user in users.items()}
    found["logged-out"] = console.client()
    return found


def csrf(client: TestClient) -> str:
    page = client.get("/cases")
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found
    return found.group(1)


def test_every_route_declares_its_roles():
    for route in ROUTES:
        roles = declared_roles(route.endpoint)  # type: ignore[attr-defined]
        assert roles, f"{route.path} declares no roles"
        assert "admin" not in roles or route.path == "/reads"


# --- the route × role matrix -------------------------------------------------------------------
PAGES = {
    "search": "/cases?go=1",
    "case": LAND_PATH,
    "as_of": LAND_PATH + "?as_of=2026-06-16T00:30",
    "changes": LAND_PATH + "/changes?from=1&to=3",
    "event": LAND_PATH + "/events/1",
    "reads": "/reads",
}
#: What each role gets: a status per page.
EXPECTED = {
    "auditor": dict.fromkeys(PAGES, 200),
    "rule-of-law": {
        "search": 200,
        "case": 200,
        "as_of": 200,
        "changes": 403,
        "event": 403,
        "reads": 403,
    },
    "participant": {**dict.fromkeys(PAGES, 200), "reads": 403},
    "outsider": {**dict.fromkeys(PAGES, 403), "search": 200},
    "admin": {**dict.fromkeys(PAGES, 403)},
}


@pytest.mark.parametrize("role", [*EXPECTED, "logged-out"])
def test_every_page_for_every_role(console, clients, role):
    for page, path in PAGES.items():
        before = len(console.reads())
        response = clients[role].get(path)
        if role == "logged-out":
            assert response.status_code == 303, page
            assert response.headers["location"].startswith("/login?next=")
            assert len(console.reads()) == before
            continue
        assert response.status_code == EXPECTED[role][page], (page, response.text[:300])
        after = console.reads()
        if response.status_code == 200:
            assert len(after) == before + 1, page  # exactly one entry per read
            assert after[-1].kind in {
                "search",
                "case_page",
                "case_as_of",
                "case_diff",
                "case_event",
                "reads",
            }
        else:
            assert len(after) == before, page  # none for a refused read
            assert LAND_TITLE not in response.text


def test_the_auditor_reads_the_land_case_in_words(console, clients):
    page = clients["auditor"].get(LAND_PATH)
    assert page.status_code == 200
    assert LAND_TITLE in page.text
    assert 'id="classification"' in page.text
    assert "哈希链校验" in page.text
    assert "完整（" in page.text  # the quick check over the audit view
    entry = console.reads()[-1]
    assert (entry.account, entry.kind, entry.case_ref) == ("aud", "case_page", LAND)


def test_as_of_before_the_missed_deadline_shows_the_reply_still_due(console, clients):
    then = clients["auditor"].get(LAND_PATH + "?as_of=2026-06-16T00:59")
    now = clients["auditor"].get(LAND_PATH)
    assert then.status_code == now.status_code == 200
    assert "截至 2026-06-16 00:59" in then.text
    assert then.text != now.text
    assert console.reads()[-2].kind == "case_as_of"
    assert console.reads()[-1].kind == "case_page"


def test_a_bad_moment_or_version_is_a_400_in_words_and_no_read(console, clients):
    before = len(console.reads())
    bad = clients["auditor"].get(LAND_PATH + "?as_of=yesterday")
    assert bad.status_code == 400
    assert "yesterday" in bad.text
    assert clients["auditor"].get(LAND_PATH + "?version=x").status_code == 400
    assert clients["auditor"].get(LAND_PATH + "?version=999").status_code == 400
    assert clients["auditor"].get(LAND_PATH + "/changes?from=1").status_code == 400
    assert len(console.reads()) == before


def test_an_unknown_case_is_404(clients):
    assert clients["auditor"].get("/cases/natural-resources/nope").status_code == 404
    assert clients["auditor"].get(LAND_PATH + "/events/notanumber").status_code == 404


def test_the_event_panel_for_htmx_and_the_plain_page(console, clients):
    panel = clients["auditor"].get(LAND_PATH + "/events/1", headers={"HX-Request": "true"})
    assert panel.status_code == 200
    assert "<html" not in panel.text
    assert "event_hash" in panel.text
    page = clients["auditor"].get(LAND_PATH + "/events/1")
    assert "<html" in page.text
    assert "event_hash" in page.text
    assert [e.kind for e in console.reads()[-2:]] == ["case_event", "case_event"]


def test_what_changed(console, clients):
    page = clients["auditor"].get(LAND_PATH + "/changes?from=1&to=4")
    assert page.status_code == 200
    assert "第 1 版" in page.text
    assert console.reads()[-1].kind == "case_diff"


def test_rule_of_law_sees_metadata_only(clients):
    page = clients["rule-of-law"].get(LAND_PATH)
    assert page.status_code == 200
    assert 'id="metadata-only"' in page.text
    assert LAND_TITLE not in page.text
    assert APPLICANT.name not in page.text
    search = clients["rule-of-law"].get("/cases?go=1")
    assert "耕地" not in search.text
    token = csrf(clients["rule-of-law"])
    refused = clients["rule-of-law"].post("/cases", data={"csrf": token, "words": "耕地"})
    assert refused.status_code == 400
    assert "标题关键词" in refused.text


def test_an_officer_is_refused_a_case_its_agency_has_no_part_in(console, clients):
    paths = (LAND_PATH, LAND_PATH + "/casefile.pdf", LAND_PATH + "/events/2")
    with capture_logs() as logs:
        for path in paths:
            response = clients["outsider"].get(path)
            assert response.status_code == 403
            assert LAND_TITLE not in response.text
    refused = [e for e in logs if e["event"] == "console_read_refused"]
    assert [(e["account"], quote(e["path"], safe="/.")) for e in refused] == [
        ("mr", p) for p in paths
    ]
    assert all(e.account != "mr" or e.kind == "search" for e in console.reads())


def test_confidential_content_stays_masked_for_an_uncleared_reader(clients):
    auditor = clients["auditor"].get(CONF_PATH)
    assert auditor.status_code == 200
    assert CONFIDENTIAL_MARKER in auditor.text
    for role in ("participant", "outsider"):
        response = clients[role].get(CONF_PATH)
        assert CONFIDENTIAL_MARKER not in response.text, role


def test_search_finds_the_land_case_by_a_chinese_word(console, clients):
    token = csrf(clients["auditor"])
    found = clients["auditor"].post("/cases", data={"csrf": token, "words": "耕地"})
    assert found.status_code == 200
    assert LAND_TITLE in found.text
    assert f'href="{LAND_PATH}"' in found.text
    entry = console.reads()[-1]
    assert entry.kind == "search"
    assert dict(entry.query) == {"words": "耕地"}


def test_an_officer_finds_only_its_agency_s_cases(clients):
    found = clients["participant"].get("/cases?go=1&participant=market-regulation")
    assert found.status_code == 200
    assert LAND_TITLE in found.text
    assert FOOD_CASE.case_number not in found.text


def test_a_person_search_logs_the_subject_never_the_number(console, clients):
    token = csrf(clients["auditor"])
    found = clients["auditor"].post(
        "/cases", data={"csrf": token, "id_number": APPLICANT.id_number}
    )
    assert found.status_code == 200, found.text[:500]
    assert LAND_TITLE in found.text
    entry = console.reads()[-1]
    assert entry.query["person"].startswith("p-")
    assert APPLICANT.id_number not in repr(entry.as_json())
    in_url = clients["auditor"].get("/cases?id_number=" + APPLICANT.id_number)
    assert in_url.status_code == 400


def test_only_auditors_search_by_person(clients):
    token = csrf(clients["participant"])
    refused = clients["participant"].post(
        "/cases", data={"csrf": token, "id_number": APPLICANT.id_number}
    )
    assert refused.status_code == 400


def test_a_post_without_its_token_is_refused(clients):
    assert clients["auditor"].post("/cases", data={"words": "耕地"}).status_code == 403


def test_bad_search_input_is_named(clients):
    bad = clients["auditor"].get("/cases?from=2026-13-01")
    assert bad.status_code == 400
    assert "2026-13-01" in bad.text
    order = clients["auditor"].get("/cases?from=2026-06-01&to=2026-01-01")
    assert order.status_code == 400
    assert clients["auditor"].get("/cases?go=1&page=0").status_code == 400


def test_the_reads_page_lists_filters_and_verifies(console, clients):
    clients["auditor"].get(LAND_PATH)
    page = clients["auditor"].get("/reads?kind=case_page")
    assert page.status_code == 200
    assert 'id="verdict"' in page.text
    assert "阅览记录链完整" in page.text
    assert LAND in page.text
    assert console.reads()[-1].kind == "reads"
    bad = clients["auditor"].get("/reads?since=someday")
    assert bad.status_code == 400
    assert clients["auditor"].get("/reads?kind=nothing").status_code == 400


def test_the_reads_page_follows_the_setting(story_dir, tmp_path):
    found = Console(story_dir, tmp_path)
    found.settings = found.deps.settings = replace(
        found.settings, console_reads_visible_to="auditor,rule-of-law"
    )
    rol = found.client(found.user("rol", "rule-of-law", agency="rule-of-law-office"))
    assert rol.get("/reads").status_code == 200
    found.deps.close()


class BrokenLog:
    def record(self, read, *, at=None):  # noqa: ARG002
        raise ReadLogUnavailable("disk full")

    def close(self):
        return None


def test_a_read_log_that_cannot_be_written_refuses_the_page(story_dir, tmp_path):
    found = Console(story_dir, tmp_path, read_log=BrokenLog())
    client = found.client(found.user("aud", "auditor", agency="procuratorate"))
    for path in (LAND_PATH, LAND_PATH + "/events/1", "/cases?go=1"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert LAND_TITLE not in response.text
    found.deps.close()


def test_the_pdf_is_watermarked_with_the_reader(console, clients):
    pypdf = pytest.importorskip("pypdf")
    response = clients["auditor"].get(LAND_PATH + "/casefile.pdf")
    if response.status_code == 503:
        pytest.skip("WeasyPrint is not installed here")
    assert response.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.content)).pages)
    assert "aud" in text
    assert console.reads()[-1].kind == "case_pdf"


def test_case_path_quotes_the_number():
    assert case_path("a/案 1") == f"/cases/a/{quote('案 1', safe='')}"


def test_the_badge_shows_the_background_full_check_and_when_it_ran(console, clients):
    # Against the audit view: a unit test must not meet whatever broker answers on the
    # default port (its timeline is another run's).
    verifier = BackgroundVerifier(full_check(console.settings, anchor="view"), every_s=3600)
    verifier.run_once()
    assert verifier.last_error is None
    console.app.state.chain_verifier = verifier
    page = clients["auditor"].get(LAND_PATH)
    full = re.search(r'<p id="chain-full">(.*?)</p>', page.text, re.DOTALL)
    assert full
    assert "完整（" in full.group(1)
    assert "完整校验（存储与时间锚）于 " in full.group(1)


def test_the_pages_switch_to_english(clients):
    page = clients["auditor"].get(LAND_PATH + "?lang=en")
    assert "Hash chain" in page.text
    assert "Download the case file" in page.text
    search = clients["auditor"].get("/cases")  # the language is remembered in the session
    assert "Find a case" in search.text
