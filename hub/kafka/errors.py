"""The hub's Kafka errors, and how librdkafka's are classified.

librdkafka raises ``KafkaException`` carrying a ``KafkaError`` that says what may follow:
``fatal()`` (the client instance is unusable: make a new one), ``txn_requires_abort()`` (abort
the transaction, then carry on with the same producer), ``retriable()`` (the same call may
succeed later). A fenced transactional producer is fatal and says so with its own codes. The
relay's commit rule (``hub.relay.relay``) acts on ``classify``.
"""

from __future__ import annotations

import enum
from typing import Any

from confluent_kafka import KafkaError, KafkaException

from hub.errors import CaseHubError


class KafkaUnavailable(CaseHubError):
    """The cluster did not answer in time (no broker, no leader, no coordinator)."""

    code = "kafka_unavailable"


class TopicMissing(CaseHubError):
    code = "topic_missing"


class Outcome(enum.Enum):
    """What a failed Kafka call means for the caller."""

    FENCED = "fenced"  # another instance took over: stop until leadership comes back
    ABORTABLE = "abortable"  # abort the transaction, keep the producer
    RETRIABLE = "retriable"  # the same call may succeed: retry within a bound
    FATAL = "fatal"  # the client instance is unusable: replace it


_FENCED_CODES = frozenset(
    {
        KafkaError._FENCED,  # noqa: SLF001 - librdkafka's local code, exposed this way
        KafkaError.PRODUCER_FENCED,
        KafkaError.INVALID_PRODUCER_EPOCH,
        KafkaError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
    }
)


#: Errors librdkafka reports through ``error_cb`` that mean no broker can be reached at all.
UNREACHABLE = frozenset(
    {
        KafkaError._ALL_BROKERS_DOWN,  # noqa: SLF001 - librdkafka's local codes
        KafkaError._AUTHENTICATION,  # noqa: SLF001
    }
)


def kafka_error(exc: BaseException) -> KafkaError | None:
    """The ``KafkaError`` inside a ``KafkaException`` (None for anything else)."""
    if isinstance(exc, KafkaException) and exc.args and isinstance(exc.args[0], KafkaError):
        return exc.args[0]
    return None


def classify(exc: BaseException) -> Outcome:
    """Fenced, abortable, retriable or fatal; anything unclassified counts as fatal."""
    error = kafka_error(exc)
    if error is None:
        return Outcome.FATAL
    if error.code() in _FENCED_CODES:
        return Outcome.FENCED
    if error.fatal():
        return Outcome.FATAL
    if error.txn_requires_abort():
        return Outcome.ABORTABLE
    if error.retriable():
        return Outcome.RETRIABLE
    return Outcome.FATAL


def describe(error: Any) -> str:
    """A one-line text for a ``KafkaError``/``KafkaException``/anything."""
    inner = kafka_error(error) if isinstance(error, BaseException) else error
    if isinstance(inner, KafkaError):
        return f"{inner.name()}: {inner.str()}"
    return str(error).splitlines()[0] if str(error) else type(error).__name__
