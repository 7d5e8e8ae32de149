"""Helpers for tests: the demo story replayed in memory, and the view store contract.

``story_hub(data_dir)`` builds a ``CaseHub`` on an in-memory SQLite store (or the ``env``
given), bootstraps the Rule-of-Law Office from an operator's directory file, and runs every
step of ``devkit.demo.story`` at its moment (in time order: the story lists some steps by
mechanism, not by date), calling ``record_missed_deadlines`` at each tick. The story's clock,
directory file and in-memory runner live in ``devkit.demo``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

from consumers.store import Change, Patch, Positioned, Put, Table, View, ViewStore
from devkit.demo.clock import StoryClock
from devkit.demo.directory import operator_directory_toml
from devkit.demo.replay import run_story
from devkit.demo.story import Step, Tick, story
from hub.cases.application import CaseHub
from hub.settings import Settings


def memory_store() -> dict[str, str]:
    """eventsourcing's environment for a fresh in-memory SQLite event store."""
    return {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": f"file:casehub_story_{uuid4().hex}?mode=memory&cache=shared",
    }


def story_hub(
    data_dir: Path,
    env: Mapping[str, str] | None = None,
    steps: Sequence[Step | Tick] | None = None,
    *,
    after_each: Callable[[CaseHub], object] | None = None,
) -> CaseHub:
    """A ``CaseHub`` that has lived through the demo story (``steps``, default all of it).

    ``after_each`` is called after every step (e.g. to feed views as the story goes).
    """
    all_steps = list(steps if steps is not None else story())
    clock = StoryClock(min(s.at for s in all_steps) - timedelta(days=1))
    settings = Settings(data_dir=data_dir)
    hub = CaseHub(dict(env if env is not None else memory_store()), clock=clock, settings=settings)
    directory_file = data_dir / "directory.toml"
    directory_file.write_text(operator_directory_toml(), encoding="utf-8")
    hub.apply_directory_file(directory_file)
    if after_each is None:
        run_story(hub, clock, all_steps)
        return hub
    ordered = sorted(all_steps, key=lambda s: s.at)
    for index, step in enumerate(ordered):
        run_story(hub, clock, [step], first_offset=index)
        after_each(hub)
    return hub


# --- the view store contract (run per backend: SQLite in tests/unit, PostgreSQL in integration) --
def _probe_changes(item: tuple[str, str, int]) -> list[Change]:
    key, label, number = item
    if label == "boom":  # a change the store must refuse, after a good one in the same batch
        return [Put("things", {"id": key, "label": label}), Put("things", {"nope": 1})]
    return [Put("things", {"id": key, "label": label, "n": number})]


PROBE: View[tuple[str, str, int]] = View(
    "probe",
    (Table("things", ("id", "label", "n"), ("id",), frozenset({"n"})),),
    _probe_changes,
)
OTHER: View[tuple[str, str, int]] = View("other", PROBE.tables, _probe_changes)


def _batch(*items: tuple[int, str, str, int]) -> list[Positioned[tuple[str, str, int] | None]]:
    return [Positioned(position, (key, label, n)) for position, key, label, n in items]


class ViewStoreContract:
    """Behaviour every ``ViewStore`` backend must show. Subclasses provide a ``store`` fixture
    (a fresh, empty store) and a ``same_database`` fixture (a second store on the same one)."""

    def test_a_batch_and_its_position_are_recorded_together(self, store: ViewStore) -> None:
        """Recording a batch writes its rows and its last position as ``<view>:<source>``."""
        store.ensure(PROBE)
        applied = store.record(PROBE, "src", _batch((1, "a", "甲", 1), (2, "b", "乙", 2)))
        assert applied == 2
        assert store.rows(PROBE, "things") == [
            {"id": "a", "label": "甲", "n": 1},
            {"id": "b", "label": "乙", "n": 2},
        ]
        assert store.position("probe:src") == 2
        assert store.tracking_names(PROBE) == {"probe:src": 2}

    def test_reprocessing_a_tracked_position_is_a_no_op(self, store: ViewStore) -> None:
        """A batch at or below the stored position changes nothing and reports 0 applied."""
        store.ensure(PROBE)
        store.record(PROBE, "src", _batch((1, "a", "first", 1), (2, "b", "first", 2)))
        assert store.record(PROBE, "src", _batch((2, "b", "again", 9))) == 0
        assert store.rows(PROBE, "things", {"id": "b"}) == [{"id": "b", "label": "first", "n": 2}]
        assert store.position("probe:src") == 2

    def test_an_overlapping_batch_applies_only_new_positions(self, store: ViewStore) -> None:
        """Entries at or below the stored position are skipped, later ones applied."""
        store.ensure(PROBE)
        store.record(PROBE, "src", _batch((5, "a", "old", 1)))
        applied = store.record(PROBE, "src", _batch((4, "a", "older", 0), (6, "c", "new", 3)))
        assert applied == 1
        assert [r["label"] for r in store.rows(PROBE, "things")] == ["old", "new"]
        assert store.position("probe:src") == 6

    def test_a_failing_change_leaves_neither_rows_nor_position(self, store: ViewStore) -> None:
        """One transaction: a change that fails rolls back the batch's rows and position."""
        store.ensure(PROBE)
        store.record(PROBE, "src", _batch((1, "a", "ok", 1)))
        try:
            store.record(PROBE, "src", _batch((2, "b", "fine", 2), (3, "c", "boom", 3)))
        except ValueError:
            pass
        else:  # pragma: no cover - the contract is broken
            raise AssertionError("a change naming an unknown column must fail")
        assert store.rows(PROBE, "things") == [{"id": "a", "label": "ok", "n": 1}]
        assert store.position("probe:src") == 1

    def test_a_stale_writer_is_refused_by_the_tracking_row(
        self, store: ViewStore, same_database: ViewStore
    ) -> None:
        """A writer that read an old position cannot record it again: its batch rolls back."""
        store.ensure(PROBE)
        store.record(PROBE, "src", _batch((1, "a", "winner", 1)))
        stale = same_database
        stale._max_position = lambda _name, _cursor: None  # type: ignore[method-assign,assignment] # noqa: SLF001
        assert stale.record(PROBE, "src", _batch((1, "a", "loser", 7))) == 0
        assert store.rows(PROBE, "things") == [{"id": "a", "label": "winner", "n": 1}]

    def test_positions_are_kept_per_source(self, store: ViewStore) -> None:
        """Each source (store, or topic:partition) has its own tracking row."""
        store.ensure(PROBE)
        store.record(PROBE, "casehub.timeline:0", _batch((10, "a", "x", 1)))
        store.record(PROBE, "casehub.timeline:1", _batch((3, "b", "y", 2)))
        assert store.tracking_names(PROBE) == {
            "probe:casehub.timeline:0": 10,
            "probe:casehub.timeline:1": 3,
        }

    def test_drop_forgets_one_views_tables_and_positions(self, store: ViewStore) -> None:
        """Dropping a view removes its rows and tracking rows, and no other view's."""
        for view in (PROBE, OTHER):
            store.ensure(view)
            store.record(view, "src", _batch((1, "a", view.name, 1)))
        store.drop(PROBE)
        store.ensure(PROBE)
        assert store.rows(PROBE, "things") == []
        assert store.tracking_names(PROBE) == {}
        assert store.rows(OTHER, "things") == [{"id": "a", "label": "other", "n": 1}]
        assert store.tracking_names(OTHER) == {"other:src": 1}

    def test_patches_update_matching_rows_only(self, store: ViewStore) -> None:
        """A Patch sets values on the rows matching its columns; a Put replaces by key."""
        store.ensure(PROBE)
        with store._transaction(commit=True) as cursor:  # noqa: SLF001
            store._apply(PROBE, cursor, Put("things", {"id": "a", "label": "x", "n": 1}))  # noqa: SLF001
            store._apply(PROBE, cursor, Put("things", {"id": "b", "label": "x", "n": 2}))  # noqa: SLF001
            store._apply(PROBE, cursor, Patch("things", {"id": "b"}, {"label": "y"}))  # noqa: SLF001
            store._apply(PROBE, cursor, Put("things", {"id": "a", "label": "z", "n": 3}))  # noqa: SLF001
        assert store.rows(PROBE, "things") == [
            {"id": "a", "label": "z", "n": 3},
            {"id": "b", "label": "y", "n": 2},
        ]

    def test_the_rebuilt_story_views_equal_the_live_ones(
        self, store: ViewStore, tmp_path: Path
    ) -> None:
        """Views fed step by step as the demo story runs equal, row for row, their rebuild."""
        from consumers.runner import VIEWS, catch_up, rebuild  # noqa: PLC0415

        views = list(VIEWS.values())

        def feed(app: CaseHub) -> None:
            for view in views:
                catch_up(app, store, view, batch=7)

        app = story_hub(tmp_path, after_each=feed)
        live = {v.name: store.snapshot(v) for v in views}
        assert live["audit"]["events"], "the live audit trail is empty"
        for view in views:
            rebuild(app, store, view)
        assert {v.name: store.snapshot(v) for v in views} == live
        app.close()


def story_data_dir(data_dir: Path) -> Path:
    """A data directory whose SQLite event store (``hub.sqlite``) holds the demo story."""
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(data_dir / "hub.sqlite"),
    }
    story_hub(data_dir, env).close()
    return data_dir


# --- classification: three cases, one confidential (hub.privacy.access) ---------------------------
#: Strings only the confidential case's content carries: none may reach an agency not cleared
#: for it, or not taking part in it.
CONFIDENTIAL_STRINGS = (
    "CONF-TITLE-7Q 涉密案件标题",
    "CONF-SUMMARY-7Q",
    "CONF-MAJOR-7Q",
    "CONF-SHARE-7Q",
    "CONF-EVENT-9Z",
)
#: What the classification tests configure: the procuratorate, the market regulator and the
#: Rule-of-Law Office cleared for CONFIDENTIAL; everyone else the default (INTERNAL).
CLASSIFICATION_CLEARANCES = (
    "procuratorate=CONFIDENTIAL,market-regulation=CONFIDENTIAL,rule-of-law-office=CONFIDENTIAL"
)


def classification_story() -> list[Step]:
    """The story's directory steps, then three cases of two enforcement agencies:

    * ``market-regulation/MR-INT-1`` (INTERNAL) with one CONFIDENTIAL shared item;
    * ``market-regulation/MR-CONF-1`` (CONFIDENTIAL), flagged major (so every agency gets the
      notice) and with a shared item sent as INTERNAL (the case's level wins);
    * ``natural-resources/NR-PUB-1`` (PUBLIC).

    Participants of the market regulator's cases: itself, the procuratorate, the justice
    bureau (cleared only for INTERNAL). The natural-resources bureau and the Rule-of-Law
    Office take no part in them.
    """
    from datetime import datetime  # noqa: PLC0415
    from uuid import NAMESPACE_URL, uuid5  # noqa: PLC0415

    from devkit.demo.story import MARKET_REGULATION, NATURAL_RESOURCES  # noqa: PLC0415
    from hub.cases.commands import (  # noqa: PLC0415
        AdmitAgency,
        Command,
        DesignateLiaison,
        Envelope,
        RegisterCase,
        RegisterOfficer,
        ShareInformation,
    )
    from hub.rules.clocks import TIMEZONE  # noqa: PLC0415
    from hub.vocabulary import CaseRef, Classification, MajorFlag  # noqa: PLC0415

    directory = [
        s
        for s in story()
        if isinstance(s, Step)
        and isinstance(s.command, AdmitAgency | RegisterOfficer | DesignateLiaison)
    ]
    officers = {"market-regulation": "mr-001", "natural-resources": "nr-001"}
    steps: list[Step] = []

    def env(agency: str, level: Classification, day: int) -> Envelope:
        moment = datetime(2026, 3, day, 10, len(steps), tzinfo=TIMEZONE)
        return Envelope(
            uuid5(NAMESPACE_URL, f"casehub-classification-test/{len(steps)}"),
            agency,
            officers[agency],
            moment,
            classification=level,
        )

    def add(agency: str, command: Command) -> None:
        steps.append(Step(command.envelope.occurred_at, agency, command, "", ""))

    internal, confidential, public = (
        Classification.INTERNAL,
        Classification.CONFIDENTIAL,
        Classification.PUBLIC,
    )
    mr_int = CaseRef(MARKET_REGULATION, "MR-INT-1")
    mr_conf = CaseRef(MARKET_REGULATION, "MR-CONF-1")
    nr_pub = CaseRef(NATURAL_RESOURCES, "NR-PUB-1")
    add(
        MARKET_REGULATION,
        RegisterCase(env(MARKET_REGULATION, internal, 2), mr_int, "INT-TITLE", "food", "INT-SUM"),
    )
    add(
        MARKET_REGULATION,
        ShareInformation(env(MARKET_REGULATION, confidential, 2), mr_int, "I-1", "CONF-EVENT-9Z"),
    )
    add(
        MARKET_REGULATION,
        RegisterCase(
            env(MARKET_REGULATION, confidential, 3),
            mr_conf,
            CONFIDENTIAL_STRINGS[0],
            "food-safety",
            CONFIDENTIAL_STRINGS[1],
            major=MajorFlag("TB-CONF-1", CONFIDENTIAL_STRINGS[2]),
        ),
    )
    add(
        MARKET_REGULATION,
        ShareInformation(env(MARKET_REGULATION, internal, 3), mr_conf, "I-2", "CONF-SHARE-7Q"),
    )
    add(
        NATURAL_RESOURCES,
        RegisterCase(env(NATURAL_RESOURCES, public, 4), nr_pub, "PUB-TITLE", "land", "PUB-SUM"),
    )
    return [*directory, *steps]
