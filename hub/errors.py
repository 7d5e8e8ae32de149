"""The hub's exception hierarchy.

Every error a person can meet carries a message they can act on. Domain rules raise
``RuleViolation`` (or a subclass) naming the rule that was broken; adapters wrap library
errors in the hub's own (``raise SchemaError(...) from exc``).
"""

from __future__ import annotations


class CaseHubError(Exception):
    """Base of every error the hub raises on purpose."""

    #: A stable, machine-readable reason code (used on dead letters and receipts).
    code = "casehub_error"


class RuleViolation(CaseHubError):
    """A command would break a rule of the domain; the message names the rule."""

    code = "rule_violation"


class NotAuthorized(RuleViolation):
    """The acting agency or officer may not do this."""

    code = "not_authorized"


class UnknownCase(RuleViolation):
    """The case reference names no registered case."""

    code = "unknown_case"


class UnknownAgency(RuleViolation):
    """The agency is not admitted to the directory."""

    code = "unknown_agency"


class UnknownOfficer(RuleViolation):
    """The acting officer is not registered for the sending agency."""

    code = "unknown_officer"


class SenderMismatch(RuleViolation):
    """The event claims a sender other than the agency whose topic carried it."""

    code = "sender_mismatch"


class ConflictingDuplicate(RuleViolation):
    """An event id was seen before with different content."""

    code = "conflicting_duplicate"


class SchemaError(CaseHubError):
    """A record does not match the schema catalog (bad bytes, unknown fingerprint, bad field)."""

    code = "schema_error"


class SetupError(CaseHubError):
    """The machine is not ready: a port in use, a missing tool, an unreachable service."""

    code = "setup_error"


class ChainBroken(CaseHubError):
    """A hash chain does not verify; the message names the first bad link."""

    code = "chain_broken"
