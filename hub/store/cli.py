"""``casehub store status | keygen | backup | restore | rotate-key``: the operator's store tools.

Stop ``casehub serve`` and the consumers before ``restore`` and ``rotate-key``; ``backup`` may
run while they work. docs/operations.md ("Backup, restore, store keys") walks through each.
``backup`` also copies the console's read log and account store, when present, beside the
backup (``PATH.console-reads.sqlite``, ``PATH.console.sqlite``); ``restore`` puts them back.
"""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hub.errors import SetupError
from hub.settings import Settings

if TYPE_CHECKING:
    from hub.store.keys import Held


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "store", help="the event store: status, keys, backup, restore, key rotation"
    )
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")
    verbs.required = True

    status = verbs.add_parser("status", help="backend, encryption at rest, what the store holds")
    status.set_defaults(func=_status)

    keygen = verbs.add_parser("keygen", help="make a new AES-256 store key (base64)")
    keygen.add_argument("--out", type=Path, help="write it to this new file (mode 0600)")
    keygen.set_defaults(func=_keygen)

    backup = verbs.add_parser("backup", help="copy the store to PATH (serve may keep running)")
    backup.add_argument("path", metavar="PATH", type=Path)
    backup.set_defaults(func=_backup)

    restore = verbs.add_parser("restore", help="replace the store with the backup at PATH")
    restore.add_argument("path", metavar="PATH", type=Path)
    restore.add_argument(
        "--force", action="store_true", help="replace a store that already holds events"
    )
    restore.set_defaults(func=_restore)

    rotate = verbs.add_parser(
        "rotate-key", help="re-seal every stored event under a new key (serve stopped)"
    )
    new = rotate.add_mutually_exclusive_group(required=True)
    new.add_argument("--new-key-file", type=Path, help="the new key (from `store keygen --out`)")
    new.add_argument(
        "--decrypt", action="store_true", help="store the events unencrypted from now on"
    )
    rotate.add_argument(
        "--keep",
        type=Path,
        help="where to keep the store as it was, under the old key "
        "(default: <data_dir>/backups/pre-rotation-<time>)",
    )
    rotate.set_defaults(func=_rotate)


def _suffix(settings: Settings) -> str:
    return ".sqlite" if settings.store == "sqlite" else ".dump"


#: The console's own SQLite files (issue #17), kept beside the event store's backup as
#: ``<PATH>.console-reads.sqlite`` and ``<PATH>.console.sqlite``. This module may not import
#: the console, so the files are found by path: the settings when they name them, else the
#: console's defaults in the data dir.
_CONSOLE_FILES = (
    ("the console's read log", "console_reads_path", "console-reads.sqlite"),
    ("the console's accounts and sessions", "console_store_path", "console.sqlite"),
)


def _console_files(settings: Settings) -> list[tuple[str, Path, str]]:
    """(what it is, where it lives, the suffix of its copy beside a backup) per console file."""
    found = []
    for label, setting, default in _CONSOLE_FILES:
        configured = str(getattr(settings, setting, "") or "")
        live = Path(configured) if configured else Path(settings.data_dir) / default
        found.append((label, live, "." + default))
    return found


def _beside(backup: Path, suffix: str) -> Path:
    return backup.with_name(backup.name + suffix)


def _rows(path: Path) -> int:
    """Rows in every table of an SQLite file (read-only)."""
    import sqlite3  # noqa: PLC0415
    from contextlib import closing  # noqa: PLC0415

    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
            return _count_rows(conn)
    except sqlite3.Error as exc:
        raise SetupError(f"cannot read the SQLite file {path}: {exc}") from None


def _count_rows(conn: Any) -> int:
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return sum(
        int(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0])  # noqa: S608
        for t in tables
    )


def _copy_sqlite(source: Path, target: Path) -> int:
    """A consistent copy through SQLite's online backup API (the source may be in use);
    checked (integrity and row counts) before it replaces ``target``. Returns the rows."""
    import sqlite3  # noqa: PLC0415
    from contextlib import closing  # noqa: PLC0415

    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(partial)) as dst:
            src.backup(dst)
            ok = dst.execute("PRAGMA integrity_check").fetchone()[0]
            if ok != "ok":
                raise SetupError(f"the copy of {source} fails SQLite's integrity check: {ok}")
            rows = _count_rows(dst)
        partial.chmod(0o600)  # it holds who read what
        for suffix in ("-wal", "-shm"):  # a stale journal must not replay over the copy
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        partial.replace(target)
    except sqlite3.Error as exc:
        raise SetupError(f"cannot copy {source} to {target}: {exc}") from None
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{partial}{suffix}").unlink(missing_ok=True)
    return rows


def _check_backend(settings: Settings) -> None:
    if settings.store not in ("sqlite", "postgres"):
        raise SetupError(f"unknown store {settings.store!r}: expected sqlite or postgres")


def _status(args: argparse.Namespace, settings: Settings) -> int:  # noqa: ARG001
    from hub.store.keys import StoreKeyError, fit, store_key, where  # noqa: PLC0415

    _check_backend(settings)
    key = store_key(settings)
    print(f"store: {settings.store} {where(settings)}")
    if key is None:
        print(
            "encryption at rest: off (stored events are plaintext; "
            "set store_cipher_key_file to turn it on)"
        )
    else:
        print(f"encryption at rest: on (AES-GCM, key id {key.key_id}, from {key.source})")
    counts, held = _live(settings)
    print(f"holds: {counts.line()}")
    if key is not None and held.key_check is None and held.samples:
        print("key check: none stored yet (written at the next start with the right key)")
    try:
        fit(held, key, where(settings))
    except StoreKeyError as exc:
        print(f"PROBLEM: {exc}")
        return 1
    return 0


def _live(settings: Settings) -> tuple[Any, Held]:
    """The store's counts, and what it holds to check a key with."""
    from hub.store import postgres_store, sqlite_store  # noqa: PLC0415
    from hub.store.keys import Held, first_sqlite_held  # noqa: PLC0415

    if settings.store == "sqlite":
        path = settings.sqlite_file
        if not path.exists():
            return sqlite_store.Counts(0, 0, 0, 0), Held()
        import sqlite3  # noqa: PLC0415
        from contextlib import closing  # noqa: PLC0415

        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
            found = sqlite_store.counts(conn)
        return found, first_sqlite_held(path)
    from hub.store.keys import postgres_held  # noqa: PLC0415

    with postgres_store._connect(settings) as conn:  # noqa: SLF001 - same package
        return postgres_store.live_counts(conn), postgres_held(conn, postgres_store.SCHEMA)


def _keygen(args: argparse.Namespace, settings: Settings) -> int:  # noqa: ARG001
    from eventsourcing.cryptography import AESCipher  # noqa: PLC0415

    key = AESCipher.create_key(32)
    out: Path | None = args.out
    if out is None:
        print(key)
        return 0
    if out.exists():
        raise SetupError(f"{out} exists; a key file is never overwritten (name a new one)")
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    from hub.store.keys import parse_key  # noqa: PLC0415

    print(f"wrote a new store key to {out} (key id {parse_key(key, str(out)).key_id})")
    return 0


def _backup(args: argparse.Namespace, settings: Settings) -> int:
    from hub.store.keys import store_key  # noqa: PLC0415

    _check_backend(settings)
    key = store_key(settings)
    beside = [
        (label, live, _beside(args.path, suffix))
        for label, live, suffix in _console_files(settings)
    ]
    for label, _, copy in beside:
        if copy.exists():
            raise SetupError(
                f"{copy} exists ({label} of the backup); name a new file for the backup"
            )
    if settings.store == "sqlite":
        from hub.store import sqlite_store  # noqa: PLC0415

        counts = sqlite_store.backup(settings.sqlite_file, args.path, key)
    else:
        from hub.store import postgres_store  # noqa: PLC0415

        counts = postgres_store.backup(settings, args.path, key)
    sealed = f"sealed with key id {key.key_id}" if key else "not encrypted"
    print(f"backed up to {args.path}: {counts.line()}; verified; {sealed}")
    for label, live, copy in beside:
        if live.is_file():
            rows = _copy_sqlite(live, copy)
            print(f"backed up {label} to {copy}: {rows} row(s)")
    return 0


def _restore(args: argparse.Namespace, settings: Settings) -> int:
    from hub.store.keys import store_key, where  # noqa: PLC0415

    _check_backend(settings)
    key = store_key(settings)
    beside = [
        (label, live, _beside(args.path, suffix))
        for label, live, suffix in _console_files(settings)
        if _beside(args.path, suffix).is_file()
    ]
    for label, live, _ in beside:  # refuse before anything is written
        held = _rows(live) if live.is_file() else 0
        if held and not args.force:
            raise SetupError(
                f"{label} at {live} holds {held} row(s); restoring would replace them: "
                "pass --force to do so"
            )
    if settings.store == "sqlite":
        from hub.store import sqlite_store  # noqa: PLC0415

        counts = sqlite_store.restore(args.path, settings.sqlite_file, key, force=args.force)
    else:
        from hub.store import postgres_store  # noqa: PLC0415

        counts = postgres_store.restore(settings, args.path, key, force=args.force)
    print(f"restored {args.path} {where(settings)}: {counts.line()}; verified")
    for label, live, copy in beside:
        rows = _copy_sqlite(copy, live)
        print(f"restored {label} from {copy} to {live}: {rows} row(s)")
    print(
        "next: start `casehub serve`; rebuild the consumers' views by replay "
        "(docs/operations.md) if they are ahead of the restored store"
    )
    return 0


def _rotate(args: argparse.Namespace, settings: Settings) -> int:
    from hub.store.keys import looks_plain, read_key_file, store_key  # noqa: PLC0415

    _check_backend(settings)
    old = store_key(settings)
    new = None if args.decrypt else read_key_file(args.new_key_file, "--new-key-file")
    if old is not None:
        _, held = _live(settings)
        if held.key_check is None and held.samples and any(map(looks_plain, held.samples)):
            raise SetupError(_not_encrypted(settings, old.source, args.new_key_file))
    if old is not None and new is not None and old.raw == new.raw:
        raise SetupError("--new-key-file holds the key the store already uses")
    if old is None and new is None:
        raise SetupError("the store is not encrypted: there is nothing to decrypt")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    keep = args.keep or settings.data_dir / "backups" / f"pre-rotation-{stamp}{_suffix(settings)}"
    if settings.store == "sqlite":
        from hub.store import sqlite_store  # noqa: PLC0415

        counts = sqlite_store.rotate(settings.sqlite_file, old, new, keep=keep)
    else:
        from hub.store import postgres_store  # noqa: PLC0415

        counts = postgres_store.rotate(settings, old, new, keep=keep)
    sealed = f"key id {new.key_id}" if new else "no key (plaintext)"
    print(f"rotated: {counts.line()}, now under {sealed}")
    if new is not None:
        print(
            f"next: set store_cipher_key_file (CASEHUB_STORE_CIPHER_KEY_FILE) to "
            f"{args.new_key_file} before starting `casehub serve` and the consumers"
        )
    else:
        print("next: unset store_cipher_key / store_cipher_key_file before starting the hub")
    print(
        f"then: back up the store under the new key, and destroy {keep} and the old key "
        "once you no longer need them"
    )
    return 0


def _not_encrypted(settings: Settings, source: str, new_key_file: Path | None) -> str:
    """A key is configured for a store whose events are plaintext: how to encrypt it."""
    from hub.store.keys import where  # noqa: PLC0415

    key_file = new_key_file or "KEY_FILE"
    return (
        f"the event store {where(settings)} is not encrypted (its events are plaintext), but "
        f"{source} is set. To encrypt it: unset store_cipher_key_file and store_cipher_key "
        f"(CASEHUB_STORE_CIPHER_KEY_FILE, CASEHUB_STORE_CIPHER_KEY), run `casehub store "
        f"rotate-key --new-key-file {key_file}`, then set store_cipher_key_file to {key_file}"
    )
