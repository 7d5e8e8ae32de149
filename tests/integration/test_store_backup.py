"""Backup, wipe, restore, on SQLite and PostgreSQL with the store encrypted: the demo story
runs through ``casehub serve`` on the real broker, then ``casehub audit verify --all`` and
``casehub audit reconcile`` give the same answers after ``casehub store restore`` as before
the store was wiped; reconcile names the difference while the store lacks what the timeline
carries, and when the store holds what the timeline lacks."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.cryptography import AESCipher

from devkit.testing import serve as t
from hub.cli import main
from hub.rules.clocks import TIMEZONE
from hub.settings import Settings

pytestmark = pytest.mark.kafka

STORY_CLOCK = t.fixed_clock(datetime(2026, 1, 5, 9, tzinfo=TIMEZONE))
#: A case title of the story: it must not be readable in the SQLite file.
TITLE = "某食品公司销售过期冷链食品案"
TABLES = ("casehub_events", "casehub_snapshots", "casehub_tracking", "casehub_store_key")


@contextmanager
def serving(settings: Settings, directory_file: Path) -> Iterator[Any]:
    """An in-process ``casehub serve`` over the configured store (either backend)."""
    from hub.bootstrap import open_pipeline as open_hub  # noqa: PLC0415
    from hub.serve.runner import ServeOptions, Server  # noqa: PLC0415

    with open_hub(settings, clock=STORY_CLOCK) as app:
        app.apply_directory_file(directory_file)
        server = Server(app, settings, ServeOptions(metrics_port=0))
        result: list[int] = []
        thread = threading.Thread(target=lambda: result.append(server.serve()), daemon=True)
        thread.start()
        try:
            yield server
        finally:
            server.stop.set()
            thread.join(timeout=60)
    assert result == [0], f"serve exited with {result}"


def drop_pg_tables(settings: Settings) -> None:
    import psycopg  # noqa: PLC0415

    with psycopg.connect(
        host=settings.postgres_host,
        port=settings.postgres_port,
        dbname=settings.postgres_dbname,
        user=settings.postgres_user,
        password=settings.postgres_password,
        autocommit=True,
    ) as conn:
        for table in TABLES:
            conn.execute(f"DROP TABLE IF EXISTS public.{table} CASCADE")


def wipe(settings: Settings) -> None:
    if settings.store == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{settings.sqlite_file}{suffix}").unlink(missing_ok=True)
    else:
        drop_pg_tables(settings)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def told(request, hub_settings, kafka_bootstrap, tmp_path_factory):
    """The story told through serve over an encrypted store; an online backup taken meanwhile."""
    backend = request.param
    tmp = tmp_path_factory.mktemp(f"backup-{backend}")
    key_file = tmp / "store.key"
    key_file.write_text(AESCipher.create_key(32) + "\n", encoding="utf-8")
    key_file.chmod(0o600)
    settings = hub_settings.with_overrides(
        kafka_bootstrap=kafka_bootstrap,
        data_dir=tmp,
        store=backend,
        sqlite_path=str(tmp / "hub.sqlite"),
        store_cipher_key_file=str(key_file),
    )
    t.reset_kafka(settings)
    wipe(settings)
    directory_file = t.write_directory_file(tmp / "directory.toml")
    commands = t.story_commands()
    online = tmp / f"online.{'sqlite' if backend == 'sqlite' else 'dump'}"
    with serving(settings, directory_file) as server:
        probe = t.StoreProbe(server.app)
        t.publish_in_order(server.settings, commands, probe.outcome_known)
        t.wait_until(lambda: probe.outcome_known(commands[-1][1].envelope.event_id), 60)
        t.wait_until(lambda: t.relay_caught_up(server.settings, server.app), 60, what="relay")
        with pytest.MonkeyPatch.context() as mp:  # `casehub store backup` while serve runs
            code, out = run(mp, None, settings, "store", "backup", str(online))
            assert code == 0, out
    yield settings, online
    wipe(settings)


def run(mp: pytest.MonkeyPatch, capsys: Any, settings: Settings, *args: str) -> tuple[int, str]:
    """``casehub ARGS`` as the operator runs it against this store and broker."""
    mp.setenv("CASEHUB_DATA_DIR", str(settings.data_dir))
    mp.setenv("CASEHUB_STORE", settings.store)
    mp.setenv("CASEHUB_SQLITE_PATH", str(settings.sqlite_file))
    mp.setenv("CASEHUB_POSTGRES_PORT", str(settings.postgres_port))
    mp.setenv("CASEHUB_KAFKA_BOOTSTRAP", ",".join(settings.bootstrap_servers))
    mp.setenv("CASEHUB_STORE_CIPHER_KEY_FILE", settings.store_cipher_key_file)
    mp.delenv("CASEHUB_STORE_CIPHER_KEY", raising=False)
    mp.delenv("CASEHUB_CONFIG", raising=False)
    if capsys is None:
        import contextlib  # noqa: PLC0415
        import io  # noqa: PLC0415

        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
            code = main(list(args))
        return code, buffer.getvalue()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out + err


def answers(mp: pytest.MonkeyPatch, capsys: Any, settings: Settings) -> dict[str, Any]:
    return {
        "verify": run(mp, capsys, settings, "audit", "verify", "--all"),
        "reconcile": run(mp, capsys, settings, "audit", "reconcile"),
    }


def test_backup_wipe_restore_gives_the_same_audit_answers(told, tmp_path, monkeypatch, capsys):
    settings, online = told
    before = answers(monkeypatch, capsys, settings)
    assert before["verify"][0] == 0, before["verify"][1]
    assert "broken" in before["verify"][1]  # the summary line: "N case(s) checked, 0 broken"
    assert before["reconcile"][0] == 0, before["reconcile"][1]
    assert "ok: the store and the timeline hold the same events" in before["reconcile"][1]

    code, out = run(monkeypatch, capsys, settings, "store", "status")
    assert code == 0, out
    assert "encryption at rest: on (AES-GCM" in out
    if settings.store == "sqlite":
        raw = settings.sqlite_file.read_bytes() + online.read_bytes()
        assert TITLE.encode() not in raw

    # the backup taken after serve stopped too; a restore over a live store needs --force
    offline = tmp_path / "offline.backup"
    code, out = run(monkeypatch, capsys, settings, "store", "backup", str(offline))
    assert code == 0, out
    assert "verified" in out
    code, out = run(monkeypatch, capsys, settings, "store", "restore", str(online))
    assert code == 2
    assert "pass --force" in out

    wipe(settings)
    code, out = run(monkeypatch, capsys, settings, "store", "restore", str(online))
    assert code == 0, out
    assert answers(monkeypatch, capsys, settings) == before

    # the store lacks an event the timeline carries: reconcile names it; a restore brings it back
    version = delete_last_case_event(settings)
    code, out = run(monkeypatch, capsys, settings, "audit", "reconcile")
    assert code == 1, out
    assert f"the store lacks version {version} that the timeline carries" in out
    assert "1 difference(s) between the store and the timeline" in out
    code, out = run(monkeypatch, capsys, settings, "store", "restore", "--force", str(offline))
    assert code == 0, out
    assert answers(monkeypatch, capsys, settings) == before

    # events the relay never published: reconcile names them too
    append_unpublished_case()
    code, out = run(monkeypatch, capsys, settings, "audit", "reconcile")
    assert code == 1, out
    assert "only in the store (1 event(s), head version 1); the timeline carries none" in out
    code, out = run(monkeypatch, capsys, settings, "store", "restore", "--force", str(offline))
    assert code == 0, out
    assert answers(monkeypatch, capsys, settings) == before


def test_a_restore_with_the_wrong_key_writes_nothing(told, tmp_path, monkeypatch, capsys):
    settings, online = told
    other = tmp_path / "other.key"
    other.write_text(AESCipher.create_key(32) + "\n", encoding="utf-8")
    other.chmod(0o600)
    wrong = settings.with_overrides(store_cipher_key_file=str(other))
    code, out = run(monkeypatch, capsys, wrong, "store", "restore", "--force", str(online))
    assert code == 2
    assert f"store_cipher_key_file ({other}) does not open the event store in the backup" in out
    code, out = run(monkeypatch, capsys, settings, "audit", "reconcile")
    assert code == 0, out


def append_unpublished_case() -> None:
    """Record a case straight into the store, bypassing Kafka (the relay is not running)."""
    from devkit.demo.story import MARKET_REGULATION  # noqa: PLC0415
    from hub.cases.application import CaseHub  # noqa: PLC0415
    from hub.cases.commands import Envelope, Inbound, Origin, RegisterCase  # noqa: PLC0415
    from hub.cases.store import store_env  # noqa: PLC0415
    from hub.cases.views import Accepted  # noqa: PLC0415
    from hub.settings import load_settings  # noqa: PLC0415
    from hub.vocabulary import CaseRef  # noqa: PLC0415

    current = load_settings()  # the environment `run` set
    app = CaseHub(store_env(current), settings=current, clock=STORY_CLOCK)
    try:
        from uuid import uuid4  # noqa: PLC0415

        command = RegisterCase(
            Envelope(uuid4(), MARKET_REGULATION, "mr-001", STORY_CLOCK()),
            CaseRef(MARKET_REGULATION, "UNPUBLISHED-1"),
            "unpublished",
            "food-safety",
            "recorded while the relay was down",
        )
        outcome = app.execute(Inbound(command, Origin("test", 0, 0), "f" * 64))
        assert isinstance(outcome, Accepted), outcome
    finally:
        app.close()


CASE_TOPIC = "hub.cases.domainmodel:Case.%"


def delete_last_case_event(settings: Settings) -> int:
    """Delete the store's last case event (as a lost write would); return its version."""
    if settings.store == "sqlite":
        import sqlite3  # noqa: PLC0415

        with sqlite3.connect(settings.sqlite_file) as conn:
            rowid, version = conn.execute(
                "SELECT rowid, originator_version FROM stored_events WHERE topic LIKE ? "
                "ORDER BY rowid DESC LIMIT 1",
                [CASE_TOPIC],
            ).fetchone()
            conn.execute("DELETE FROM stored_events WHERE rowid = ?", [rowid])
        return int(version)
    import psycopg  # noqa: PLC0415

    with psycopg.connect(
        host=settings.postgres_host,
        port=settings.postgres_port,
        dbname=settings.postgres_dbname,
        user=settings.postgres_user,
        password=settings.postgres_password,
        autocommit=True,
    ) as conn:
        row = conn.execute(
            "DELETE FROM public.casehub_events WHERE notification_id = (SELECT max(notification_id)"
            " FROM public.casehub_events WHERE topic LIKE %s) RETURNING originator_version",
            [CASE_TOPIC],
        ).fetchone()
    assert row is not None
    return int(row[0])
