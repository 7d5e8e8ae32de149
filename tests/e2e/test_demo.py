"""``casehub demo`` as a user runs it: the story end to end through Kafka, twice in a row."""

from __future__ import annotations

import os
import re
import socket
import stat
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pyotp
import pytest
from pypdf import PdfReader

from demo_output import assert_the_missed_reply_is_on_the_board
from devkit.demo.story import (
    APPLICANT,
    CONFIDENTIAL_CASE,
    CONFIDENTIAL_MARKER,
    JUSTICE_BUREAU,
    PERSONAL_DATA,
    PROCURATORATE,
    RULE_OF_LAW_OFFICE,
    THIRD_PARTY,
    Step,
    Tick,
    demo_story,
)
from devkit.testing.serve import read_topic
from hub.ids import case_id_for
from hub.settings import PROJECT_ROOT
from hub.topics import TIMELINE, feed_topic

pytestmark = pytest.mark.kafka


def _demo(
    bootstrap: str, run_dir: Path, console_env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env |= {"CASEHUB_KAFKA_BOOTSTRAP": bootstrap, "PYTHONUNBUFFERED": "1", **console_env}
    env.pop("CASEHUB_SQLITE_PATH", None)
    env.pop("CASEHUB_STORE", None)
    return subprocess.run(
        [sys.executable, "-m", "hub.cli", "demo", "--data-dir", str(run_dir)],
        capture_output=True,
        text=True,
        env=env,
        cwd=PROJECT_ROOT,
        timeout=300,
        check=False,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def console_env(tmp_path_factory):
    """Where the demo's console keeps its pid file (a data directory of its own) and its port;
    the console the demo leaves running is stopped at the end, as a user would."""
    env = {
        "CASEHUB_DATA_DIR": str(tmp_path_factory.mktemp("console-home")),
        "CASEHUB_CONSOLE_PORT": str(_free_port()),
    }
    yield env
    subprocess.run(
        [sys.executable, "-m", "hub.cli", "console", "down"],
        env=dict(os.environ) | env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def runs(kafka_bootstrap, tmp_path_factory, console_env):
    """Two demo runs in a row against the session broker, each in a fresh folder."""
    base = tmp_path_factory.mktemp("demo")
    return [_demo(kafka_bootstrap, base / f"run-{n}", console_env) for n in (1, 2)]


def _section(output: str, title: str) -> str:
    start = output.index(title)
    end = output.find("\n== ", start + len(title))
    return output[start : end if end != -1 else None]


def test_both_runs_exit_0(runs):
    """A second run right after the first works too: each run reads only its own records."""
    for run in runs:
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]


def test_the_hubs_log_lines_go_to_the_run_folder_not_into_the_story(runs):
    """The story is the output: the warning the deliberate refusal logs (``event_rejected``)
    is in the run folder's ``hub.log``, named on the demo's first lines, not on the terminal."""
    for run in runs:
        log_path = Path(re.search(r"the hub's log: (\S+)", run.stdout).group(1))
        assert log_path.parent.name.startswith("run-"), log_path
        assert '"event": "event_rejected"' in log_path.read_text(encoding="utf-8")
        assert "event_rejected" not in run.stdout + run.stderr


def test_the_first_line_names_the_run_folder(runs):
    """The first line says where this run's data and reports are."""
    for n, run in enumerate(runs, start=1):
        first = run.stdout.splitlines()[0]
        assert "run folder" in first
        assert first.rstrip().endswith(f"run-{n}")


def test_every_step_is_recorded_but_the_one_deliberate_refusal(runs):
    """As many steps recorded, refused (with the story's reason) and ticks run as the story
    holds; ``tests/integration/test_demo_secure.py`` asks the same of ``--secure``."""
    steps = demo_story()
    accepted = sum(1 for s in steps if isinstance(s, Step) and not s.refused)
    refused = [s.refused for s in steps if isinstance(s, Step) and s.refused]
    for run in runs:
        lines = [ln for ln in run.stdout.splitlines() if re.match(r"\[\s*\d+/\d+\] ", ln)]
        assert len(lines) == len(steps)
        assert sum("✓" in ln for ln in lines) == accepted
        assert [re.search(r"✗ .*\): (\w+):", ln).group(1) for ln in lines if "✗" in ln] == refused
        assert sum("⏰" in ln for ln in lines) == sum(1 for s in steps if isinstance(s, Tick))


def test_the_missed_reply_deadline_of_jj_2026_02_is_named(runs):
    """The scheduler's tick records the Natural Resources Bureau's missed reply, and says so."""
    for run in runs:
        assert re.search(r"missed: written reply to a recommendation JJ-2026-02", run.stdout)
        assert "记录逾期：检察建议书面回复 JJ-2026-02" in run.stdout
        deadlines = _section(run.stdout, "Open and missed deadlines")
        assert_the_missed_reply_is_on_the_board(deadlines)


def test_the_ranking_puts_market_regulation_above_natural_resources(runs):
    """The year-end assessment ranks the on-time organ above the one that missed its deadline."""
    for run in runs:
        ranking = _section(run.stdout, "Annual assessment 2026: ranking")
        assert ranking.index("(market-regulation)") < ranking.index("(natural-resources)")


def test_the_chain_verification_passed(runs):
    """Every case's hash chain verifies, against the heads the timeline published."""
    for run in runs:
        assert "chain verification passed: 3 case(s) checked, 0 broken" in run.stdout
        assert "BROKEN" not in run.stdout


def test_the_html_reports_it_names_exist(runs):
    """The assessment reports (zh, en) hold the scorecard; the case exports exist."""
    for run in runs:
        paths = [Path(p) for p in re.findall(r": (/\S+\.html)$", run.stdout, re.MULTILINE)]
        assessment = [p for p in paths if p.name.startswith("assessment-")]
        exports = [p for p in paths if p.name.startswith("case-")]
        assert len(assessment) == 2
        assert len(exports) == 6
        for path in paths:
            assert path.is_file(), path
        text = {p.name: p.read_text(encoding="utf-8") for p in assessment}
        assert "考核排名" in text["assessment-2026.zh.html"]
        assert "Ranked scorecard" in text["assessment-2026.en.html"]
        for name, html in text.items():
            assert "market-regulation" in html or "市场监督管理局" in html, name


def test_the_land_cases_printable_case_file_is_a_pdf_with_its_chinese_title(runs):
    """The run names a PDF case file of the land case; its Chinese title reads back as text and
    its classification is on every page."""
    for run in runs:
        (pdf,) = re.findall(r": (/\S+\.pdf)$", run.stdout, re.MULTILINE)
        pages = PdfReader(pdf).pages
        assert len(pages) >= 2
        assert "某村民占用耕地建房案" in pages[0].extract_text()
        assert all("密级" in page.extract_text() for page in pages)


def test_the_broker_is_left_running_and_the_way_to_stop_it_is_said(runs):
    """The last line says the broker still runs and how to stop it."""
    for run in runs:
        assert "casehub broker down" in run.stdout.strip().splitlines()[-1]


# --- the web console (issue #17) --------------------------------------------------------------
def _console_lines(run: subprocess.CompletedProcess[str]) -> str:
    return _section(run.stdout, "Web console ==")


def _accounts(text: str) -> dict[str, tuple[str, str]]:
    """account -> (password, TOTP secret), from the accounts file."""
    found = re.findall(
        r"account:  (\S+)\nrole: .*\nagency: .*\npassword: (\S+)\nsecret:   (\S+)", text
    )
    return {name: (password, secret) for name, password, secret in found}


def _log_in(url: str, name: str, password: str, secret: str) -> urllib.request.OpenerDirector:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    with opener.open(url + "login", timeout=10) as page:
        token = re.search(r'name="login_csrf" value="([^"]+)"', page.read().decode()).group(1)
    form = {
        "login_csrf": token,
        "name": name,
        "password": password,
        "code": pyotp.TOTP(secret).now(),
        "next": "/",
    }
    with opener.open(url + "login", urllib.parse.urlencode(form).encode(), timeout=10) as landed:
        assert landed.url == url, f"{name} did not land on the console's home page"
    return opener


def test_the_demo_leaves_the_console_running_on_the_last_run(runs, console_env):
    """The demo ends (the console runs in the background), says where the console is, where
    the accounts are and how to stop it; the second run's console replaced the first's."""
    port = console_env["CASEHUB_CONSOLE_PORT"]
    for run in runs:
        lines = _console_lines(run)
        assert f"http://127.0.0.1:{port}/" in lines
        assert "casehub console down" in lines
        assert "pyotp.TOTP('SECRET').now()" in lines
    assert "stopped the earlier demo console" in _console_lines(runs[1])
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as reply:
        assert reply.read() == b"ok"


def test_the_accounts_file_is_0600_and_its_accounts_log_in(runs, console_env):
    """Each run's accounts file is its owner's alone and names four accounts; their passwords
    are never on the terminal; the last run's accounts log in with password and TOTP code, and
    the Rule-of-Law Office sees the year's ranking."""
    port = console_env["CASEHUB_CONSOLE_PORT"]
    url = f"http://127.0.0.1:{port}/"
    for run in runs:
        path = Path(re.search(r"\(readable by you alone, 0600\): (\S+)", run.stdout).group(1))
        assert path.parent == _run_dir(run)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        accounts = _accounts(path.read_text(encoding="utf-8"))
        assert sorted(accounts) == ["demo-admin", "demo-auditor", "demo-office", "demo-officer"]
        for password, secret in accounts.values():
            assert password not in run.stdout + run.stderr
            assert secret not in run.stdout + run.stderr
    accounts = _accounts(path.read_text(encoding="utf-8"))
    office = _log_in(url, "demo-office", *accounts["demo-office"])
    with office.open(url + "office/assessment?year=2026", timeout=30) as page:
        text = page.read().decode()
    assert text.index("market-regulation") < text.index("natural-resources")
    officer = _log_in(url, "demo-officer", *accounts["demo-officer"])
    with pytest.raises(urllib.error.HTTPError) as refused:
        officer.open(url + "office/assessment?year=2026", timeout=30)
    assert refused.value.code == 403


# --- data protection (issue #10) ---------------------------------------------------------------
def _run_dir(run: subprocess.CompletedProcess[str]) -> Path:
    return Path(run.stdout.splitlines()[0].rsplit(": ", 1)[1].strip())


def test_each_run_creates_its_keys_and_shows_no_key_material(runs):
    """Each run makes its sealing key pair, store key and key store in its own folder and
    says so (a key id at most): the keys' own bytes are printed nowhere."""
    for run in runs:
        run_dir = _run_dir(run)
        keys = run_dir / "keys"
        assert "created the hub's sealing key pair" in run.stdout
        assert f"event store encrypted at rest (AES-GCM): key file {keys / 'store.key'}" in (
            run.stdout
        )
        assert f"key store apart from the store: {keys / 'keystore.json'}" in run.stdout
        assert "procuratorate, market-regulation cleared for CONFIDENTIAL" in run.stdout
        for secret in ("hub-sealing.key", "store.key"):
            assert (keys / secret).stat().st_mode & 0o077 == 0, secret
        store_key = (keys / "store.key").read_text().strip()
        private = (keys / "hub-sealing.key").read_text()
        body = "".join(private.splitlines()[1:-1])
        printed = run.stdout + run.stderr
        assert store_key not in printed
        assert body not in printed
        assert (keys / "keystore.json").is_file()


def test_the_confidential_case_is_masked_on_the_feeds_of_those_not_entitled(runs):
    """The run says the cleared participant's feed carries the confidential content and the
    others only its masked form."""
    for run in runs:
        section = _section(run.stdout, "Data protection")
        assert re.search(
            r"\(procuratorate\) \(participant, cleared for CONFIDENTIAL\): [1-9]\d* record\(s\), "
            r"none masked, the content readable",
            section,
        )
        for agency in (JUSTICE_BUREAU, RULE_OF_LAW_OFFICE):
            assert re.search(rf"\({agency}\) \(.*\): [1-9]\d* record\(s\), all masked", section)


def test_the_raw_feeds_on_kafka_hold_the_confidential_content_only_where_entitled(
    runs, hub_settings, kafka_bootstrap
):
    """Read independently after the last run: the confidential text is on the timeline and
    the procuratorate's feed, and on neither the Justice Bureau's nor the Rule-of-Law
    Office's, whose records of the case say ``"masked":true``."""
    assert runs[-1].returncode == 0
    settings = hub_settings.with_overrides(kafka_bootstrap=kafka_bootstrap)
    key = str(case_id_for(CONFIDENTIAL_CASE.owning_agency, CONFIDENTIAL_CASE.case_number))
    marker = CONFIDENTIAL_MARKER.encode()

    def values(topic: str) -> list[bytes]:
        return [r.value for r in read_topic(settings, topic) if r.key == key.encode()]

    assert any(marker in v for v in values(TIMELINE))
    assert any(marker in v for v in values(feed_topic(PROCURATORATE)))
    for agency in (JUSTICE_BUREAU, RULE_OF_LAW_OFFICE):
        found = values(feed_topic(agency))
        assert found, agency
        assert all(marker not in v and b'"masked":true' in v for v in found), agency


def test_the_erased_party_reads_erased_and_the_chains_still_verify(runs):
    """The applicant's erasure is recorded; after it the auditor's history and the HTML
    exports say [erased] where their name and ID number were, the third party still reads,
    and the chains verify."""
    for run in runs:
        assert "erased the personal data of party p-" in run.stdout
        assert "PersonalDataErased recorded in case:natural-resources/" in run.stdout
        section = _section(run.stdout, "Data protection")
        after = next(ln for ln in section.splitlines() if "after the erasure:" in ln)
        assert "[erased] (applicant, [erased])" in after
        assert APPLICANT.name not in after
        assert THIRD_PARTY.name in after
        assert "after the erasure the chains still verify (audit verify --all): 3 case(s)" in (
            section
        )
        for export in _run_dir(run).glob("case-natural-resources-*.html"):
            html = export.read_text(encoding="utf-8")
            assert "[erased]" in html, export
            assert APPLICANT.id_number not in html
            assert APPLICANT.name.partition(" (")[0] not in html
            assert THIRD_PARTY.name.partition(" (")[0] in html


def test_no_personal_data_in_plaintext_in_the_store_or_on_kafka(
    runs, hub_settings, kafka_bootstrap
):
    """The run reports the store file and every Kafka record free of the story's names and
    ID numbers; checked again here on the last run's store file and raw timeline records."""
    for run in runs:
        assert re.search(
            r"no personal data in plaintext \(20 fictional names / ID numbers searched\): "
            r"store file ✓, views file ✓, [1-9]\d* Kafka records ✓",
            run.stdout,
        )
    store = b"".join(p.read_bytes() for p in _run_dir(runs[-1]).glob("hub.sqlite*"))
    settings = hub_settings.with_overrides(kafka_bootstrap=kafka_bootstrap)
    timeline = b"".join(r.value for r in read_topic(settings, TIMELINE))
    assert timeline
    for value in PERSONAL_DATA:
        assert value.encode() not in store
        assert value.encode() not in timeline


def test_the_explore_line_opens_the_encrypted_store(runs, kafka_bootstrap):
    """With the settings the run suggests, `audit verify --all` passes on its encrypted store
    (after the erasure) against the timeline, and `store status` says it is encrypted at rest
    and finds a problem without the key."""
    run = runs[-1]
    run_dir = _run_dir(run)
    env = dict(os.environ)
    env |= {
        "CASEHUB_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "CASEHUB_DATA_DIR": str(run_dir),
        "CASEHUB_STORE_CIPHER_KEY_FILE": str(run_dir / "keys" / "store.key"),
    }
    for name in ("CASEHUB_SQLITE_PATH", "CASEHUB_STORE", "CASEHUB_STORE_CIPHER_KEY"):
        env.pop(name, None)

    def casehub(*argv: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "hub.cli", *argv],
            capture_output=True,
            text=True,
            env=env | extra,
            cwd=PROJECT_ROOT,
            timeout=120,
            check=False,
        )

    verify = casehub("audit", "verify", "--all")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "3 case(s) checked, 0 broken" in verify.stdout
    status = casehub("store", "status")
    assert status.returncode == 0, status.stderr
    assert "encryption at rest: on" in status.stdout
    refused = casehub("store", "status", CASEHUB_STORE_CIPHER_KEY_FILE="")
    assert refused.returncode != 0
    assert "is encrypted" in refused.stdout + refused.stderr
