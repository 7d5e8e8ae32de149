"""``casehub`` on a machine with the publisher SDK alone: hub verbs name the extra to install."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from hub import cli, extensions
from hub.errors import SetupError
from hub.settings import Settings

#: As if confluent-kafka were not installed (the SDK-only install): ``None`` in
#: ``sys.modules`` makes every import of it raise ``ModuleNotFoundError``. A process of its
#: own, because this one has long imported the hub's Kafka layer.
WITHOUT_CONFLUENT_KAFKA = """
import sys
sys.modules["confluent_kafka"] = None
from hub import cli
sys.exit(cli.main(["ops", "status"]))
"""


def test_a_verb_whose_packages_are_missing_says_which_extra_to_install(tmp_path):
    """`casehub ops status` exits 2 with one line naming casehub[server], not a traceback."""
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_CONFLUENT_KAFKA],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "CASEHUB_DATA_DIR": str(tmp_path)},
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "pip install 'casehub[server]'" in done.stderr
    assert "confluent_kafka" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_missing_module_of_our_own_is_not_blamed_on_the_extra(monkeypatch):
    """A broken import inside the hub itself still fails loudly."""
    monkeypatch.setitem(cli.COMMAND_GROUPS, "ghost", ("hub.no_such_module",))
    with pytest.raises(ModuleNotFoundError, match=r"hub\.no_such_module"):
        cli.build_parser(["ghost"])


def test_publish_loads_only_its_own_verb():
    """`casehub publish` builds a parser with that verb alone (the others are not imported)."""
    assert cli._chosen_verb(["--log-level", "INFO", "publish", "--agency", "a", "f"]) == "publish"
    assert cli._chosen_verb(["--help"]) is None
    parser = cli.build_parser(["publish"])
    args = parser.parse_args(["publish", "--agency", "a", "f.jsonl"])
    assert args.group == "publish"


def test_the_dev_kits_verbs_come_from_its_entry_points():
    """`casehub demo` and `casehub broker` are the installed dev kit's, not the product's."""
    assert "demo" not in cli.COMMAND_GROUPS
    assert "broker" not in cli.COMMAND_GROUPS
    groups = cli.command_groups()
    assert groups["demo"] == ("devkit.demo.cli",)
    assert groups["broker"] == ("devkit.broker.cli",)
    assert cli._chosen_verb(["demo", "--lang", "en"]) == "demo"
    args = cli.build_parser(["broker"]).parse_args(["broker", "status"])
    assert args.group == "broker"


def test_without_the_dev_kit_its_verbs_are_unknown(monkeypatch):
    """A wheel-installed hub has no dev verbs: `casehub demo` is an unknown command."""
    monkeypatch.setattr(extensions, "entry_points", lambda **_kw: ())
    assert "demo" not in cli.command_groups()
    assert cli._chosen_verb(["demo"]) is None
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["demo"])


def test_the_local_broker_without_the_dev_kit_says_how_to_install_it(monkeypatch, tmp_path):
    """`--local-broker` reaches the dev kit's broker through an entry point, or names it."""
    monkeypatch.setattr(extensions, "entry_points", lambda **_kw: ())
    with pytest.raises(SetupError, match=r"pip install -e \./devkit"):
        extensions.local_super_user(Settings(data_dir=tmp_path))
