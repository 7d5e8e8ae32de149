"""``casehub privacy``: find data subjects, erase (crypto-shred) and correct personal data.

    casehub privacy subjects [--id-number X | --name N --case AGENCY/NUMBER | --officer AGENCY/ID]
    casehub privacy erase SUBJECT --reason "…" [--by NAME]
    casehub privacy correct SUBJECT --field name|id_number --value "…" [--by NAME]
    casehub privacy reapply-erasures

See docs/privacy.md for the procedure and what each step records.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from hub.errors import CaseHubError, SetupError
from hub.privacy.keystore import KeyStore, SubjectInfo, UnknownSubject, open_key_store
from hub.privacy.subjects import id_number_subject, officer_subject
from hub.privacy.tokens import ERASED, Revealer, is_token, parse_token
from hub.settings import Settings

if TYPE_CHECKING:
    from hub.cases.application import CaseHub


class PrivacyUsageError(CaseHubError):
    """The arguments of a privacy command do not fit together."""

    code = "privacy_usage"


def register(subparsers: Any) -> None:
    group = subparsers.add_parser(
        "privacy",
        help="personal data: find subjects, erase (crypto-shred), correct",
        description="Personal data is stored encrypted per person (docs/privacy.md).",
    )
    sub = group.add_subparsers(dest="privacy_command", metavar="SUBCOMMAND")
    sub.required = True

    subjects = sub.add_parser(
        "subjects",
        help="find subject ids and the cases that mention them",
        description="Without a filter, list every subject in the key store.",
    )
    subjects.add_argument("--id-number", help="a party's ID number")
    subjects.add_argument("--name", help="a party's name (with --case)")
    subjects.add_argument("--case", help="AGENCY/NUMBER of the case naming the party")
    subjects.add_argument("--officer", help="AGENCY/OFFICER_ID of an officer")
    subjects.add_argument("--json", action="store_true", help="print JSON")
    subjects.set_defaults(func=cmd_subjects)

    erase = sub.add_parser(
        "erase",
        help="record PersonalDataErased where the person is mentioned, then destroy their key",
    )
    erase.add_argument("subject", help="a subject id (see `casehub privacy subjects`)")
    erase.add_argument("--reason", required=True, help="why (recorded; no personal data here)")
    erase.add_argument("--by", default="", help="who erases (default: the login name)")
    erase.set_defaults(func=cmd_erase)

    correct = sub.add_parser("correct", help="record a corrected value for a person")
    correct.add_argument("subject", help="a subject id (see `casehub privacy subjects`)")
    correct.add_argument("--field", required=True, choices=("name", "id_number"))
    correct.add_argument("--value", required=True, help="the corrected value")
    correct.add_argument("--by", default="", help="who corrects (default: the login name)")
    correct.set_defaults(func=cmd_correct)

    reapply = sub.add_parser(
        "reapply-erasures",
        help="destroy again every key a PersonalDataErased event names (after a key-store restore)",
    )
    reapply.set_defaults(func=cmd_reapply_erasures)


def _open_hub(settings: Settings) -> AbstractContextManager[CaseHub]:
    from hub.bootstrap import open_existing_hub  # noqa: PLC0415 - keep `casehub --help` light

    return open_existing_hub(settings)


def _existing_key_store(settings: Settings) -> KeyStore:
    keystore = open_key_store(settings)
    if not keystore.exists():
        raise SetupError(
            f"there is no key store at {keystore.location}: no personal data has been recorded "
            "with these settings (or key_store_path names the wrong file)"
        )
    return keystore


def _by(value: str) -> str:
    return value.strip() or getpass.getuser()


def _split(value: str, option: str, what: str) -> tuple[str, str]:
    first, sep, second = value.partition("/")
    if not sep or not first or not second:
        raise PrivacyUsageError(f"{option} takes {what}, got {value!r}")
    return first, second


def cmd_subjects(args: argparse.Namespace, settings: Settings) -> int:
    keystore = _existing_key_store(settings)
    if args.name is not None and args.case is None:
        raise PrivacyUsageError("--name needs --case AGENCY/NUMBER (names are unique per case)")
    pepper = keystore.pepper()
    wanted: list[str] | None = None
    if args.id_number:
        wanted = [id_number_subject(pepper, args.id_number)]
    elif args.officer:
        agency, officer = _split(args.officer, "--officer", "AGENCY/OFFICER_ID")
        wanted = [officer_subject(pepper, agency, officer)]
    elif args.case:
        wanted = _subjects_named_in_case(settings, keystore, args.case, args.name)
    found = (
        keystore.subjects()
        if wanted is None
        else [i for i in (keystore.info(s) for s in wanted) if i is not None]
    )
    found = [i for i in found if wanted is not None or i.kind != "rejection"]
    if args.json:
        print(json.dumps([_as_json(i) for i in found], ensure_ascii=False, indent=2))
        return 0 if found else 1
    if not found:
        print("no subject found", file=sys.stderr)
        return 1
    for info in found:
        status = f"erased {info.destroyed_at}" if info.destroyed_at else "active"
        print(f"{info.subject}  {info.kind}  {status}")
        for mention in info.mentions:
            print(f"    {mention}")
    return 0


def _subjects_named_in_case(
    settings: Settings, keystore: KeyStore, case: str, name: str | None
) -> list[str]:
    """Subjects whose tokens appear in the case's events (and whose name matches, if given)."""
    agency, number = _split(case, "--case", "AGENCY/NUMBER")
    revealer = Revealer(keystore)
    subjects: list[str] = []
    with _open_hub(settings) as app:
        for event in app.case_events(app.case_id(agency, number)):
            for token in _tokens(event.payload):
                parsed = parse_token(token)
                if parsed.subject in subjects or parsed.field != "name":
                    continue
                if name is None or revealer.reveal(token) in (name, ERASED):
                    subjects.append(parsed.subject)
    return subjects


def _tokens(value: Any) -> Iterator[str]:
    if is_token(value):
        yield str(value)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _tokens(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _tokens(v)
    elif hasattr(value, "__dataclass_fields__"):
        for f in value.__dataclass_fields__:
            yield from _tokens(getattr(value, f))


def _as_json(info: SubjectInfo) -> dict[str, Any]:
    return {
        "subject": info.subject,
        "kind": info.kind,
        "created_at": info.created_at,
        "erased_at": info.destroyed_at,
        "mentions": list(info.mentions),
        "corrected_fields": sorted(info.corrections),
    }


def cmd_erase(args: argparse.Namespace, settings: Settings) -> int:
    keystore = _existing_key_store(settings)
    if keystore.info(args.subject) is None:
        raise UnknownSubject(
            f"no personal data is held for subject {args.subject} (key store "
            f"{keystore.location}); `casehub privacy subjects` finds subject ids"
        )
    with _open_hub(settings) as app:
        change = app.erase_personal_data(args.subject, args.reason, by=_by(args.by))
    for where in change.recorded_in:
        print(f"recorded PersonalDataErased in {where}")
    if change.key_destroyed:
        print(f"destroyed the key of {args.subject}: their data now reads as {ERASED}")
    else:
        print(f"the key of {args.subject} was destroyed before; nothing else to do")
    return 0


def cmd_correct(args: argparse.Namespace, settings: Settings) -> int:
    _existing_key_store(settings)
    with _open_hub(settings) as app:
        change = app.correct_personal_data(args.subject, args.field, args.value, by=_by(args.by))
    for where in change.recorded_in:
        print(f"recorded PersonalDataCorrected ({args.field}) in {where}")
    print(f"readers now get the corrected {args.field} of {args.subject}")
    return 0


def cmd_reapply_erasures(args: argparse.Namespace, settings: Settings) -> int:  # noqa: ARG001
    _existing_key_store(settings)
    with _open_hub(settings) as app:
        destroyed = app.reapply_erasures()
    for subject in destroyed:
        print(f"destroyed again the key of {subject} (erased by a PersonalDataErased event)")
    print(f"{len(destroyed)} key(s) destroyed again")
    return 0
