"""The demo's own error: printed by ``casehub`` as one line, never as a stack trace."""

from __future__ import annotations

from hub.errors import CaseHubError


class DemoError(CaseHubError):
    """The demo could not run (the broker, a step not ingested in time, …)."""

    code = "demo_error"
