"""The demo's data protection (issue #10): keys, clearances, a confidential case, an erasure.

Each run creates, in its fresh run folder, what an operator sets up once for a hub:

* the hub's **sealing key pair** (``keys/hub-sealing.key`` and ``.pub``): the agencies'
  publishers seal personal data with the public key, the hub opens it when it decodes a
  record, and it refuses any record carrying personal data in plaintext (``require_sealed_pii``);
* a **store key** (``keys/store.key``): the event store is encrypted at rest (AES-GCM);
* the **per-person key store** (``keys/keystore.json``), apart from the event store: personal
  data is stored and published as tokens under one key per person;
* the **clearance file** (``clearances.toml``, from ``story.DEMO_CLEARANCES``).

After the story the demo erases one dispute party (crypto-shredding: ``CaseHub.
erase_personal_data``, as ``casehub privacy erase`` does) and at the end shows what a user
should see: the confidential case's content on its cleared participants' feeds only (read as
raw records from Kafka, each agency as itself), the party reading ``[erased]`` in the auditor's
history, the chains still verified, and none of the story's fictional names or ID numbers in
the store file, the views file or any record on the hub's topics.

Key material is never printed: a key id (a fingerprint) at most.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devkit.demo.console import agency_names
from devkit.demo.errors import DemoError
from devkit.demo.labels import sentence
from devkit.demo.story import (
    APPLICANT,
    CONFIDENTIAL_CASE,
    CONFIDENTIAL_MARKER,
    DEMO_CLEARANCES,
    JUSTICE_BUREAU,
    LAND_CASE,
    PERSONAL_DATA,
    PROCURATORATE,
    RULE_OF_LAW_OFFICE,
)
from hub.i18n import Lang, agency_label
from hub.settings import Settings

if TYPE_CHECKING:
    from devkit.demo.console import Console
    from devkit.demo.secure import Principals
    from hub.audit.history import History

#: Why the demo erases the applicant (recorded as written: no personal data in it).
ERASURE_REASON = "PIPL art. 47 deletion request, demo"
ERASED_BY = "demo-dpo"
#: The run folder's clearance file and key files.
CLEARANCE_FILE = "clearances.toml"
KEYS_DIR = "keys"
STORE_KEY_FILE = "store.key"
KEY_STORE_FILE = "keystore.json"
#: Every topic the hub names starts with this (``devkit.demo.isolation``).
_HUB_TOPICS = "casehub."


@dataclass(frozen=True)
class ProtectionSetup:
    """What ``create_protection`` made in the run folder (paths and key ids, never keys)."""

    private_key: Path
    public_key: Path
    sealing_key_id: str
    store_key_file: Path
    store_key_id: str
    key_store: Path
    clearance_file: Path

    def overrides(self) -> dict[str, Any]:
        """The settings that put the hub, the publishers and the readers on these files."""
        return {
            "hub_sealing_key_file": str(self.private_key),
            "hub_public_key_file": str(self.public_key),
            "require_sealed_pii": True,
            "store_cipher_key": "",
            "store_cipher_key_file": str(self.store_key_file),
            "key_store_path": str(self.key_store),
            "clearance_file": str(self.clearance_file),
            # The run's clearances are its file's alone, whatever the environment sets.
            "agency_clearances": "",
            "default_clearance": "INTERNAL",
        }


def create_protection(run_dir: Path) -> ProtectionSetup:
    """The sealing key pair, the store key and the clearance file of a fresh run folder."""
    from eventsourcing.cryptography import AESCipher  # noqa: PLC0415

    from hub.errors import CaseHubError  # noqa: PLC0415
    from hub.privacy.sealing import default_key_paths, generate_key_files  # noqa: PLC0415
    from hub.store.keys import parse_key  # noqa: PLC0415

    private, public = default_key_paths(run_dir)
    try:
        sealing_key_id = generate_key_files(private, public)
    except CaseHubError as exc:
        raise DemoError(f"could not create the hub's sealing keys: {exc}") from None
    store_key_file = run_dir / KEYS_DIR / STORE_KEY_FILE
    encoded = AESCipher.create_key(32)
    # Mode 0600 from the start: the hub refuses a key file others may read.
    fd = os.open(store_key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(encoded + "\n")
    store_key_id = parse_key(encoded, str(store_key_file)).key_id
    clearance_file = run_dir / CLEARANCE_FILE
    lines = [f'{agency} = "{level}"' for agency, level in DEMO_CLEARANCES]
    clearance_file.write_text(
        "# Agencies cleared above the default (INTERNAL); see docs/security.md.\n"
        + "\n".join(lines)
        + "\n",
        encoding="utf-8",
    )
    return ProtectionSetup(
        private,
        public,
        sealing_key_id,
        store_key_file,
        store_key_id,
        run_dir / KEYS_DIR / KEY_STORE_FILE,
        clearance_file,
    )


def say_setup(setup: ProtectionSetup, console: Console) -> None:
    console.say("keys_sealing", file=setup.public_key.parent, key_id=setup.sealing_key_id)
    console.say("keys_store", file=setup.store_key_file, key_id=setup.store_key_id)
    console.say("keys_people", file=setup.key_store)
    cleared = ", ".join(agency for agency, level in DEMO_CLEARANCES if level == "CONFIDENTIAL")
    console.say("clearances", file=setup.clearance_file, cleared=cleared)


# --- erasure ------------------------------------------------------------------------------------
def land_history(app: Any, settings: Settings) -> History:
    """The land case as the hub's auditor reads it (personal data revealed, or ``[erased]``)."""
    from hub.audit.history import CaseRef, history_for  # noqa: PLC0415
    from hub.privacy.access import AUDITOR  # noqa: PLC0415
    from hub.privacy.reveal_views import ReadingLens  # noqa: PLC0415

    ref = CaseRef(LAND_CASE.owning_agency, LAND_CASE.case_number)
    return history_for(app, ref, ReadingLens.for_settings(settings, AUDITOR))


def parties_line(found: History) -> str:
    """The dispute parties of a history: ``name (role, ID number)``, ``; ``-separated."""
    shown = []
    for dispute in found.case.disputes:
        for party in dispute.parties:
            number = f", {party.id_number}" if party.id_number else ""
            shown.append(f"{party.name} ({party.role}{number})")
    return "; ".join(shown)


def erase_applicant(app: Any, settings: Settings, console: Console) -> str:
    """Erase the land dispute's applicant (crypto-shredding); returns their subject id."""
    from hub.errors import CaseHubError  # noqa: PLC0415
    from hub.privacy.subjects import id_number_subject  # noqa: PLC0415

    console.heading("erase_heading")
    console.say("parties_before", prefix="  ", parties=parties_line(land_history(app, settings)))
    subject = id_number_subject(app.keystore.pepper(), APPLICANT.id_number)
    try:
        change = app.erase_personal_data(subject, ERASURE_REASON, by=ERASED_BY)
    except CaseHubError as exc:
        raise DemoError(f"the erasure of {subject} failed: {exc}") from None
    if not change.key_destroyed:
        raise DemoError(f"the erasure of {subject} destroyed no key")
    console.say(
        "erased",
        prefix="  ",
        subject=subject,
        reason=ERASURE_REASON,
        where=", ".join(change.recorded_in),
    )
    return subject


# --- raw records from Kafka ---------------------------------------------------------------------
@dataclass(frozen=True)
class RawRecord:
    topic: str
    key: bytes
    value: bytes
    headers: bytes

    @property
    def data(self) -> bytes:
        return self.key + b"\x00" + self.value + b"\x00" + self.headers


def read_raw(
    settings: Settings, topics: Callable[[set[str]], Iterable[str]], timeout_s: float = 60.0
) -> list[RawRecord]:
    """Every record (aborted transactions' too) of the topics ``topics`` picks from those the
    connection sees, as Kafka holds the bytes."""
    from hub.kafka.admin import KafkaAdmin  # noqa: PLC0415
    from hub.kafka.errors import KafkaUnavailable  # noqa: PLC0415
    from hub.kafka.reader import BEGINNING, open_reader, read_partitions  # noqa: PLC0415

    with KafkaAdmin(settings, client_id="casehub-demo-raw") as admin:
        seen = admin.topics()
    wanted = sorted(topics(set(seen)))
    starts = {(topic, p): BEGINNING for topic in wanted for p in range(seen[topic])}
    # read_uncommitted: an aborted transaction's records are on the broker's disks too.
    uncommitted = {"isolation.level": "read_uncommitted"}
    try:
        with open_reader(settings, client_id="casehub-demo-raw", extra=uncommitted) as consumer:
            records = read_partitions(consumer, starts, timeout_s=timeout_s)
    except KafkaUnavailable as exc:
        raise DemoError(f"reading {', '.join(wanted)} did not reach the end: {exc}") from None
    return [
        RawRecord(
            r.topic,
            r.key or b"",
            r.value or b"",
            b"".join(k.encode() + b"=" + v for k, v in r.headers),
        )
        for r in records
    ]


def case_feed(settings: Settings, agency: str, case_id: str) -> list[bytes]:
    """The raw values of one case's records on ``agency``'s feed, read as that agency."""
    from hub.topics import feed_topic  # noqa: PLC0415

    topic = feed_topic(agency)
    records = read_raw(settings, lambda seen: [topic] if topic in seen else [])
    return [r.value for r in records if r.key == case_id.encode()]


# --- what the end of the demo shows -------------------------------------------------------------
#: (agency, why it gets what it gets), in the order shown.
FEED_READERS: tuple[tuple[str, str], ...] = (
    (PROCURATORATE, "why_cleared"),
    (JUSTICE_BUREAU, "why_uncleared"),
    (RULE_OF_LAW_OFFICE, "why_outsider"),
)


@dataclass
class ProtectionReport:
    """What the data-protection section found; ``ok`` when everything was as it must be."""

    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def show_protection(
    app: Any,
    settings: Settings,
    principals: Principals,
    *,
    kafka_operator: Settings,
    run_dir: Path,
    console: Console,
    chains: tuple[int, int],
) -> ProtectionReport:
    """Print the data-protection section; ``chains`` is (cases verified, broken)."""
    report = ProtectionReport([])
    console.heading("protection_heading")
    _show_feeds(principals, console, report)
    after = parties_line(land_history(app, settings))
    console.say("parties_after", prefix="  ", parties=after)
    if APPLICANT.name in after or APPLICANT.id_number in after or "[erased]" not in after:
        report.problems.append("the erased party still reads in the auditor's history")
    cases, broken = chains
    console.say(
        "verify_after" if not broken else "verify_after_failed",
        prefix="  ",
        cases=cases,
        broken=broken,
    )
    if broken:
        report.problems.append(f"{broken} chain(s) broken after the erasure")
    plaintext_check(run_dir, kafka_operator, console, report)
    return report


def _show_feeds(principals: Principals, console: Console, report: ProtectionReport) -> None:
    from hub.ids import case_id_for  # noqa: PLC0415

    case_id = str(case_id_for(CONFIDENTIAL_CASE.owning_agency, CONFIDENTIAL_CASE.case_number))
    marker = CONFIDENTIAL_MARKER.encode()
    ref = CONFIDENTIAL_CASE
    console.say("secret_case", prefix="  ", case=f"{ref.owning_agency}/{ref.case_number}")
    names = agency_names()
    for agency, why in FEED_READERS:
        values = case_feed(principals.agency(agency), agency, case_id)
        content = sum(marker in v for v in values)
        masked = sum(b'"masked":true' in v for v in values)
        expect_content = agency == PROCURATORATE
        if expect_content:
            key = "feed_content"
            if not values or not content or masked:
                report.problems.append(f"{agency}'s feed lacks the confidential content")
        else:
            key = "feed_masked"
            if not values or content or masked != len(values):
                report.problems.append(f"{agency}'s feed is not masked")

        count = len(values)

        def line(
            lang: Lang, agency: str = agency, why: str = why, key: str = key, count: int = count
        ) -> str:
            label = agency_label(agency, lang, names)
            return sentence(
                key, lang, agency=f"{label} ({agency})", why=sentence(why, lang), count=count
            )

        console.each(line, prefix="    ")


def plaintext_check(
    run_dir: Path,
    kafka_operator: Settings,
    console: Console,
    report: ProtectionReport,
) -> None:
    """Search the event store's file(s) (with its write-ahead log), the views' and every record
    on the hub's topics for the story's fictional names and ID numbers (as UTF-8 and as JSON
    escapes)."""
    needles = _needles(PERSONAL_DATA)
    records = read_raw(kafka_operator, lambda seen: [t for t in seen if t.startswith(_HUB_TOPICS)])
    found: list[str] = []
    files = sorted(run_dir.glob("hub.sqlite*")) + sorted(run_dir.glob("views.sqlite*"))
    if not files:
        report.problems.append("no store file to search")
    for path in files:
        data = path.read_bytes()
        found += [f"{path.name}: {n!r}" for n in needles if n in data]
    for record in records:
        data = record.data
        found += [f"{record.topic}: {n!r}" for n in needles if n in data]
    if found or not records:
        report.problems.append("personal data in plaintext: " + "; ".join(found[:5]))
        console.say("plaintext_found", prefix="  ", where="; ".join(found[:5]) or "?")
        return
    console.say("plaintext_absent", prefix="  ", needles=len(PERSONAL_DATA), records=len(records))


def _needles(values: Iterable[str]) -> list[bytes]:
    found: list[bytes] = []
    for value in values:
        found.append(value.encode("utf-8"))
        escaped = json.dumps(value)[1:-1].encode("ascii")  # ensure_ascii's \\uXXXX form
        if escaped not in found:
            found.append(escaped)
    return found
