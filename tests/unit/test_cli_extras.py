"""``casehub`` on a machine with the publisher SDK alone: hub verbs name the extra to install."""

from __future__ import annotations

import builtins
import sys

import pytest

from hub import cli


@pytest.fixture
def _without_confluent_kafka(monkeypatch):
    """As if confluent-kafka were not installed (the SDK-only install)."""
    real_import = builtins.__import__

    def guarded(name, *args, **kwargs):
        if name.partition(".")[0] == "confluent_kafka":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real_import(name, *args, **kwargs)

    # Forget what imported it already, so that the verb imports its machinery afresh.
    for module in [m for m in sys.modules if m.startswith(("confluent_kafka", "hub.kafka."))]:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.setattr(builtins, "__import__", guarded)


@pytest.mark.usefixtures("_without_confluent_kafka")
def test_a_verb_whose_packages_are_missing_says_which_extra_to_install(capsys):
    """`casehub ops status` exits 2 with one line naming casehub[server], not a traceback."""
    code = cli.main(["ops", "status"])
    assert code == 2
    err = capsys.readouterr().err
    assert "pip install 'casehub[server]'" in err
    assert "confluent_kafka" in err


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
