"""The composition root: readers refuse a missing store, writers create it, components come
from the settings given (``hub.bootstrap``)."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest

from consumers.opening import views_file
from hub import bootstrap
from hub.cli import build_parser
from hub.errors import SetupError
from hub.settings import Settings


def run(argv: list[str], settings: Settings) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.func(args, settings)
    return code


@pytest.fixture
def missing(tmp_path):
    """Settings whose SQLite event store is not there (in a folder that is not there either)."""
    return Settings(data_dir=tmp_path, sqlite_path=str(tmp_path / "nowhere" / "hub.sqlite"))


class TestReadersRefuseAMissingStore:
    @pytest.mark.parametrize(
        "argv",
        [
            ["ops", "status"],
            ["ops", "deadletters"],
            ["topics", "ensure"],
            ["directory", "show"],
            ["audit", "verify", "--all", "--anchor", "view"],
        ],
    )
    def test_a_reading_verb_names_the_missing_path_and_creates_nothing(self, argv, missing):
        """A verb that only reads refuses a missing SQLite store, naming it, and creates none."""
        with pytest.raises(SetupError, match=r"there is no event store at .*nowhere/hub\.sqlite"):
            run(argv, missing)
        assert not missing.sqlite_file.exists()
        assert not missing.sqlite_file.parent.exists()

    def test_open_existing_hub_refuses_a_missing_sqlite_file(self, missing):
        """The root's reader opens nothing when the file is not there."""
        with (
            pytest.raises(SetupError, match=r"nowhere/hub\.sqlite"),
            bootstrap.open_existing_hub(missing),
        ):
            pass
        assert not missing.sqlite_file.exists()


class TestWriters:
    def test_the_pipeline_creates_its_store(self, tmp_path):
        """``open_pipeline`` is the writer: a missing store is created, then readers open it."""
        settings = Settings(data_dir=tmp_path)
        with bootstrap.open_pipeline(settings) as app:
            assert app.agency_ids() == []
        assert settings.sqlite_file.exists()
        with bootstrap.open_existing_hub(settings) as app:
            assert app.agency_ids() == []


class TestComponents:
    def test_the_hub_gets_the_calendar_the_settings_name(self, tmp_path):
        """The calendar is built from the settings given, and the application uses it."""
        (tmp_path / "calendar").mkdir()
        (tmp_path / "calendar" / "2031.toml").write_text("holidays = [2031-03-03]\n")
        settings = Settings(data_dir=tmp_path)
        assert not bootstrap.working_calendar(settings).is_working_day(date(2031, 3, 3))
        with bootstrap.new_hub(settings, bootstrap.MEMORY_STORE) as app:
            assert app.terms.calendar is not None
            assert not app.terms.calendar.is_working_day(date(2031, 3, 3))

    def test_the_view_store_file_lives_in_the_data_dir(self, tmp_path):
        """``views_file`` is ``<data_dir>/views.sqlite``."""
        assert views_file(Settings(data_dir=tmp_path)) == tmp_path / "views.sqlite"


class TestOneRoot:
    """Shipped code loads settings in one place and opens the application in one place."""

    ROOT = Path(__file__).resolve().parents[2]

    def _calls(self, name: str) -> set[str]:
        found: set[str] = set()
        for folder in ("hub", "consumers"):
            for path in sorted((self.ROOT / folder).rglob("*.py")):
                rel = path.relative_to(self.ROOT).as_posix()
                for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                    if isinstance(node, ast.Call) and (
                        (isinstance(node.func, ast.Name) and node.func.id == name)
                        or (isinstance(node.func, ast.Attribute) and node.func.attr == name)
                    ):
                        found.add(rel)
        return found

    def test_only_the_cli_loads_settings(self):
        """Components receive settings: only the command line's entry point loads them."""
        assert self._calls("load_settings") == {"hub/cli.py"}

    def test_only_the_root_constructs_the_application(self):
        """Every entry point opens CaseHub through hub.bootstrap."""
        assert self._calls("CaseHub") == {"hub/bootstrap.py"}
