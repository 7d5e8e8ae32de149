"""Several hub instances applying the operator's directory file to one store at once."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from eventsourcing.persistence import IntegrityError

from devkit.testing import serve as t
from hub.bootstrap import new_hub, pipeline_env
from hub.cases import application
from hub.cases.application import CaseHub
from hub.directory import bootstrap
from hub.rules.clocks import TIMEZONE
from hub.settings import Settings

CLOCK = t.fixed_clock(datetime(2026, 1, 5, 9, tzinfo=TIMEZONE))

SECOND_AGENCY = """
[[agencies]]
id = "market-regulation"
name_zh = "市场监督管理局"
name_en = "Market Regulation Bureau"
role = "enforcement-agency"
"""


def _instances(tmp_path: Path) -> tuple[CaseHub, CaseHub]:
    settings = Settings(data_dir=tmp_path, sqlite_path=str(tmp_path / "hub.sqlite"))
    return (
        new_hub(settings, pipeline_env(settings), clock=CLOCK),
        new_hub(settings, pipeline_env(settings), clock=CLOCK),
    )


def _files(tmp_path: Path) -> tuple[Path, Path]:
    first = t.write_directory_file(tmp_path / "first.toml")
    second = tmp_path / "second.toml"
    second.write_text(first.read_text(encoding="utf-8") + SECOND_AGENCY, encoding="utf-8")
    return first, second


def _race(a: CaseHub, second: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The next time any instance applies a file, A applies ``second`` first: between the
    other instance's read of the directory and its write."""
    apply = bootstrap.apply
    raced: list[bool] = []

    def apply_after_a(*args: object, **kwargs: object) -> object:
        if not raced:
            raced.append(True)
            a.apply_directory_file(second)
        return apply(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(bootstrap, "apply", apply_after_a)


def test_an_instance_that_loses_the_race_applies_the_file_to_what_won(tmp_path, monkeypatch):
    """B has read the directory when A writes the file's change: B's write loses on the
    store's unique key, B reads the directory again and finds nothing left to do, instead of
    crashing at start-up (two `casehub serve --directory-file` starting together)."""
    a, b = _instances(tmp_path)
    first, second = _files(tmp_path)
    try:
        a.apply_directory_file(first)
        b.apply_directory_file(first)
        _race(a, second, monkeypatch)
        assert b.apply_directory_file(second) == ()
        assert "market-regulation" in b.agency_ids()
    finally:
        a.close()
        b.close()


def test_without_the_retry_the_race_is_a_crash(tmp_path, monkeypatch):
    """The race above is real: with a single attempt B's write fails on the unique key."""
    monkeypatch.setattr(application, "DIRECTORY_APPLY_ATTEMPTS", 1)
    a, b = _instances(tmp_path)
    first, second = _files(tmp_path)
    try:
        a.apply_directory_file(first)
        b.apply_directory_file(first)
        _race(a, second, monkeypatch)
        with pytest.raises(IntegrityError):
            b.apply_directory_file(second)
    finally:
        a.close()
        b.close()
