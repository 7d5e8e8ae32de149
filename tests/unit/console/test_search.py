"""Finding a case: the case index view's rows and statuses, and ``console.search``."""

from __future__ import annotations

import json
from datetime import date, datetime
from types import SimpleNamespace
from uuid import UUID

import pytest

from console.search import CaseQuery, SearchError, person_subject, search
from consumers import case_index
from consumers.records import TimelineEntry
from consumers.runner import VIEWS, catch_up
from consumers.store import Positioned, SQLiteViewStore
from devkit.testing.consumers import story_hub

PEPPER = b"p" * 32
ID_NUMBER = "110101199003071234"
CASES = [
    # (case id digit, owner, number, title, classification, day, participants)
    (
        1,
        "natural-resources",
        "自然资源案〔2026〕001号",
        "某村民占用耕地建房案",
        "INTERNAL",
        "2026-03-02",
        ["procuratorate"],
    ),
    (
        2,
        "market-regulation",
        "市监案〔2026〕002号",
        "冷链食品过期销售案",
        "INTERNAL",
        "2026-04-10",
        ["procuratorate", "justice"],
    ),
    (
        3,
        "market-regulation",
        "市监案〔2026〕027号",
        "某科技公司商业秘密被侵犯案",
        "CONFIDENTIAL",
        "2026-05-20",
        ["procuratorate"],
    ),
    (
        4,
        "natural-resources",
        "自然资源案〔2026〕004号",
        "河道非法采砂案",
        "INTERNAL",
        "2026-06-01",
        [],
    ),
]


def cid(n: int) -> str:
    return f"00000000-0000-0000-0000-{n:012d}"


class Entries:
    def __init__(self) -> None:
        self.n = 0

    def __call__(
        self,
        case: int,
        version: int,
        name: str,
        payload: dict,
        *,
        actor: str = "procuratorate",
        day: str = "2026-06-02",
    ) -> Positioned[TimelineEntry]:
        self.n += 1
        moment = datetime.fromisoformat(f"{day}T02:00:00+00:00")
        return Positioned(
            self.n,
            TimelineEntry(
                notification_id=self.n,
                event_type=f"Case.{name}",
                aggregate="CASE",
                aggregate_id=cid(case),
                case_id=cid(case),
                agency_id=None,
                version=version,
                event_id=f"e-{self.n}",
                actor_agency=actor,
                officer_id="o-1",
                occurred_at=moment,
                recorded_at=moment,
                hash_alg="sha256",
                event_hash=f"{self.n:064d}",
                prev_hash=f"{self.n - 1:064d}",
                payload=payload,
            ),
        )


@pytest.fixture
def store(tmp_path):
    views = SQLiteViewStore(str(tmp_path / "views.sqlite"))
    views.ensure(case_index.VIEW)
    make = Entries()
    batch = []
    for n, owner, number, title, level, day, parts in CASES:
        batch.append(
            make(
                n,
                1,
                "Registered",
                {
                    "owning_agency": owner,
                    "case_number": number,
                    "title": title,
                    "category": "ENV",
                    "classification": level,
                    "participants": [owner, *parts],
                },
                actor=owner,
                day=day,
            )
        )
    # case 1: a request still open and its deadline missed -> overdue
    batch.append(
        make(
            1,
            2,
            "AssistanceRequested",
            {"request_id": "R1", "addressee": "procuratorate", "due_date": "2026-03-20"},
        )
    )
    batch.append(
        make(
            1,
            3,
            "DeadlineMissed",
            {
                "kind": "ASSISTANCE_RESPONSE",
                "target_id": "R1",
                "agency": "procuratorate",
                "due_date": "2026-03-20",
            },
        )
    )
    # case 2: a dispute under way -> open
    batch.append(make(2, 2, "DisputeOpened", {"dispute_id": "D1", "subject": "x", "parties": []}))
    # case 4: a request answered -> closed; a participant added later
    batch.append(
        make(
            4,
            2,
            "AssistanceRequested",
            {"request_id": "R2", "addressee": "justice", "due_date": "2026-06-20"},
        )
    )
    batch.append(make(4, 3, "AssistanceCompleted", {"request_id": "R2"}, actor="justice"))
    batch.append(make(4, 4, "ParticipantAdded", {"agency_id": "public-security"}))
    views.record(case_index.VIEW, "store", batch)
    yield views
    views.close()


def refs(found):
    return [h.reference for h in found[0]]


class TestStatus:
    def test_open_overdue_closed_come_from_the_record(self, store):
        """Overdue: a missed deadline still open; open: something under way; closed: nothing."""
        hits, total = search(store, CaseQuery(), reader_may_read=lambda _: True)
        status = {h.case_id: h.status for h in hits}
        assert total == 4
        assert status[UUID(cid(1))] == "overdue"
        assert status[UUID(cid(2))] == "open"
        assert status[UUID(cid(3))] == "closed"
        assert status[UUID(cid(4))] == "closed"

    def test_status_filters(self, store):
        everyone = {"reader_may_read": lambda _: True}
        assert refs(search(store, CaseQuery(status="overdue"), **everyone)) == [
            "natural-resources/自然资源案〔2026〕001号"
        ]
        assert len(search(store, CaseQuery(status="open"), **everyone)[0]) == 2
        assert search(store, CaseQuery(status="closed"), **everyone)[1] == 2
        with pytest.raises(SearchError, match="unknown status 'late'"):
            CaseQuery(status="late")


class TestWords:
    def test_a_chinese_phrase_is_found_by_trigrams(self, store):
        assert refs(search(store, CaseQuery(words="占用耕地"))) == [
            "natural-resources/自然资源案〔2026〕001号"
        ]

    def test_a_two_character_word_falls_back_to_like(self, store):
        assert refs(search(store, CaseQuery(words="耕地"))) == [
            "natural-resources/自然资源案〔2026〕001号"
        ]
        assert refs(search(store, CaseQuery(words="采砂"))) == [
            "natural-resources/自然资源案〔2026〕004号"
        ]

    def test_every_word_must_match_and_nothing_matches_nothing(self, store):
        assert refs(search(store, CaseQuery(words="冷链 过期"))) == [
            "market-regulation/市监案〔2026〕002号"
        ]
        assert search(store, CaseQuery(words="冷链 耕地")) == ([], 0)
        assert search(store, CaseQuery(words='"%_')) == ([], 0)

    def test_the_index_follows_a_rebuild(self, store):
        catch_up_free = store.rows(case_index.VIEW, "cases")
        assert len(catch_up_free) == 4
        store.drop(case_index.VIEW)
        store.ensure(case_index.VIEW)
        assert search(store, CaseQuery(words="占用耕地")) == ([], 0)


class TestConfidential:
    def test_a_reader_who_may_not_read_it_cannot_find_it_by_its_title(self, store):
        """The title of a CONFIDENTIAL case is content: not matched, not shown."""
        assert search(store, CaseQuery(words="商业秘密")) == ([], 0)
        hits, _ = search(store, CaseQuery(owning_agency="market-regulation"))
        secret = next(h for h in hits if h.classification == "CONFIDENTIAL")
        assert secret.title == ""
        assert secret.reference == "market-regulation/市监案〔2026〕027号"

    def test_a_cleared_reader_finds_it(self, store):
        hits, total = search(store, CaseQuery(words="商业秘密"), reader_may_read=lambda _: True)
        assert total == 1
        assert hits[0].title == "某科技公司商业秘密被侵犯案"


class TestFilters:
    def test_agency_and_date_range(self, store):
        found = search(
            store,
            CaseQuery(
                owning_agency="natural-resources",
                registered_from=date(2026, 3, 1),
                registered_to=date(2026, 3, 31),
            ),
        )
        assert refs(found) == ["natural-resources/自然资源案〔2026〕001号"]
        to_day = search(store, CaseQuery(registered_to=date(2026, 6, 1)))
        assert "natural-resources/自然资源案〔2026〕004号" in refs(to_day)
        with pytest.raises(SearchError, match=r"ends .* before it starts"):
            CaseQuery(registered_from=date(2026, 6, 1), registered_to=date(2026, 5, 1))

    def test_participant_and_case_number(self, store):
        assert refs(search(store, CaseQuery(participant="justice"))) == [
            "market-regulation/市监案〔2026〕002号"
        ]
        later = search(store, CaseQuery(participant="public-security"))
        assert refs(later) == ["natural-resources/自然资源案〔2026〕004号"]
        assert later[0][0].participants == ("natural-resources", "public-security")
        assert refs(search(store, CaseQuery(case_number="市监案〔2026〕002号"))) == [
            "market-regulation/市监案〔2026〕002号"
        ]

    def test_pages(self, store):
        everyone = {"reader_may_read": lambda _: True}
        first, total = search(store, CaseQuery(), limit=3, **everyone)
        second, again = search(store, CaseQuery(), limit=3, offset=3, **everyone)
        assert (total, again) == (4, 4)
        assert len(first) == 3
        assert len(second) == 1
        assert [h.registered_at for h in first + second] == sorted(
            (h.registered_at for h in first + second), reverse=True
        )
        with pytest.raises(SearchError, match="bad page"):
            search(store, CaseQuery(), limit=0)


class TestPerson:
    def keystore(self, mentions):
        infos = {person_subject(PEPPER, ID_NUMBER): SimpleNamespace(mentions=mentions)}
        return SimpleNamespace(info=infos.get)

    def test_an_id_number_finds_the_case_through_its_subject(self, store):
        subject = person_subject(PEPPER, ID_NUMBER)
        assert subject.startswith("p-")
        assert ID_NUMBER not in subject
        assert subject == person_subject(PEPPER, " " + ID_NUMBER.lower() + " ")
        keys = self.keystore(("case:natural-resources/自然资源案〔2026〕004号", "directory"))
        found = search(store, CaseQuery(person=subject), mentions=keys)
        assert refs(found) == ["natural-resources/自然资源案〔2026〕004号"]
        other = person_subject(PEPPER, "110101199003070000")
        assert search(store, CaseQuery(person=other), mentions=keys) == ([], 0)

    def test_no_plaintext_person_in_the_index(self, store):
        dump = json.dumps(store.snapshot(case_index.VIEW), ensure_ascii=False)
        assert ID_NUMBER not in dump
        with pytest.raises(SearchError, match="never an ID number"):
            CaseQuery(person=ID_NUMBER)
        with pytest.raises(SearchError, match="empty"):
            person_subject(PEPPER, "  ")


@pytest.fixture(scope="module")
def story_app(tmp_path_factory):
    app = story_hub(tmp_path_factory.mktemp("story"))
    yield app
    app.close()


def test_the_view_is_registered_and_built_from_the_story(story_app, tmp_path):
    assert VIEWS["case_index"] is case_index.VIEW
    views = SQLiteViewStore(str(tmp_path / "v.sqlite"))
    try:
        catch_up(story_app, views, case_index.VIEW)
        hits, total = search(views, CaseQuery(), reader_may_read=lambda _: True)
        assert total >= 2
        assert all(h.title and h.owning_agency for h in hits)
        assert {h.status for h in hits} <= {"open", "overdue", "closed"}
    finally:
        views.close()


def test_the_count_leaves_out_what_the_reader_may_not_find(store):
    """A word in a readable and an unreadable CONFIDENTIAL title: one hit, counted once."""
    hits, total = search(store, CaseQuery(words="案"))
    assert total == 3
    assert all(h.classification != "CONFIDENTIAL" for h in hits)
    assert search(store, CaseQuery(words="案"), reader_may_read=lambda _: True)[1] == 4
