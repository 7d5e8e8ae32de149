"""What an installed dev kit (``casehub-dev``, the ``devkit/`` folder) adds to the hub.

The shipped hub never imports the dev kit. The dev kit declares entry points instead, and the
hub reads their names from the installed distributions' metadata, importing a module only when
a user asks for what it offers:

* ``casehub.commands``: a verb of ``casehub`` (the entry point's name) and the module that
  registers it (its value; a module with ``register(subparsers)``): ``casehub demo``,
  ``casehub broker``;
* ``casehub.local_broker``: ``super_user``, a callable ``(settings, *, tls) -> Settings``
  connecting to the local development sasl broker as its super user
  (``casehub security ... --local-broker``).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import cast

from hub.errors import SetupError
from hub.settings import Settings

COMMANDS_GROUP = "casehub.commands"
LOCAL_BROKER_GROUP = "casehub.local_broker"
#: How a checkout installs the dev kit beside the hub (``make venv`` does it).
DEVKIT_INSTALL = "pip install -e ./devkit"

SuperUser = Callable[..., Settings]


def command_modules() -> dict[str, str]:
    """Each verb an installed dev kit adds, and the module that registers it (not imported)."""
    return {ep.name: ep.module for ep in entry_points(group=COMMANDS_GROUP)}


def local_super_user(settings: Settings, *, tls: bool = False) -> Settings:
    """``settings`` connecting to the local development sasl broker as its super user; only a
    checkout with the dev kit installed runs that broker."""
    found = entry_points(group=LOCAL_BROKER_GROUP, name="super_user")
    if not found:
        raise SetupError(
            "the local development broker comes with the dev kit, which is not installed here: "
            f"{DEVKIT_INSTALL} (in a checkout)"
        )
    (entry,) = found
    super_user = cast("SuperUser", entry.load())
    return super_user(settings, tls=tls)
