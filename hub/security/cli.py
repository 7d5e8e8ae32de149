"""``casehub security plan|apply`` and ``casehub security credentials create|delete|list``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from hub.settings import Settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "security", help="Kafka users (SCRAM) and the ACLs the directory implies"
    )
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")
    verbs.required = True

    plan = verbs.add_parser("plan", help="print the ACLs the directory implies (changes nothing)")
    _directory_options(plan)
    plan.set_defaults(func=_plan)

    apply = verbs.add_parser("apply", help="create the ACLs the directory implies (idempotent)")
    _directory_options(apply)
    apply.add_argument(
        "--prune",
        action="store_true",
        help="also delete ACLs of the hub's users and the directory's agencies that the plan "
        "does not hold",
    )
    _connection_options(apply)
    apply.set_defaults(func=_apply)

    credentials = verbs.add_parser("credentials", help="SCRAM-SHA-512 users on the broker")
    cverbs = credentials.add_subparsers(dest="credentials_verb", metavar="VERB")
    cverbs.required = True
    create = cverbs.add_parser(
        "create",
        help="create or rotate a user's SCRAM-SHA-512 credential (an agency id, "
        "casehub-hub, casehub-views or casehub-audit)",
    )
    create.add_argument("name", metavar="AGENCY", help="the user: an agency id or a hub user")
    create.add_argument(
        "--password-file",
        type=Path,
        help="take the password from this file (mode 0600); if it does not exist, generate "
        "one and write it there. Default: generate into <data dir>/credentials/NAME.password",
    )
    create.add_argument(
        "--credentials-file",
        type=Path,
        help="also record the password in this TOML credentials file (mode 0600), the one a "
        "client names in CASEHUB_KAFKA_CREDENTIALS_FILE",
    )
    _connection_options(create)
    create.set_defaults(func=_create)
    delete = cverbs.add_parser("delete", help="remove a user's SCRAM-SHA-512 credential")
    delete.add_argument("name", metavar="AGENCY")
    _connection_options(delete)
    delete.set_defaults(func=_delete)
    listing = cverbs.add_parser("list", help="users with a SCRAM credential (no secrets)")
    _connection_options(listing)
    listing.set_defaults(func=_list)


def _directory_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--directory-file",
        type=Path,
        help="plan from this operator directory file instead of the event store's directory",
    )
    parser.add_argument(
        "--agency", action="append", default=[], help="also an agency not yet in the directory"
    )


def _connection_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--local-broker",
        action="store_true",
        help="connect to the local sasl-profile broker as its super user (development)",
    )


def _agencies(args: argparse.Namespace, settings: Settings) -> list[str]:
    from hub.security.provision import directory_agencies  # noqa: PLC0415

    return directory_agencies(settings, args.directory_file, args.agency)


def _admin_config(args: argparse.Namespace, settings: Settings) -> Settings:
    """The operator's connection: the local sasl broker's super user, or the settings' own."""
    if args.local_broker:
        from hub.security.provision import local_super_user  # noqa: PLC0415

        return local_super_user(settings)
    return settings


def _plan(args: argparse.Namespace, settings: Settings) -> int:
    from hub.security.acls import acls_for, render_plan  # noqa: PLC0415

    agencies = _agencies(args, settings)
    acls = acls_for(agencies)
    for line in render_plan(acls):
        print(line)
    print(f"{len(acls)} ACL(s) for {len(agencies)} agencies and the hub's 3 users")
    return 0


def _apply(args: argparse.Namespace, settings: Settings) -> int:
    from hub.security.acls import acls_for, managed_principals  # noqa: PLC0415
    from hub.security.admin import SecurityAdmin  # noqa: PLC0415

    agencies = _agencies(args, settings)
    desired = acls_for(agencies)
    prune = managed_principals(agencies) if args.prune else set()
    with SecurityAdmin(_admin_config(args, settings)) as admin:
        changes = admin.apply_acls(desired, prune=prune)
    for acl in changes.created:
        print(f"created {acl.principal} {acl.describe()}")
    for acl in changes.deleted:
        print(f"deleted {acl.principal} {acl.describe()}")
    if changes.changed:
        print(
            f"{len(changes.created)} ACL(s) created, {len(changes.deleted)} deleted, "
            f"{changes.unchanged} already in place"
        )
    else:
        print(f"ACLs already up to date: all {changes.unchanged} in place, nothing changed")
    return 0


def _create(args: argparse.Namespace, settings: Settings) -> int:
    from hub.security import credentials as c  # noqa: PLC0415
    from hub.security.admin import SecurityAdmin  # noqa: PLC0415

    name = c.check_principal_name(args.name)
    path: Path = args.password_file or settings.data_dir / "credentials" / f"{name}.password"
    if args.password_file is not None and path.exists():
        password, source = c.read_password_file(path), f"read from {path}"
    else:
        password = c.generate_password()
        c.write_password_file(path, password)
        source = f"generated into {path} (mode 0600)"
    with SecurityAdmin(_admin_config(args, settings)) as admin:
        existed = name in admin.scram_users()
        admin.upsert_scram(name, password)
    if args.credentials_file is not None:
        c.upsert_credentials_file(args.credentials_file, name, password)
        source += f"; recorded in {args.credentials_file}"
    verb = "rotated" if existed else "created"
    print(f"SCRAM-SHA-512 credential for User:{name} {verb}; password {source}")
    return 0


def _delete(args: argparse.Namespace, settings: Settings) -> int:
    from hub.security.admin import SecurityAdmin  # noqa: PLC0415

    with SecurityAdmin(_admin_config(args, settings)) as admin:
        admin.delete_scram(args.name)
    print(f"SCRAM-SHA-512 credential for User:{args.name} deleted")
    return 0


def _list(args: argparse.Namespace, settings: Settings) -> int:
    from hub.security.admin import SecurityAdmin  # noqa: PLC0415

    with SecurityAdmin(_admin_config(args, settings)) as admin:
        users = admin.scram_users()
    for name, mechanisms in users.items():
        print(f"User:{name}  {', '.join(mechanisms)}")
    print(f"{len(users)} user(s)")
    return 0
