"""Labels: every recorded event type and every indicator reads in Chinese and English."""

from __future__ import annotations

import pytest
from eventsourcing.domain import Aggregate

from hub.assessment.config import INDICATORS
from hub.cases.domainmodel import Case
from hub.directory.domainmodel import Directory
from hub.i18n import LABELS, check_lang, t


def _event_types():
    for aggregate in (Case, Directory):
        for name, value in vars(aggregate).items():
            inherited = hasattr(Aggregate, name)  # Event, Created: eventsourcing's own
            if isinstance(value, type) and issubclass(value, aggregate.Event) and not inherited:
                yield f"{aggregate.__name__}.{name}"


@pytest.mark.parametrize("event_type", sorted(_event_types()))
def test_every_event_type_has_both_labels(event_type):
    """A new event on Case or Directory needs a glossary label in zh and en."""
    assert event_type in LABELS
    zh, en = LABELS[event_type]
    assert zh
    assert en
    assert zh != en


def test_every_indicator_has_a_label_and_a_formula():
    """Each assessment indicator is named and explained in both languages."""
    for name in INDICATORS:
        for lang in ("zh", "en"):
            assert t(f"indicator.{name}", lang) != f"indicator.{name}"
            assert t(f"formula.{name}", lang) != f"formula.{name}"


def test_unknown_keys_and_languages():
    """A missing label shows its key; an unknown language is refused."""
    assert t("no-such-key", "zh") == "no-such-key"
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        check_lang("fr")
