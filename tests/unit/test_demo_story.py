"""The demo story is a valid history: each step ends as the story says, as the article tells."""

from __future__ import annotations

from datetime import timedelta

from consumers.testing import memory_store
from hub.cases.application import CaseHub
from hub.cases.views import Accepted, Rejected
from hub.demo.clock import StoryClock
from hub.demo.directory import operator_directory_toml
from hub.demo.replay import run_story
from hub.demo.story import FOOD_CASE, LAND_CASE, Step, story
from hub.settings import Settings


def _hub(tmp_path) -> tuple[CaseHub, StoryClock]:
    steps = story()
    clock = StoryClock(steps[0].at - timedelta(days=1))
    hub = CaseHub(memory_store(), clock=clock, settings=Settings(data_dir=tmp_path))
    directory_file = tmp_path / "directory.toml"
    directory_file.write_text(operator_directory_toml(), encoding="utf-8")
    hub.apply_directory_file(directory_file)
    return hub, clock


def _missed(hub: CaseHub) -> set[tuple[str, str]]:
    return {
        (case.case_number, e.payload["target_id"])
        for case in (FOOD_CASE, LAND_CASE)
        for e in hub.case_events(CaseHub.case_id(case.owning_agency, case.case_number))
        if e.type.endswith("DeadlineMissed")
    }


def test_the_story_is_told_in_time_order() -> None:
    """The story's steps are in time order, so a publisher can send them as they stand."""
    moments = [step.at for step in story()]
    assert moments == sorted(moments)


def test_every_step_ends_as_the_story_says(tmp_path) -> None:
    """Every step is accepted but the one bad event, refused as the story expects."""
    hub, clock = _hub(tmp_path)
    outcomes = run_story(hub, clock, strict=True)  # raises on any unexpected outcome
    published = [s for s in story() if isinstance(s, Step)]
    refused = [o for o in outcomes if isinstance(o, Rejected)]
    assert [(r.reason_code, r.event_id) for r in refused] == [
        (s.refused, s.command.envelope.event_id) for s in published if s.refused
    ]
    assert sum(isinstance(o, Accepted) for o in outcomes) >= len(published) - len(refused)


def test_only_the_land_recommendation_misses_its_reply_deadline(tmp_path) -> None:
    """The Natural Resources Bureau's reply (due 15 June 2026) is missed; the other is on time."""
    hub, clock = _hub(tmp_path)
    run_story(hub, clock, strict=True)
    missed = _missed(hub)
    assert (LAND_CASE.case_number, "JJ-2026-02") in missed
    assert all(target != "JJ-2026-01" for _, target in missed)
