"""``casehub console``: serve, up, down, accounts (docs/console.md)."""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from console.accounts import ROLES, Account, SecondFactor
from console.store import ConsoleStore
from console.wiring import accounts_for, known_agencies
from hub.errors import CaseHubError
from hub.settings import Settings

UP_TIMEOUT_S = 30.0


class ConsoleError(CaseHubError):
    code = "console"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "console", help="the web console: serve it, start/stop it, its accounts (docs/console.md)"
    )
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")
    verbs.required = True

    serve = verbs.add_parser("serve", help="serve the console (console_host:console_port)")
    _where(serve)
    serve.set_defaults(func=_serve)
    up = verbs.add_parser("up", help="start the console in the background; wait until it answers")
    _where(up)
    up.set_defaults(func=_up)
    down = verbs.add_parser("down", help="stop the console that `up` started")
    down.set_defaults(func=_down)

    accounts = verbs.add_parser("accounts", help="the console's accounts")
    acts = accounts.add_subparsers(dest="action", metavar="ACTION")
    acts.required = True
    add = acts.add_parser(
        "add", help="a new account; prints its second-factor secret once", allow_abbrev=False
    )
    add.add_argument("name")
    add.add_argument("--agency", required=True, help="the account's agency (directory id)")
    add.add_argument("--role", action="append", required=True, choices=ROLES, help="repeatable")
    _password_option(add)
    add.set_defaults(func=_add)
    listing = acts.add_parser("list", help="the accounts, their roles and state")
    listing.add_argument("--json", action="store_true", help="JSON lines for scripts")
    listing.set_defaults(func=_list)
    for action, text in (
        ("disable", "disable an account and end its sessions"),
        ("enable", "enable a disabled account"),
        ("unlock", "lift a lock-out after failed logins"),
        ("reset-totp", "a new second-factor secret (printed once); ends the sessions"),
    ):
        one = acts.add_parser(action, help=text)
        one.add_argument("name")
        one.set_defaults(func=_simple, action_name=action)
    reset = acts.add_parser(
        "reset-password", help="a new password; ends the sessions", allow_abbrev=False
    )
    reset.add_argument("name")
    _password_option(reset)
    reset.set_defaults(func=_reset_password)
    roles = acts.add_parser("set-roles", help="replace an account's roles")
    roles.add_argument("name")
    roles.add_argument("--role", action="append", required=True, choices=ROLES)
    roles.set_defaults(func=_set_roles)


def _where(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="default: console_host")
    parser.add_argument("--port", type=int, help="default: console_port")


def _password_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--password-file",
        type=Path,
        help="read the password from this file's first line (default: ask for it)",
    )


def _password(args: argparse.Namespace) -> str:
    if args.password_file is not None:
        try:
            lines = args.password_file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ConsoleError(
                f"cannot read the password file {args.password_file}: {exc}"
            ) from exc
        if not lines or not lines[0]:
            raise ConsoleError(f"the password file {args.password_file} is empty")
        return str(lines[0])
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise ConsoleError("the two passwords differ")
    return first


def _accounts(settings: Settings) -> tuple[ConsoleStore, Any]:
    store = ConsoleStore.open(settings.console_store_file)
    return store, accounts_for(store, settings)


def _print_factor(name: str, factor: SecondFactor) -> None:
    print(f"second factor of {name} (shown this once; enter it in an authenticator app):")
    print(f"  secret: {factor.secret}")
    print(f"  uri:    {factor.uri}")


def _add(args: argparse.Namespace, settings: Settings) -> int:
    password = _password(args)
    store, accounts = _accounts(settings)
    try:
        account, factor = accounts.add(
            args.name,
            agency=args.agency,
            roles=args.role,
            password=password,
            known_agencies=known_agencies(settings),
        )
    finally:
        store.close()
    print(f"account {account.name} ({account.agency}; {', '.join(account.roles)}) created")
    _print_factor(account.name, factor)
    return 0


def _list(args: argparse.Namespace, settings: Settings) -> int:
    store, accounts = _accounts(settings)
    try:
        found: list[Account] = accounts.all()
    finally:
        store.close()
    for account in found:
        state = "disabled" if account.disabled else "active"
        if account.locked_until is not None and account.locked_until > _now():
            state = f"locked until {account.locked_until.isoformat()}"
        if args.json:
            print(
                json.dumps(
                    {
                        "name": account.name,
                        "agency": account.agency,
                        "roles": list(account.roles),
                        "state": state,
                    },
                    ensure_ascii=False,
                )
            )
        else:
            print(f"{account.name}\t{account.agency}\t{','.join(account.roles)}\t{state}")
    if not found and not args.json:
        print("no accounts")
    return 0


def _now() -> Any:
    from console.accounts import utcnow  # noqa: PLC0415

    return utcnow()


def _simple(args: argparse.Namespace, settings: Settings) -> int:
    store, accounts = _accounts(settings)
    try:
        action = args.action_name
        if action == "reset-totp":
            _print_factor(args.name, accounts.reset_totp(args.name))
            return 0
        {"disable": accounts.disable, "enable": accounts.enable, "unlock": accounts.unlock}[action](
            args.name
        )
    finally:
        store.close()
    print(f"account {args.name}: {action} done")
    return 0


def _reset_password(args: argparse.Namespace, settings: Settings) -> int:
    password = _password(args)
    store, accounts = _accounts(settings)
    try:
        accounts.reset_password(args.name, password)
    finally:
        store.close()
    print(f"account {args.name}: new password set; its sessions ended")
    return 0


def _set_roles(args: argparse.Namespace, settings: Settings) -> int:
    store, accounts = _accounts(settings)
    try:
        accounts.set_roles(args.name, args.role, known_agencies(settings))
    finally:
        store.close()
    print(f"account {args.name}: roles {', '.join(dict.fromkeys(args.role))}")
    return 0


# --- serving ------------------------------------------------------------------------------------
def _bind(args: argparse.Namespace, settings: Settings) -> tuple[str, int]:
    return args.host or settings.console_host, args.port or settings.console_port


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn  # noqa: PLC0415

    from console.pages import console_app  # noqa: PLC0415
    from console.wiring import ConsoleDeps  # noqa: PLC0415

    host, port = _bind(args, settings)
    deps = ConsoleDeps.open(settings)
    try:
        print(f"console at http://{host}:{port}/", flush=True)
        uvicorn.run(
            console_app(deps),
            host=host,
            port=port,
            log_level="warning",
            # The peer address stays the proxy's: console_proxy_header is believed only from
            # console_trusted_proxies (set console_secure_cookie behind a TLS proxy).
            proxy_headers=False,
        )
    finally:
        deps.close()
    return 0


def _pid_file(settings: Settings) -> Path:
    return settings.data_dir / "console.pid"


def _log_file(settings: Settings) -> Path:
    return settings.data_dir / "console.log"


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _up(args: argparse.Namespace, settings: Settings) -> int:
    host, port = _bind(args, settings)
    pid, log = console_up(settings, host, port)
    print(f"console at http://{host}:{port}/ (pid {pid}, log {log})")
    return 0


def console_up(
    settings: Settings, host: str, port: int, *, env: Mapping[str, str] | None = None
) -> tuple[int, Path]:
    """Start ``casehub console serve`` in the background and wait until it answers; its pid and
    log file. The pid file and log are in ``settings.data_dir`` (where `down` looks); ``env``
    (``CASEHUB_*`` variables) is added to the server's environment, e.g. to serve another run's
    data (the demo)."""
    pid_file = _pid_file(settings)
    if pid_file.exists():
        pid = int(pid_file.read_text(encoding="utf-8").split()[0])
        if _running(pid):
            raise ConsoleError(f"the console runs already (pid {pid}; `casehub console down`)")
        pid_file.unlink()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    log = _log_file(settings)
    command = [
        sys.executable,
        "-m",
        "hub.cli",
        "console",
        "serve",
        "--host",
        host,
        "--port",
        str(port),
    ]
    with log.open("ab") as out:
        process = subprocess.Popen(
            command,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, **env} if env else None,
        )
    pid_file.write_text(f"{process.pid} {host} {port}\n", encoding="utf-8")
    url = f"http://{host}:{port}/healthz"
    deadline = time.monotonic() + UP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pid_file.unlink(missing_ok=True)
            raise ConsoleError(
                f"the console stopped at start (exit {process.returncode}); see {log}"
            )
        try:
            with urllib.request.urlopen(url, timeout=1) as reply:
                if reply.status == 200:
                    return process.pid, log
        except OSError:
            time.sleep(0.2)
    process.terminate()
    pid_file.unlink(missing_ok=True)
    raise ConsoleError(
        f"the console did not answer at {url} within {UP_TIMEOUT_S:.0f} s; see {log}"
    )


def _down(args: argparse.Namespace, settings: Settings) -> int:  # noqa: ARG001
    pid = console_down(settings)
    print("the console is not running" if pid is None else f"console stopped (pid {pid})")
    return 0


def console_down(settings: Settings) -> int | None:
    """Stop the console `up` started from ``settings.data_dir``; its pid, None if none ran."""
    pid_file = _pid_file(settings)
    if not pid_file.exists():
        return None
    pid = int(pid_file.read_text(encoding="utf-8").split()[0])
    if _running(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while _running(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
            _reap(pid)
        if _running(pid):
            os.kill(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)
    return pid


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
