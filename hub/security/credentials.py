"""Passwords for Kafka principals: read from the environment or a private file, never from code.

Two file shapes, both refused unless only their owner may read them (mode 0600 or stricter):

* a **credentials file** (TOML), one principal per line, ``agency-id = "password"``, named by
  the ``kafka_credentials_file`` setting (``CASEHUB_KAFKA_CREDENTIALS_FILE``): a client
  that has a user name but no password looks its password up here;
* a **password file**: the password alone on its first line, what ``casehub security
  credentials create --password-file`` reads or writes.

A password is a ``Secret``: its ``repr`` and ``str`` hide it, so it cannot reach a log line by
accident; ``reveal()`` is the one place it is read.
"""

from __future__ import annotations

import os
import re
import secrets
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from hub.errors import SetupError
from hub.settings import Settings

#: The environment variable that names the credentials file (see ``credentials_file``).
CREDENTIALS_FILE_ENV = "CASEHUB_KAFKA_CREDENTIALS_FILE"
#: Kafka user names we create: what an agency id may hold (letters, digits, - and _).
_PRINCIPAL_NAME = re.compile(r"^[A-Za-z0-9_-]{1,200}$")
#: Generated passwords: 32 random bytes, URL-safe base64 (43 characters).
_GENERATED_BYTES = 32
#: Kafka refuses SCRAM passwords it cannot carry in its own JAAS syntax; so do we.
_FORBIDDEN = set('"\\\n\r')
_MIN_LENGTH = 16


@dataclass(frozen=True)
class Secret:
    """A password that does not print itself."""

    _value: str = field(repr=False)

    def reveal(self) -> str:
        return self._value

    def __str__(self) -> str:
        return "********"

    def __repr__(self) -> str:
        return "Secret('********')"


class MaskedStr(str):
    """A password handed to kafka-python: still a ``str`` to the SCRAM code, masked in print.

    kafka-python logs its whole configuration at DEBUG ("Starting KafkaAdminClient with
    configuration: {...}"), password included; a dict formats its values with ``repr``, and
    ``%s`` formatting calls ``str``: both show ``********`` here, while ``encode()`` and every
    other string operation see the real value.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "'********'"

    def __str__(self) -> str:
        return "********"


def masked(password: str) -> MaskedStr:
    return password if isinstance(password, MaskedStr) else MaskedStr(password)


def check_principal_name(name: str) -> str:
    """A SCRAM user name the hub manages: letters, digits, - and _ (as an agency id)."""
    if not _PRINCIPAL_NAME.match(name):
        raise SetupError(
            f"{name!r} cannot be a Kafka user of the hub: use letters, digits, - and _ "
            "(as in an agency id)"
        )
    return name


def check_password(password: str, *, source: str) -> Secret:
    """Refuse an empty, short or unquotable password; ``source`` names where it came from."""
    if len(password) < _MIN_LENGTH:
        raise SetupError(f"the password in {source} is shorter than {_MIN_LENGTH} characters")
    if _FORBIDDEN & set(password):
        raise SetupError(f"the password in {source} contains a quote, backslash or line break")
    return Secret(password)


def generate_password() -> Secret:
    return Secret(secrets.token_urlsafe(_GENERATED_BYTES))


def require_private(path: Path) -> None:
    """Refuse a secrets file that anyone but its owner can read or write."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError as exc:
        raise SetupError(f"the credentials file {path} does not exist") from exc
    if not stat.S_ISREG(mode):
        raise SetupError(f"{path} is not a regular file")
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SetupError(
            f"{path} is readable or writable by others (mode {stat.S_IMODE(mode):04o}); "
            f"run `chmod 600 {path}`"
        )


def credentials_file(settings: Settings) -> Path | None:
    """The credentials file the settings (``CASEHUB_KAFKA_CREDENTIALS_FILE``) name, if any."""
    named = settings.kafka_credentials_file
    return Path(named) if named else None


def load_credentials(path: Path) -> dict[str, Secret]:
    """Every ``principal = "password"`` of a private TOML credentials file."""
    require_private(path)
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        # The decoder's message quotes no values, only positions.
        raise SetupError(f"the credentials file {path} is not valid TOML: {exc}") from exc
    out: dict[str, Secret] = {}
    for name, value in table.items():
        if not isinstance(value, str):
            raise SetupError(f"in {path}, {name} must be a quoted password")
        out[check_principal_name(name)] = check_password(value, source=f"{path} ({name})")
    return out


def lookup_password(settings: Settings, username: str) -> Secret | None:
    """``username``'s password from the credentials file, or None when there is no file."""
    path = credentials_file(settings)
    if path is None:
        return None
    credentials = load_credentials(path)
    if username not in credentials:
        raise SetupError(f"the credentials file {path} has no password for {username}")
    return credentials[username]


def read_password_file(path: Path) -> Secret:
    """The password on the first line of a private password file."""
    require_private(path)
    first = path.read_text(encoding="utf-8").splitlines()[:1]
    return check_password(first[0].strip() if first else "", source=str(path))


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` with mode 0600 from the first byte (replacing it atomically)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        scratch.replace(path)
    except BaseException:
        scratch.unlink(missing_ok=True)
        raise


def write_password_file(path: Path, password: Secret) -> None:
    write_private(path, password.reveal() + "\n")


def upsert_credentials_file(path: Path, name: str, password: Secret) -> None:
    """Set ``name``'s password in a TOML credentials file (created with mode 0600)."""
    credentials = load_credentials(path) if path.exists() else {}
    credentials[check_principal_name(name)] = password
    # check_password refuses quotes, backslashes and line breaks, so plain quoting is exact.
    text = "".join(f'{n} = "{s.reveal()}"\n' for n, s in sorted(credentials.items()))
    write_private(path, text)
