import pytest

from case_builders import MARKET, World
from console.accounts import AccountError
from console.wiring import ConsoleDeps, ReadLogMissing, known_agencies, readlog_module
from hub.bootstrap import store_env
from hub.settings import Settings


def test_deps_open_the_console_store_in_the_data_dir(tmp_path):
    deps = ConsoleDeps.open(Settings(data_dir=tmp_path))
    try:
        assert (tmp_path / "console.sqlite").exists()
        assert deps.accounts.all() == []
        if readlog_module() is None:  # until the read log is installed, every read is refused
            with pytest.raises(ReadLogMissing):
                deps.read_log.record(object())
    finally:
        deps.close()


def test_the_console_store_path_setting_is_honoured(tmp_path):
    settings = Settings(data_dir=tmp_path, console_store_path=str(tmp_path / "x" / "c.sqlite"))
    assert settings.console_store_file == tmp_path / "x" / "c.sqlite"
    assert Settings(data_dir=tmp_path).console_reads_file == tmp_path / "console-reads.sqlite"


def test_no_directory_to_check_without_an_event_store(tmp_path):
    assert known_agencies(Settings(data_dir=tmp_path)) is None


def test_an_officers_agency_is_checked_against_the_directory_in_the_store(tmp_path):
    settings = Settings(data_dir=tmp_path)
    world = World(store_env(settings), tmp_path)
    world.hub.close()
    known = known_agencies(settings)
    assert known is not None
    assert MARKET in known
    deps = ConsoleDeps.open(settings)
    try:
        deps.accounts.add(
            "officer1",
            agency=MARKET,
            roles=["officer"],
            password="a long enough password",
            known_agencies=deps.known_agencies(),
        )
        with pytest.raises(AccountError, match="unknown agency 'nowhere'"):
            deps.accounts.add(
                "officer2",
                agency="nowhere",
                roles=["officer"],
                password="a long enough password",
                known_agencies=deps.known_agencies(),
            )
    finally:
        deps.close()
