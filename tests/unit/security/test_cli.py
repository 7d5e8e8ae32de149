"""``casehub security plan`` prints the ACLs an operator's directory file implies."""

from __future__ import annotations

from hub.cli import build_parser
from hub.settings import Settings

DIRECTORY = """\
[[agencies]]
id = "rule-of-law-office"
name_zh = "市委依法治市办"
name_en = "City Rule-of-Law Office"
role = "rule-of-law-office"
"""


def run(argv, settings):
    args = build_parser().parse_args(argv)
    return args.func(args, settings)


def test_plan_lists_the_hub_users_and_every_agency(tmp_path, capsys):
    """From a directory file (no event store needed), plus an agency named on the line."""
    directory = tmp_path / "directory.toml"
    directory.write_text(DIRECTORY, encoding="utf-8")
    settings = Settings(data_dir=tmp_path)
    argv = ["security", "plan", "--directory-file", str(directory), "--agency", "agency-a"]
    assert run(argv, settings) == 0
    out = capsys.readouterr().out.splitlines()
    for principal in ("casehub-hub", "casehub-views", "casehub-audit"):
        assert f"User:{principal}" in out
    for agency in ("rule-of-law-office", "agency-a"):
        assert f"User:{agency}" in out
    assert out[-1] == "33 ACL(s) for 2 agencies and the hub's 3 users"


def test_plan_reads_the_event_stores_directory_by_default(tmp_path, capsys):
    """An empty store: only the hub's own users."""
    settings = Settings(data_dir=tmp_path, sqlite_path=str(tmp_path / "hub.sqlite"))
    assert run(["security", "plan"], settings) == 0
    assert (
        capsys.readouterr().out.splitlines()[-1] == "23 ACL(s) for 0 agencies and the hub's 3 users"
    )
