"""The demo's last act: the web console on the run's data, in the background (like the broker).

Four demo accounts are made per run — an auditor (the procuratorate), the Rule-of-Law Office,
a market-regulation officer and an account administrator — each with a random password and its
own TOTP secret. They are written to ``<run>/console-accounts.txt`` (mode 0600) and never
printed: the terminal shows the console's address, that file's path, how to get a code and how
to stop the console (``casehub console down``). A console the demo started earlier (from the
same data directory) is stopped first: one demo console at a time, on ``console_port``.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, fields
from pathlib import Path

from console.accounts import ADMIN, AUDITOR, OFFICER, RULE_OF_LAW, SecondFactor
from console.cli import console_down, console_up
from console.store import ConsoleStore
from console.wiring import accounts_for
from devkit.demo.console import Console
from devkit.demo.story import PROCURATORATE, RULE_OF_LAW_OFFICE
from hub.errors import CaseHubError
from hub.settings import Settings

ACCOUNTS_FILE = "console-accounts.txt"
CODE_COMMAND = "python -c \"import pyotp; print(pyotp.TOTP('SECRET').now())\""
MARKET_REGULATION = "market-regulation"

#: (name, agency, role) of each demo account.
DEMO_ACCOUNTS: tuple[tuple[str, str, str], ...] = (
    ("demo-auditor", PROCURATORATE, AUDITOR),
    ("demo-office", RULE_OF_LAW_OFFICE, RULE_OF_LAW),
    ("demo-officer", MARKET_REGULATION, OFFICER),
    ("demo-admin", RULE_OF_LAW_OFFICE, ADMIN),
)


@dataclass(frozen=True)
class DemoAccount:
    name: str
    agency: str
    role: str
    password: str
    factor: SecondFactor


@dataclass(frozen=True)
class ConsoleRun:
    url: str
    pid: int
    accounts_file: Path
    accounts: tuple[DemoAccount, ...]


def settings_env(run: Settings) -> dict[str, str]:
    """The ``CASEHUB_*`` variables that make a process load ``run`` (every field that differs
    from the defaults)."""
    defaults = Settings()
    env: dict[str, str] = {}
    for f in fields(Settings):
        value = getattr(run, f.name)
        if value == getattr(defaults, f.name):
            continue
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        env[f"CASEHUB_{f.name.upper()}"] = text
    return env


def make_accounts(run: Settings) -> tuple[DemoAccount, ...]:
    """The run's demo accounts in its console store, each with a fresh password and secret."""
    store = ConsoleStore.open(run.console_store_file)
    try:
        accounts = accounts_for(store, run)
        made = []
        for name, agency, role in DEMO_ACCOUNTS:
            password = secrets.token_urlsafe(15)
            _, factor = accounts.add(name, agency=agency, roles=[role], password=password)
            made.append(DemoAccount(name, agency, role, password, factor))
        return tuple(made)
    finally:
        store.close()


def write_accounts(path: Path, url: str, accounts: tuple[DemoAccount, ...]) -> None:
    """The accounts file, readable by its owner alone (0600), created with that mode."""
    lines = [
        "CaseHub console · 演示账户 / demo accounts (this run only; keep this file private)",
        f"address: {url}",
        "",
        "A code (6 digits) for the second factor: add the secret to any authenticator app, or",
        f"  {CODE_COMMAND}",
        "",
    ]
    for a in accounts:
        lines += [
            f"account:  {a.name}",
            f"role:     {a.role}",
            f"agency:   {a.agency}",
            f"password: {a.password}",
            f"secret:   {a.factor.secret}",
            f"uri:      {a.factor.uri}",
            "",
        ]
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("\n".join(lines))
    path.chmod(0o600)  # whatever the umask


def start_console(base: Settings, run: Settings, console: Console) -> ConsoleRun | None:
    """Accounts, then ``casehub console up`` over the run; None (and why, on the terminal) when
    it cannot start — the story is told either way."""
    console.heading("console_heading")
    try:
        stopped = console_down(base)
        if stopped is not None:
            console.say("console_stopped", pid=stopped)
        accounts = make_accounts(run)
        host, port = base.console_host, base.console_port
        url = f"http://{host}:{port}/"
        accounts_file = run.data_dir / ACCOUNTS_FILE
        write_accounts(accounts_file, url, accounts)
        pid, log = console_up(base, host, port, env=settings_env(run))
    except (CaseHubError, OSError) as exc:
        console.say("console_failed", error=exc)
        return None
    console.say("console_at", url=url, pid=pid, log=log)
    console.say("console_accounts", accounts=", ".join(f"{a.name} ({a.role})" for a in accounts))
    console.say("console_file", file=accounts_file)
    console.say("console_code", command=CODE_COMMAND)
    console.say("console_left")
    return ConsoleRun(url, pid, accounts_file, accounts)
