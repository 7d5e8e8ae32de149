"""The assessment's weights and scope, from ``config/assessment.toml`` (the Office edits it)."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

from hub.errors import SetupError
from hub.settings import PROJECT_ROOT

DEFAULT_CONFIG = PROJECT_ROOT / "config" / "assessment.toml"

#: Every indicator, in report order (``hub.assessment.scoring`` documents each formula).
INDICATORS: tuple[str, ...] = (
    "reply_on_time",
    "adoption",
    "rectification",
    "assistance_on_time",
    "declines",
    "notice_ack_on_time",
    "disputes_mediated",
    "liaison_designated",
)


@dataclass(frozen=True, slots=True)
class AssessmentConfig:
    weights: tuple[tuple[str, float], ...]
    roles: tuple[str, ...] = ("enforcement-agency",)
    liaison_grace_working_days: int = 5

    def weight(self, indicator: str) -> float:
        return dict(self.weights)[indicator]


def load_config(path: Path | None = None) -> AssessmentConfig:  # noqa: C901 - one check a line
    """Read and check the weights file; raises ``SetupError`` with the line to fix."""
    path = path or DEFAULT_CONFIG
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SetupError(f"assessment weights file {path} does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SetupError(f"assessment weights file {path} is not valid TOML: {exc}") from exc
    raw = doc.get("weights")
    if not isinstance(raw, dict):
        raise SetupError(f"{path}: a [weights] table is needed")
    unknown = sorted(set(raw) - set(INDICATORS))
    if unknown:
        raise SetupError(
            f"{path}: unknown indicator(s) {', '.join(unknown)}; known: {', '.join(INDICATORS)}"
        )
    weights: list[tuple[str, float]] = []
    for name in INDICATORS:
        value = raw.get(name, 0)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SetupError(f"{path}: weight {name} must be a number, got {value!r}")
        if value < 0 or not math.isfinite(value):
            raise SetupError(f"{path}: weight {name} must be zero or more, got {value}")
        weights.append((name, float(value)))
    if not any(w for _, w in weights):
        raise SetupError(f"{path}: every weight is zero; nothing would be scored")
    scope = doc.get("scope", {})
    roles = scope.get("roles", ["enforcement-agency"])
    grace = scope.get("liaison_grace_working_days", 5)
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles) or not roles:
        raise SetupError(f"{path}: scope.roles must be a non-empty list of directory roles")
    if isinstance(grace, bool) or not isinstance(grace, int) or grace < 0:
        raise SetupError(f"{path}: scope.liaison_grace_working_days must be a whole number >= 0")
    return AssessmentConfig(tuple(weights), tuple(roles), grace)
