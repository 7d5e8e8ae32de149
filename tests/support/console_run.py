"""A real demo run (through the test broker) whose console the demo leaves running: the browser
journeys' ground (tests/e2e/test_console_*.py).

``demo_run`` runs ``casehub demo --lang en`` once, yields a :class:`DemoRun` (the console's URL,
the run folder, the accounts file's accounts and the env that makes ``casehub console …``
commands act on the same console store) and stops the console at the end.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from devkit.demo.protection import (
    CLEARANCE_FILE,
    KEY_STORE_FILE,
    KEYS_DIR,
    STORE_KEY_FILE,
    ProtectionSetup,
)
from devkit.demo.webconsole import ACCOUNTS_FILE, settings_env
from hub.privacy.sealing import default_key_paths
from hub.settings import PROJECT_ROOT, load_settings

_ACCOUNT = re.compile(
    r"account:  (\S+)\nrole:\s+(\S+)\nagency:\s+(\S+)\npassword: (\S+)\nsecret:   (\S+)"
)


@dataclass(frozen=True)
class RunAccount:
    name: str
    role: str
    agency: str
    password: str
    secret: str


@dataclass(frozen=True)
class DemoRun:
    url: str
    run_dir: Path
    accounts: dict[str, RunAccount]
    #: The environment of the demo's console (the run's settings as CASEHUB_* variables).
    env: dict[str, str]

    def cli(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """``casehub <args>`` against the run's settings (its console store, its read log)."""
        return subprocess.run(
            [sys.executable, "-m", "hub.cli", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env,
            cwd=PROJECT_ROOT,
            timeout=120,
            check=False,
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_env(base_env: dict[str, str], run_dir: Path) -> dict[str, str]:
    """``base_env`` plus the run's settings as the demo passes them to ``console up``
    (devkit.demo.webconsole.settings_env over the demo's run settings)."""
    private, public = default_key_paths(run_dir)
    protection = ProtectionSetup(
        private,
        public,
        "",
        run_dir / KEYS_DIR / STORE_KEY_FILE,
        "",
        run_dir / KEYS_DIR / KEY_STORE_FILE,
        run_dir / CLEARANCE_FILE,
    )
    settings = load_settings().with_overrides(
        data_dir=run_dir,
        store="sqlite",
        sqlite_path=str(run_dir / "hub.sqlite"),
        **protection.overrides(),
    )
    # load_settings reads os.environ: the base's own variables win where the run says nothing.
    return {**base_env, **settings_env(settings)}


@contextmanager
def demo_run(kafka_bootstrap: str, base: Path) -> Iterator[DemoRun]:
    """``casehub demo --lang en`` in ``base``/run, its console in the background; stopped at
    the end."""
    env = dict(os.environ)
    env |= {
        "CASEHUB_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "CASEHUB_DATA_DIR": str(base / "home"),
        "CASEHUB_CONSOLE_PORT": str(free_port()),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("CASEHUB_SQLITE_PATH", None)
    env.pop("CASEHUB_STORE", None)
    run_dir = base / "run"
    done = subprocess.run(
        [sys.executable, "-m", "hub.cli", "demo", "--lang", "en", "--data-dir", str(run_dir)],
        capture_output=True,
        text=True,
        env=env,
        cwd=PROJECT_ROOT,
        timeout=300,
        check=False,
    )
    try:
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        found_url = re.search(r"the console: (http://\S+/) ", done.stdout)
        assert found_url is not None, done.stdout[-3000:]
        text = (run_dir / ACCOUNTS_FILE).read_text(encoding="utf-8")
        accounts = {m.group(1): RunAccount(*m.groups()) for m in _ACCOUNT.finditer(text)}
        assert {"demo-auditor", "demo-office", "demo-officer"} <= accounts.keys(), text
        yield DemoRun(found_url.group(1), run_dir, accounts, run_env(env, run_dir))
    finally:
        subprocess.run(
            [sys.executable, "-m", "hub.cli", "console", "down"],
            env=env,
            cwd=PROJECT_ROOT,
            capture_output=True,
            timeout=60,
            check=False,
        )
