"""The Prometheus rule file under deploy/prometheus: valid, its alert cases pass, and it names
only metrics the hub exports."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from hub.ops.metrics import PipelineMetrics
from hub.settings import PROJECT_ROOT

RULES_DIR = PROJECT_ROOT / "deploy" / "prometheus"
RULES = RULES_DIR / "casehub-rules.yml"
RULE_TESTS = RULES_DIR / "casehub-rules.test.yml"


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.fail(
            "promtool is missing: install Debian's `prometheus` package "
            "(apt-get install -y prometheus)",
            pytrace=False,
        )
    return subprocess.run(
        [promtool, *args],
        cwd=RULES_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _exported_names() -> set[str]:
    """Every sample name /metrics can carry, the suffixes Prometheus adds included."""
    suffixes = {
        "counter": ("_total", "_created"),
        "gauge": ("",),
        "histogram": ("_bucket", "_sum", "_count", "_created"),
    }
    return {
        family.name + suffix
        for family in PipelineMetrics().registry.collect()
        for suffix in suffixes.get(family.type, ("",))
    }


def test_promtool_accepts_the_rule_file() -> None:
    """`promtool check rules` finds every rule well formed."""
    result = _promtool("check", "rules", RULES.name)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_the_alert_cases_pass() -> None:
    """`promtool test rules`: stalled, lag growing (relay, ingest), dead letters, parked."""
    result = _promtool("test", "rules", RULE_TESTS.name)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_the_issue_asks_for_is_there_and_tested() -> None:
    """Each alert is defined and has at least one case in the test file."""
    rules, cases = RULES.read_text(encoding="utf-8"), RULE_TESTS.read_text(encoding="utf-8")
    for alert in (
        "CasehubRelayStalled",
        "CasehubRelayLagGrowing",
        "CasehubIngestLagGrowing",
        "CasehubDeadLettersRising",
        "CasehubRelayParkedRecords",
    ):
        assert f"alert: {alert}" in rules, alert
        assert f"alertname: {alert}" in cases, alert


def test_the_rules_name_only_metrics_the_hub_exports() -> None:
    """A renamed metric would leave an alert that can never fire: every name must exist."""
    used = set(re.findall(r"\bcasehub_[a-z_]+\b", RULES.read_text(encoding="utf-8")))
    assert used
    assert used <= _exported_names(), sorted(used - _exported_names())
