"""The console's pages, one module per reader: ``auditor`` (finding and reading cases, the read
log; officers read their own agency's cases there too) and ``office`` (the Rule-of-Law
Office's dashboard, evidence, exports and deadlines board).

Each module exposes ``ROUTES`` (Starlette ``Route``s, each endpoint declaring its roles with
``console.security.requires``) and ``LINKS`` (``console.app.NavLink``s for the navigation);
``console_app`` assembles the console with all of them.
"""

from __future__ import annotations

from starlette.applications import Starlette

from console.app import create_app
from console.pages import auditor, office
from console.wiring import ConsoleDeps


def console_app(deps: ConsoleDeps) -> Starlette:
    """The whole console: its own routes (login, accounts, landing) and every page module's."""
    return create_app(
        deps,
        pages=[*auditor.ROUTES, *office.ROUTES],
        links=[*auditor.LINKS, *office.LINKS],
    )
