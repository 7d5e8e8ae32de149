"""The demo's console accounts (devkit.demo.webconsole): made in the run's console store, each
with its own password and second factor, written to a file only its owner can read; the run's
settings handed to the console process as CASEHUB_* variables."""

from __future__ import annotations

import os
import stat

import pyotp
import pytest

from console.accounts import AccountError
from console.store import ConsoleStore
from console.wiring import accounts_for
from devkit.demo.webconsole import DEMO_ACCOUNTS, make_accounts, settings_env, write_accounts
from hub.settings import Settings, load_settings


def test_the_run_settings_reach_the_console_process_as_variables(tmp_path, monkeypatch):
    run = Settings().with_overrides(
        data_dir=tmp_path / "run",
        store="sqlite",
        sqlite_path=str(tmp_path / "run" / "hub.sqlite"),
        require_sealed_pii=True,
        key_store_path=str(tmp_path / "run" / "keys" / "keys.sqlite"),
    )
    env = settings_env(run)
    assert env["CASEHUB_DATA_DIR"] == str(tmp_path / "run")
    assert env["CASEHUB_REQUIRE_SEALED_PII"] == "true"
    assert "CASEHUB_CONSOLE_PORT" not in env  # a default stays unset
    for name in [n for n in os.environ if n.startswith("CASEHUB_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert load_settings() == run


def test_each_demo_account_logs_in_with_its_password_and_code(tmp_path):
    run = Settings(data_dir=tmp_path)
    made = make_accounts(run)
    assert [(a.name, a.agency, a.role) for a in made] == list(DEMO_ACCOUNTS)
    assert len({a.password for a in made}) == len(made)
    assert len({a.factor.secret for a in made}) == len(made)
    store = ConsoleStore.open(run.console_store_file)
    try:
        accounts = accounts_for(store, run)
        for a in made:
            code = pyotp.TOTP(a.factor.secret).now()
            assert accounts.authenticate(a.name, a.password, code).roles == (a.role,)
    finally:
        store.close()


def test_the_accounts_file_is_its_owners_alone(tmp_path):
    made = make_accounts(Settings(data_dir=tmp_path))
    path = tmp_path / "console-accounts.txt"
    path.write_text("an older file, world-readable", encoding="utf-8")
    path.chmod(0o644)
    write_accounts(path, "http://127.0.0.1:19480/", made)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text(encoding="utf-8")
    assert "address: http://127.0.0.1:19480/" in text
    for a in made:
        assert f"password: {a.password}" in text
        assert f"secret:   {a.factor.secret}" in text
    assert "pyotp.TOTP('SECRET').now()" in text


def test_accounts_are_never_made_twice_in_one_run_folder(tmp_path):
    make_accounts(Settings(data_dir=tmp_path))
    with pytest.raises(AccountError, match="account 'demo-auditor' exists already"):
        make_accounts(Settings(data_dir=tmp_path))
