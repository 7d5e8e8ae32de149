"""The shipped wheel holds the product only; the dev kit is a distribution of its own.

Both wheels are built the way a release builds them (``pip wheel``, isolated build, PyPI
reachable) from a copy of the whole checkout, dev kit included, so what keeps the dev kit out
of ``casehub`` is the packaging itself, not the copy.
"""

from __future__ import annotations

import ast
import configparser
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from checkout import copy_checkout
from hub.settings import PROJECT_ROOT

pytestmark = pytest.mark.slow

#: Packages shipped code must never import: the dev kit, and test-only dependencies.
NOT_SHIPPED = frozenset({"devkit", "hypothesis", "pytest"})


def _build(source: Path, out: Path) -> zipfile.ZipFile:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    [wheel] = out.glob("*.whl")
    return zipfile.ZipFile(wheel)


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    return copy_checkout(tmp_path_factory.mktemp("wheel") / "checkout")


@pytest.fixture(scope="module")
def product_wheel(checkout, tmp_path_factory):
    with _build(checkout, tmp_path_factory.mktemp("product")) as wheel:
        yield wheel


@pytest.fixture(scope="module")
def devkit_wheel(checkout, tmp_path_factory):
    with _build(checkout / "devkit", tmp_path_factory.mktemp("devkit")) as wheel:
        yield wheel


def _modules(wheel: zipfile.ZipFile) -> list[str]:
    return [n for n in wheel.namelist() if n.endswith(".py")]


def _entry_points(wheel: zipfile.ZipFile) -> configparser.ConfigParser:
    [name] = [n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt")]
    parser = configparser.ConfigParser()
    parser.read_string(wheel.read(name).decode())
    return parser


def test_the_product_wheel_holds_no_demo_broker_or_testing_module(product_wheel):
    """Only the hub, the consumers and the console go in: no dev kit, demo, broker or testing."""
    names = product_wheel.namelist()
    packages = {n.partition("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert packages == {"hub", "consumers", "console"}
    modules = _modules(product_wheel)
    assert "hub/cli.py" in modules
    assert "console/readlog.py" in modules  # the read log ships with the server
    assert "hub/relay/progress.py" in modules  # what the relay has published is the product's
    dev = [
        m
        for m in modules
        if m.startswith(("hub/demo/", "hub/broker/"))
        or Path(m).stem == "testing"
        or Path(m).stem.endswith("_testing")
    ]
    assert dev == []


def test_the_product_wheel_carries_every_schema(product_wheel):
    """Every committed schema is inside, where the installed catalog reads it."""
    committed = sorted(
        p.relative_to(PROJECT_ROOT / "schemas").as_posix()
        for p in (PROJECT_ROOT / "schemas").rglob("*.avsc")
    )
    prefix = "hub/codec/schemas/"
    names = product_wheel.namelist()
    shipped = sorted(n.removeprefix(prefix) for n in names if n.startswith(prefix))
    assert committed
    assert shipped == committed


def test_no_shipped_module_imports_the_dev_kit_or_a_test_dependency(product_wheel):
    """Not even lazily, inside a function: the dev kit is reached through entry points only."""
    offenders = []
    for name in _modules(product_wheel):
        tree = ast.parse(product_wheel.read(name), filename=name)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                tops = {alias.name.partition(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                tops = {node.module.partition(".")[0]}
            else:
                continue
            offenders += [f"{name}:{node.lineno} imports {t}" for t in tops & NOT_SHIPPED]
    assert offenders == []


def test_the_product_wheel_declares_no_dev_verb(product_wheel):
    """``casehub`` is its only entry point; the dev verbs come with the dev kit."""
    entry_points = _entry_points(product_wheel)
    assert entry_points.sections() == ["console_scripts"]
    assert dict(entry_points["console_scripts"]) == {"casehub": "hub.cli:main"}


def test_the_dev_kit_wheel_holds_the_demo_the_broker_and_the_helpers(devkit_wheel):
    """casehub-dev: the demo, the local broker, the test helpers and the verbs it adds."""
    modules = _modules(devkit_wheel)
    assert {m.partition("/")[0] for m in modules} == {"devkit"}
    for expected in ("devkit/demo/run.py", "devkit/broker/cli.py", "devkit/testing/serve.py"):
        assert expected in modules
    entry_points = _entry_points(devkit_wheel)
    assert dict(entry_points["casehub.commands"]) == {
        "broker": "devkit.broker.cli",
        "demo": "devkit.demo.cli",
    }
    assert dict(entry_points["casehub.local_broker"]) == {
        "super_user": "devkit.broker.config:local_super_user"
    }
