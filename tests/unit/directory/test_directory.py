"""The Directory aggregate: admission, officers, liaison history, bootstrap file and CLI."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

import pytest

from case_builders import JUSTICE, MARKET, PROC, ROL, World, at
from hub.cases import commands as c
from hub.cases.views import Accepted, Rejected
from hub.directory import cli
from hub.errors import RuleViolation, SetupError, UnknownAgency
from hub.vocabulary import AgencyRole


def rejected(outcome: object, code: str, match: str) -> None:
    assert isinstance(outcome, Rejected), outcome
    assert outcome.reason_code == code
    assert match in outcome.message


class TestBootstrap:
    def test_operator_is_author(self, world: World):
        """Agencies from the operator's file are admitted by 'operator'."""
        view = world.hub.directory()
        assert [a.agency_id for a in view.agencies] == [
            PROC,
            JUSTICE,
            ROL,
            MARKET,
            "natural-resources",
        ]
        assert {a.admitted_by for a in view.agencies} == {"operator"}

    def test_applying_twice_changes_nothing(self, world: World):
        """Applying the same file again records nothing."""
        version = world.hub.directory().version
        assert world.hub.apply_directory_file(world.directory_file) == ()
        assert world.hub.directory().version == version

    def test_conflicting_details_refused(self, world: World, tmp_path: Path):
        """A file that would change an admitted agency's details is refused."""
        path = tmp_path / "other.json"
        path.write_text(
            json.dumps(
                {
                    "agencies": [
                        {"id": PROC, "name_zh": "别名", "name_en": "x", "role": "procuratorate"}
                    ]
                }
            ),
            encoding="utf-8",
        )
        version = world.hub.directory().version
        with pytest.raises(RuleViolation, match="already admitted with other details"):
            world.hub.apply_directory_file(path)
        assert world.hub.directory().version == version

    def test_json_file_adds_liaison(self, world: World, tmp_path: Path):
        """A JSON file can designate a further liaison; only the new entry is recorded."""
        path = tmp_path / "more.json"
        path.write_text(
            json.dumps(
                {
                    "officers": [{"agency": MARKET, "id": "market-regulation-2", "name": "Deputy"}],
                    "liaisons": [
                        {
                            "agency": MARKET,
                            "officer": "market-regulation-1",
                            "effective_from": "2026-01-01",
                        },
                        {
                            "agency": MARKET,
                            "officer": "market-regulation-2",
                            "effective_from": "2026-09-01",
                        },
                    ],
                }
            ),
            encoding="utf-8",
        )
        assert len(world.hub.apply_directory_file(path)) == 2

    def test_bad_file(self, tmp_path: Path, world: World):
        """A file with an unknown section is a setup error."""
        path = tmp_path / "bad.toml"
        path.write_text("[[people]]\nid = 1\n", encoding="utf-8")
        with pytest.raises(SetupError, match="unknown section"):
            world.hub.apply_directory_file(path)


class TestCommands:
    def admit(self, world: World, by: str, agency_id: str = "ecology") -> object:
        return world.send(
            c.AdmitAgency,
            by,
            agency_id=agency_id,
            name_zh="市生态环境局",
            name_en="Ecology Bureau",
            role=AgencyRole.ENFORCEMENT_AGENCY,
        )

    def test_rule_of_law_office_admits(self, world: World):
        """The Rule-of-Law Office admits an agency; it is the recorded author."""
        outcome = self.admit(world, ROL)
        assert isinstance(outcome, Accepted)
        assert outcome.case_id is None
        agency = world.hub.directory().agency("ecology")
        assert agency is not None
        assert agency.admitted_by == ROL

    def test_only_rule_of_law_office_admits(self, world: World):
        """Any other agency's admission is refused."""
        rejected(self.admit(world, PROC), "not_authorized", "only the Rule-of-Law Office may admit")

    def test_admitted_once(self, world: World):
        """An agency is admitted once."""
        rejected(self.admit(world, ROL, MARKET), "rule_violation", "already admitted")

    def test_first_officer_registers_then_others_by_officers(self, world: World):
        """A new agency's first officer self-registers; later ones need a registered sender."""
        self.admit(world, ROL)
        first = world.send(
            c.RegisterOfficer, "ecology", officer="eco-1", officer_id="eco-1", name="A"
        )
        assert isinstance(first, Accepted)
        stranger = world.send(
            c.RegisterOfficer, "ecology", officer="eco-9", officer_id="eco-2", name="B"
        )
        rejected(stranger, "unknown_officer", "eco-9 is not registered for agency ecology")
        second = world.send(
            c.RegisterOfficer, "ecology", officer="eco-1", officer_id="eco-2", name="B"
        )
        assert isinstance(second, Accepted)

    def test_unknown_sender(self, world: World):
        """A sender outside the directory is unknown_agency."""
        outcome = world.send(c.RegisterOfficer, "ghost", officer_id="g-1", name="G")
        rejected(outcome, "unknown_agency", "ghost")

    def test_liaison_history(self, world: World):
        """A designation replaces the liaison from its date; earlier moments keep the old one."""
        world.send(c.RegisterOfficer, MARKET, officer_id="market-regulation-2", name="Deputy")
        world.send(
            c.DesignateLiaison,
            MARKET,
            officer_id="market-regulation-2",
            effective_from=date(2026, 9, 1),
        )
        before = world.hub.liaison_at(MARKET, at("2026-08-31", 23))
        after = world.hub.liaison_at(MARKET, date(2026, 9, 1))
        assert before is not None
        assert after is not None
        assert (before.officer_id, after.officer_id) == (
            "market-regulation-1",
            "market-regulation-2",
        )
        assert after.designated_by == MARKET
        assert world.hub.liaison_at(MARKET, date(2025, 12, 31)) is None
        history = world.hub.directory().agency(MARKET)
        assert history is not None
        assert len(history.liaison_history) == 2

    def test_liaison_must_be_own_officer(self, world: World):
        """A liaison is one of the designating agency's own registered officers."""
        outcome = world.send(
            c.DesignateLiaison,
            MARKET,
            officer_id="procuratorate-1",
            effective_from=date(2026, 9, 1),
        )
        rejected(
            outcome,
            "unknown_officer",
            "procuratorate-1 is not registered for agency market-regulation",
        )

    def test_liaison_of_unknown_agency(self, world: World):
        """Asking for the liaison of an agency not admitted is an error."""
        with pytest.raises(UnknownAgency):
            world.hub.liaison_at("ghost", date(2026, 9, 1))


class TestCli:
    def test_apply_and_show(self, world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
        """`directory apply` is idempotent and `directory show` lists agencies and liaisons."""
        settings = world.settings.with_overrides(sqlite_path=str(tmp_path / "cli.sqlite"))
        assert cli._apply(argparse.Namespace(file=str(world.directory_file)), settings) == 0
        assert "11 change(s) applied" in capsys.readouterr().out
        assert cli._apply(argparse.Namespace(file=str(world.directory_file)), settings) == 0
        assert "already up to date" in capsys.readouterr().out
        assert cli._show(argparse.Namespace(at=date(2026, 8, 1)), settings) == 0
        out = capsys.readouterr().out
        assert "market-regulation  [enforcement-agency]" in out
        assert "market-regulation-1: Inspector Example  (liaison 联络员)" in out
