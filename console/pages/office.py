"""The office pages (being built: issue #17, wave 2)."""

from __future__ import annotations

from starlette.routing import BaseRoute

from console.app import NavLink

ROUTES: list[BaseRoute] = []
LINKS: list[NavLink] = []
