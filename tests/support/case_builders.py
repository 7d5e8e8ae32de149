"""Builders that keep the case tests readable: a simulated clock, a directory, commands.

``World`` is a CaseHub on a chosen store with a simulated clock and the demo directory
(procuratorate, justice bureau, Rule-of-Law Office, two enforcement agencies, one officer
each). ``w.send(Cmd(...fields...), by="market-regulation")`` wraps a command in an envelope
and an ``Inbound`` and executes it.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from hub.cases import commands as c
from hub.cases.application import CaseHub
from hub.cases.views import Outcome, Rejected
from hub.errors import UnknownCase
from hub.rules.clocks import TIMEZONE
from hub.settings import Settings
from hub.vocabulary import CaseRef, MajorFlag

PROC = "procuratorate"
JUSTICE = "justice-bureau"
ROL = "rule-of-law-office"
MARKET = "market-regulation"
NATURAL = "natural-resources"
AGENCIES = (PROC, JUSTICE, ROL, MARKET, NATURAL)

DIRECTORY_TOML = """
[[agencies]]
id = "procuratorate"
name_zh = "市人民检察院"
name_en = "City People's Procuratorate"
role = "procuratorate"

[[agencies]]
id = "justice-bureau"
name_zh = "市司法局"
name_en = "City Justice Bureau"
role = "justice-bureau"

[[agencies]]
id = "rule-of-law-office"
name_zh = "市依法治市办"
name_en = "Rule-of-Law Office"
role = "rule-of-law-office"

[[agencies]]
id = "market-regulation"
name_zh = "市市场监管局"
name_en = "Market Regulation Bureau"
role = "enforcement-agency"

[[agencies]]
id = "natural-resources"
name_zh = "市自然资源局"
name_en = "Natural Resources Bureau"
role = "enforcement-agency"

[[officers]]
agency = "procuratorate"
id = "procuratorate-1"
name = "Prosecutor Example"

[[officers]]
agency = "justice-bureau"
id = "justice-bureau-1"
name = "Justice Example"

[[officers]]
agency = "rule-of-law-office"
id = "rule-of-law-office-1"
name = "Office Example"

[[officers]]
agency = "market-regulation"
id = "market-regulation-1"
name = "Inspector Example"

[[officers]]
agency = "natural-resources"
id = "natural-resources-1"
name = "Surveyor Example"

[[liaisons]]
agency = "market-regulation"
officer = "market-regulation-1"
effective_from = 2026-01-01
"""

SHA = hashlib.sha256(b"document").hexdigest()
GENESIS = "0" * 64


def at(day: str, hour: int = 10) -> datetime:
    """A moment on ``day`` (YYYY-MM-DD) in Asia/Shanghai."""
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), TIMEZONE) + timedelta(
        hours=hour
    )


class SimClock:
    """A clock the test moves by hand; each reading advances a millisecond."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = moment


class World:
    """A hub with the demo directory, a simulated clock and a command builder."""

    def __init__(self, env: dict[str, str], tmp_path: Path, start: str = "2026-08-03") -> None:
        self.clock = SimClock(at(start))
        self.settings = Settings(data_dir=tmp_path)
        self.hub = CaseHub(env, clock=self.clock, settings=self.settings)
        directory_file = tmp_path / "directory.toml"
        directory_file.write_text(DIRECTORY_TOML, encoding="utf-8")
        self.directory_file = directory_file
        self.hub.apply_directory_file(directory_file)
        self._offsets = itertools.count()
        self.case_ref = CaseRef(MARKET, "市监罚〔2026〕1号")

    @property
    def case_id(self) -> UUID:
        return CaseHub.case_id(self.case_ref.owning_agency, self.case_ref.case_number)

    def envelope(self, by: str, officer: str | None = None, **kw: Any) -> c.Envelope:
        return c.Envelope(
            event_id=kw.pop("event_id", None) or uuid4(),
            sender_agency=by,
            officer_id=officer or f"{by}-1",
            occurred_at=kw.pop("occurred_at", None) or self.clock.now,
            **kw,
        )

    def inbound(self, command: c.Command, content: str | None = None) -> c.Inbound:
        digest = content or hashlib.sha256(repr(command).encode()).hexdigest()
        return c.Inbound(command, c.Origin("test", 0, next(self._offsets)), digest, b"raw")

    def build(self, cls: type[Any], by: str, **fields: Any) -> Any:
        envelope = self.envelope(
            by, fields.pop("officer", None), event_id=fields.pop("event_id", None)
        )
        if "case" in cls.__dataclass_fields__:
            fields.setdefault("case", self.case_ref)
        return cls(envelope=envelope, **fields)

    def send(self, cls: type[Any], by: str, **fields: Any) -> Outcome:
        return self.hub.execute(self.inbound(self.build(cls, by, **fields)))

    def register(self, major: MajorFlag | None = None, **fields: Any) -> Outcome:
        fields.setdefault("title", "Unlicensed food production")
        fields.setdefault("category", "food-safety")
        fields.setdefault("summary", "A workshop produced food without a licence.")
        return self.send(c.RegisterCase, MARKET, major=major, **fields)

    def recommendation_received(self, rec: str = "R-1", addressee: str = MARKET) -> None:
        """Issue, serve and receive recommendation ``rec`` (the case must be registered)."""
        self.send(
            c.IssueRecommendation,
            PROC,
            recommendation_id=rec,
            addressee=addressee,
            content="Strengthen licence checks.",
            legal_basis="人民检察院检察建议工作规定 第十一条",
        )
        self.send(c.ServeRecommendation, PROC, recommendation_id=rec)
        self.send(c.ReceiveRecommendation, addressee, recommendation_id=rec)


def same_content(inbound: c.Inbound, **changes: Any) -> c.Inbound:
    return replace(inbound, **changes)


POPO_ENV = {"PERSISTENCE_MODULE": "eventsourcing.popo"}


def sqlite_env(tmp_path: Path) -> dict[str, str]:
    return {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(tmp_path / "hub.sqlite"),
    }


def refused(
    world: World, cls: type[Any], by: str, code: str, match: str, **fields: Any
) -> c.Inbound:
    """Send a command that must be refused with ``code`` and a message containing ``match``,
    and check the case is exactly as it was before."""
    try:
        before = world.hub.get_case(world.case_id)
    except UnknownCase:
        before = None
    inbound = world.inbound(world.build(cls, by, **fields))
    outcome = world.hub.execute(inbound)
    assert isinstance(outcome, Rejected), outcome
    assert outcome.reason_code == code, outcome
    assert match in outcome.message, outcome.message
    if before is not None:
        assert world.hub.get_case(world.case_id) == before
    return inbound
