"""Provisioning as the operator does it: SCRAM credentials for users, the directory's ACLs.

What ``casehub security credentials create`` and ``casehub security apply`` do, callable from
code: the secure demo (``casehub demo --secure``) and the security tests provision the local
sasl broker with it. The connection is the operator's (``ALTER`` on the cluster: the broker's
super user); the passwords go to a private TOML credentials file (mode 0600), which is where
each client then finds its own (``hub.kafka.config``). No password is printed or logged.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from hub import extensions
from hub.security.acls import acls_for
from hub.security.admin import AclChanges, SecurityAdmin
from hub.security.credentials import Secret, generate_password, upsert_credentials_file
from hub.settings import Settings


def local_super_user(settings: Settings, *, tls: bool = False) -> Settings:
    """``settings`` connecting to the local sasl-profile broker as its super user, over
    SASL_PLAINTEXT (or SASL_SSL trusting the development CA): the operator's connection in
    development, the demo and the tests. That broker is the dev kit's (``hub.extensions``)."""
    return extensions.local_super_user(settings, tls=tls)


def directory_agencies(
    settings: Settings, directory_file: Path | None = None, extra: Iterable[str] = ()
) -> list[str]:
    """The agencies of an operator's directory file, or of the event store's directory."""
    from hub.bootstrap import MEMORY_STORE, new_hub, open_existing_hub, store_exists  # noqa: PLC0415

    if directory_file is not None:
        with new_hub(settings, MEMORY_STORE) as hub:
            hub.apply_directory_file(directory_file)
            agencies = hub.agency_ids()
    elif store_exists(settings):
        with open_existing_hub(settings) as hub:
            agencies = hub.agency_ids()
    else:  # no event store yet: no agency admitted (and no empty store created to say so)
        agencies = []
    return sorted(set(agencies) | set(extra))


def create_credentials(
    admin: SecurityAdmin, users: Iterable[str], credentials_file: Path
) -> dict[str, Secret]:
    """A fresh generated password per user, set on the broker (created, or rotated if the user
    exists) and recorded in ``credentials_file``; returns them by user."""
    passwords: dict[str, Secret] = {}
    for name in users:
        passwords[name] = generate_password()
        admin.upsert_scram(name, passwords[name])
        upsert_credentials_file(credentials_file, name, passwords[name])
    return passwords


def apply_directory_acls(admin: SecurityAdmin, agencies: Iterable[str]) -> AclChanges:
    """``casehub security apply``: create the ACLs the directory implies that are missing."""
    return admin.apply_acls(acls_for(list(agencies)))
