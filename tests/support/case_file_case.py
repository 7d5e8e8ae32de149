"""One case that holds what the case file must say in words (tests of hub/presentation/casefile).

``market-regulation/市监罚〔2026〕1号`` on the demo directory (case_builders), with:

- R-1 to 市市场监管局: received 2026-11-02, objected to, reviewed as AMENDED on 2026-11-10;
  its reply is due in 2027, a year whose holiday arrangement is not yet published, so the due
  day is provisional and the recommendation is open again (RECEIVED);
- R-2 to 市自然资源局: received 2026-08-03, its reply due day missed (the hub records the miss
  at 01:00 local time the next day), replied three working days after that.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from case_builders import MARKET, NATURAL, PROC, World, at, sqlite_env
from hub.cases import commands as c
from hub.cases.views import RecommendationView
from hub.vocabulary import Adoption, ReviewOutcome

REFERENCE = f"{MARKET}/市监罚〔2026〕1号"
TITLE = "无证生产食品案"


@dataclass(frozen=True, slots=True)
class Facts:
    world: World
    amended_due: date  # R-1's reply due day after the AMENDED review (provisional)
    missed_due: date  # R-2's reply due day, missed
    missed_at: str  # when the miss was recorded, local time with its zone
    replied_at: str  # R-2's late reply, local time with its zone


def build(tmp_path: Path) -> Facts:
    """The case in an SQLite event store at ``tmp_path / "hub.sqlite"`` (a CLI data dir)."""
    w = World(sqlite_env(tmp_path), tmp_path)
    w.clock.set(at("2026-08-03", 9))
    w.register(title=TITLE)
    w.send(c.AddParticipant, PROC, agency_id=NATURAL)
    w.recommendation_received("R-2", addressee=NATURAL)
    missed_due = _rec(w, "R-2").due_date
    assert missed_due is not None
    # The scheduler records the miss at 01:00 on the day after the due day (Asia/Shanghai).
    w.clock.set(at((missed_due + timedelta(days=1)).isoformat(), 1))
    assert len(w.hub.record_missed_deadlines(w.clock.now)) == 1
    missed_at = f"{missed_due + timedelta(days=1)} 01:00 +08:00"
    w.clock.set(at("2026-10-15", 16))
    w.send(
        c.ReplyToRecommendation,
        NATURAL,
        recommendation_id="R-2",
        adoption=Adoption.PARTLY_ADOPTED,
        measures="Inspections doubled.",
    )
    w.clock.set(at("2026-11-02"))
    w.recommendation_received("R-1")
    w.send(c.ObjectToRecommendation, MARKET, recommendation_id="R-1", grounds="facts wrong")
    w.clock.set(at("2026-11-10"))
    w.send(
        c.ReviewObjection,
        PROC,
        recommendation_id="R-1",
        outcome=ReviewOutcome.AMENDED,
        notes="corrected",
        amended_content="Check licences monthly.",
    )
    amended = _rec(w, "R-1")
    assert amended.status == "RECEIVED"
    assert amended.provisional
    assert amended.due_date is not None
    return Facts(w, amended.due_date, missed_due, missed_at, "2026-10-15 16:00 +08:00")


def _rec(w: World, rec: str) -> RecommendationView:
    case = w.hub.get_case(w.case_id)
    return next(r for r in case.recommendations if r.recommendation_id == rec)
