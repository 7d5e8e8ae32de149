"""Realistic inbound load: what enforcement agencies publish about their cases.

Each case is registered by its owning agency (one of the three enforcement agencies of the demo
story), the next enforcement agency is brought in (a joint case; the procuratorate takes part in
every case already), and the rest of the case's events are
information shared with documents by reference, as an agency's case system publishes them. Only
the owner publishes, so every event depends only on earlier events of the same case on the same
topic and key: the order Kafka keeps per partition is the order the hub needs.

The directory (agencies admitted, officers registered, liaisons designated) is applied to each
store directly (``admit_directory``), so the measured ingest processes case events only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from devkit.demo.story import ECOLOGY_ENVIRONMENT, MARKET_REGULATION, NATURAL_RESOURCES
from hub.cases.commands import AddParticipant, Command, Envelope, RegisterCase, ShareInformation
from hub.vocabulary import CaseRef, DocumentRef

BENCH_NAMESPACE = uuid5(NAMESPACE_URL, "https://casehub.example/bench")
OWNERS: tuple[tuple[str, str], ...] = (
    (MARKET_REGULATION, "mr-001"),
    (NATURAL_RESOURCES, "nr-001"),
    (ECOLOGY_ENVIRONMENT, "ee-001"),
)
START = datetime(2026, 1, 8, 9, tzinfo=UTC)
CATEGORIES = ("food-safety", "land-use", "pollution", "licensing", "pricing")


def case_commands(
    n: int, events: int, *, tag: str, owner: tuple[str, str] | None = None
) -> Iterator[tuple[str, Command]]:
    """The ``events`` commands of case ``n`` (at least 1: the registration)."""
    agency, officer = owner or OWNERS[n % len(OWNERS)]
    ref = CaseRef(agency, f"BENCH{tag}-{agency[:2].upper()}-{n:07d}")
    moment = START + timedelta(minutes=n)

    def envelope(i: int) -> Envelope:
        return Envelope(
            uuid5(BENCH_NAMESPACE, f"{tag}/{ref.case_number}/{i}"),
            agency,
            officer,
            moment + timedelta(seconds=i),
        )

    category = CATEGORIES[n % len(CATEGORIES)]
    yield (
        agency,
        RegisterCase(
            envelope(0),
            ref,
            f"{category} case {n} (synthetic)",
            category,
            f"Synthetic {category} case {n} registered by {agency} for the benchmark.",
        ),
    )
    for i in range(1, events):
        if i == 1:
            # a joint enforcement case: the next enforcement agency joins (the procuratorate
            # takes part in every case already)
            partner = OWNERS[(OWNERS.index((agency, officer)) + 1) % len(OWNERS)][0]
            yield agency, AddParticipant(envelope(i), ref, partner)
            continue
        document = DocumentRef(
            f"DOC-{n}-{i}",
            hashlib.sha256(f"{ref.case_number}/{i}".encode()).hexdigest(),
            f"inspection record {i}",
        )
        yield (
            agency,
            ShareInformation(
                envelope(i),
                ref,
                f"INFO-{i}",
                f"Update {i} on case {n}: inspection findings and next steps.",
                (document,),
            ),
        )


def load(cases: int, events_per_case: int, *, tag: str) -> list[tuple[str, Command]]:
    """``cases`` cases of ``events_per_case`` events, cases interleaved as agencies work."""
    out: list[tuple[str, Command]] = []
    for n in range(cases):
        out.extend(case_commands(n, events_per_case, tag=tag))
    return out


def admit_directory(app: Any) -> None:
    """Apply the operator's file and the story's directory commands straight to the store."""
    from devkit.testing import serve as t  # noqa: PLC0415
    from hub.cases.commands import Inbound, Origin  # noqa: PLC0415
    from hub.cases.views import Rejected  # noqa: PLC0415
    from hub.codec import command_content_hash  # noqa: PLC0415
    from hub.topics import agency_topic  # noqa: PLC0415

    for offset, (agency, command) in enumerate(t.directory_commands()):
        origin = Origin(f"bench-bootstrap:{agency_topic(agency)}", 0, offset)
        outcome = app.execute(Inbound(command, origin, command_content_hash(command)))
        if isinstance(outcome, Rejected):
            raise RuntimeError(f"bench directory bootstrap refused: {outcome}")  # noqa: TRY004
