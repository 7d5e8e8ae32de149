"""The story replayed in memory: every step straight into a ``CaseHub``, no Kafka.

Tests use it to prove the story is a valid history; ``casehub demo`` tells the same story
through Kafka instead (``devkit.demo.run``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from devkit.demo.clock import StoryClock
from devkit.demo.story import Step, Tick, story
from hub.cases.application import CaseHub
from hub.cases.commands import Inbound, Origin
from hub.cases.views import Rejected
from hub.errors import CaseHubError


def run_story(
    hub: CaseHub,
    clock: StoryClock,
    steps: Sequence[Step | Tick] | None = None,
    *,
    strict: bool = False,
    first_offset: int = 0,
) -> list[Any]:
    """Execute the story's steps on ``hub``; with ``strict``, an unexpected outcome raises.

    Each step arrives as if from its agency's topic at offset ``first_offset`` + its index.
    """
    from hub.codec import command_content_hash  # noqa: PLC0415 - the codec loads the catalog

    outcomes: list[Any] = []
    ordered = sorted(steps if steps is not None else story(), key=lambda s: s.at)  # stable
    for offset, step in enumerate(ordered, start=first_offset):
        clock.set(step.at)
        if isinstance(step, Tick):
            outcomes.extend(hub.record_missed_deadlines(step.at))
            continue
        inbound = Inbound(
            step.command,
            Origin(f"casehub.agency.{step.agency}.events", 0, offset),
            command_content_hash(step.command),
        )
        outcome = hub.execute(inbound)
        refused = outcome.reason_code if isinstance(outcome, Rejected) else ""
        if strict and refused != step.refused:
            expected = f"refused as {step.refused}" if step.refused else "accepted"
            raise CaseHubError(f"story step {offset} ({step.en}) should be {expected}: {outcome}")
        outcomes.append(outcome)
    return outcomes
