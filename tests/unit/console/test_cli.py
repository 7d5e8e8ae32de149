"""`casehub console …`: the account verbs through hub.cli.main, up/down as a real process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.request

import pyotp
import pytest

from console.accounts import Accounts
from console.store import ConsoleStore
from hub.cli import main


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("CASEHUB_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CASEHUB_CONFIG", raising=False)
    password = tmp_path / "pw"
    password.write_text("a long enough password\n")
    return tmp_path, password


def test_add_prints_the_second_factor_once_and_list_shows_the_account(env, capsys):
    data_dir, password = env
    code = main(
        [
            "console",
            "accounts",
            "add",
            "li.wei",
            "--agency",
            "city-procuratorate",
            "--role",
            "auditor",
            "--role",
            "rule-of-law",
            "--password-file",
            str(password),
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "otpauth://totp/CaseHub:li.wei?secret=" in out
    secret = out.split("secret: ")[1].split()[0]
    assert main(["console", "accounts", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed == {
        "name": "li.wei",
        "agency": "city-procuratorate",
        "roles": ["auditor", "rule-of-law"],
        "state": "active",
    }
    assert secret not in json.dumps(listed)
    accounts = Accounts(ConsoleStore.open(data_dir / "console.sqlite"))
    assert accounts.authenticate("li.wei", "a long enough password", pyotp.TOTP(secret).now())


def test_the_account_verbs(env, capsys):
    _, password = env
    main(
        [
            "console",
            "accounts",
            "add",
            "li.wei",
            "--agency",
            "a",
            "--role",
            "auditor",
            "--password-file",
            str(password),
        ]
    )
    for verb in ("disable", "enable", "unlock"):
        assert main(["console", "accounts", verb, "li.wei"]) == 0
    assert main(["console", "accounts", "set-roles", "li.wei", "--role", "admin"]) == 0
    assert (
        main(["console", "accounts", "reset-password", "li.wei", "--password-file", str(password)])
        == 0
    )
    assert main(["console", "accounts", "reset-totp", "li.wei"]) == 0
    out = capsys.readouterr().out
    assert "otpauth://" in out.split("reset-totp")[-1] or out.count("otpauth://") == 2
    main(["console", "accounts", "disable", "li.wei"])
    capsys.readouterr()
    main(["console", "accounts", "list"])
    assert "li.wei\ta\tadmin\tdisabled" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["console", "accounts", "disable", "nobody"], "no account 'nobody'"),
        (
            ["console", "accounts", "add", "Bad Name", "--agency", "a", "--role", "auditor"],
            "bad account name",
        ),
    ],
)
def test_bad_input_is_a_clear_error(env, capsys, argv, message):
    _, password = env
    if argv[2] == "add":
        argv = [*argv, "--password-file", str(password)]
    assert main(argv) != 0
    assert message in capsys.readouterr().err


@pytest.mark.usefixtures("env")
def test_a_short_or_missing_password_file_is_refused(capsys, tmp_path):
    short = tmp_path / "short"
    short.write_text("short\n")
    argv = ["console", "accounts", "add", "li.wei", "--agency", "a", "--role", "auditor"]
    assert main([*argv, "--password-file", str(short)]) != 0
    assert "at least 12 characters" in capsys.readouterr().err
    assert main([*argv, "--password-file", str(tmp_path / "none")]) != 0
    assert "cannot read the password file" in capsys.readouterr().err


@pytest.mark.usefixtures("env")
def test_no_password_on_the_command_line(capsys):
    with pytest.raises(SystemExit) as exited:
        main(
            [
                "console",
                "accounts",
                "add",
                "li.wei",
                "--agency",
                "a",
                "--role",
                "auditor",
                "--password",
                "secret secret",
            ]
        )
    assert exited.value.code == 2
    assert "unrecognized arguments: --password" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_up_answers_and_down_stops_it(tmp_path):
    port = _free_port()
    env = {**os.environ, "CASEHUB_DATA_DIR": str(tmp_path), "CASEHUB_CONSOLE_PORT": str(port)}
    env.pop("CASEHUB_CONFIG", None)
    cli = [sys.executable, "-m", "hub.cli", "console"]
    up = subprocess.run(
        [*cli, "up"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    try:
        assert up.returncode == 0, up.stderr
        assert (tmp_path / "console.pid").exists()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login") as reply:
            assert reply.status == 200
            assert "default-src 'self'" in reply.headers["content-security-policy"]
        again = subprocess.run(
            [*cli, "up"], env=env, capture_output=True, text=True, timeout=60, check=False
        )
        assert again.returncode != 0
        assert "runs already" in again.stderr
    finally:
        down = subprocess.run(
            [*cli, "down"], env=env, capture_output=True, text=True, timeout=60, check=False
        )
    assert down.returncode == 0, down.stderr
    assert not (tmp_path / "console.pid").exists()
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2)
