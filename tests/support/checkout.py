"""This checkout's files copied where a build may run, so no test writes into the checkout."""

from __future__ import annotations

import shutil
from pathlib import Path

from hub.settings import PROJECT_ROOT

#: What a checkout holds that the product's distribution (``casehub``) is built from.
SOURCES = ("pyproject.toml", "setup.py", "README.md", "hub", "consumers", "console", "schemas")

#: Local state and build output anywhere in the tree (as .gitignore lists them).
_IGNORED = shutil.ignore_patterns(
    ".git",
    ".venv",
    ".casehub",
    "__pycache__",
    "*.pyc",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".hypothesis",
    "*.egg-info",
    "build",
    "dist",
    "reports",
    "target",
    ".setup.log",
)


def copy_sources(target: Path) -> Path:
    """Copy the product's sources into ``target`` (created); returns it."""
    target.mkdir(parents=True, exist_ok=True)
    for name in SOURCES:
        path = PROJECT_ROOT / name
        if path.is_dir():
            shutil.copytree(path, target / name, ignore=_IGNORED)
        else:
            shutil.copy2(path, target / name)
    return target


def copy_checkout(target: Path) -> Path:
    """Copy the whole checkout (the dev kit, tests and bench included, the fetched Kafka jars
    and local state not) into ``target``: what a build of a fresh clone sees."""

    def ignore(folder: str, names: list[str]) -> set[str]:
        skipped = set(_IGNORED(folder, names))
        if Path(folder) == PROJECT_ROOT / "deploy" / "kafka":
            skipped.add("lib")
        return skipped

    shutil.copytree(PROJECT_ROOT, target, ignore=ignore)
    return target
