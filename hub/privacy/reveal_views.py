"""Reading with a reader's eyes: the access policy and the personal-data revealer together.

Views and histories keep personal data as it was recorded (tokens) and content whole; what a
reader sees is decided here, when read, so an erasure or a changed clearance takes effect
without a rebuild (and a rebuild changes nothing of it):

* ``ReadingLens.access(level, participants)`` asks the policy (``hub.privacy.access``);
* ``ReadingLens.payload`` / ``ReadingLens.state`` give the masked form, or the content with
  personal data revealed (entitled: the auditors; an agency in a case it takes part in) or
  withheld (anyone else).

The key store is opened only when a token is met, so reading data without personal data needs
none.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from hub.privacy.access import (
    MASKED_KEY,
    METADATA_FIELDS,
    Access,
    AccessPolicy,
    Reader,
    masked_payload,
)
from hub.privacy.tokens import Revealer, is_token, withhold_payload

if TYPE_CHECKING:
    from hub.settings import Settings

#: Fields of the case's read model (``hub.cases.views``) the masked form keeps besides the
#: event metadata: ids, agencies, dates, states, the hash chain's head.
_STATE_METADATA = METADATA_FIELDS | {
    "case_id",
    "version",
    "chain_head",
    "registered_at",
    "modified_at",
    "recorded_at",
    "requested_at",
    "issued_at",
    "opened_at",
    "served_at",
    "received_at",
    "replied_at",
    "finished_at",
    "acknowledged_at",
    "closed_at",
    "shared_by",
    "sender",
    "recipients",
    "requested_by",
    "issued_by",
    "opened_by",
    "recorded_by",
    "status",
    "acknowledged",
    "missed",
    "extensions",
    "infos",
    "notices",
    "requests",
    "disputes",
    "sessions",
    "recommendations",
    "deadlines",
    "follow_ups",
}


def map_strings(value: Any, on_str: Callable[[str], str]) -> Any:
    """A copy of ``value`` (dataclasses, mappings, lists, tuples) with every string mapped."""
    if isinstance(value, str):
        return on_str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(
            value,
            **{
                f.name: map_strings(getattr(value, f.name), on_str)
                for f in dataclasses.fields(value)
                if f.init
            },
        )
    if isinstance(value, Mapping):
        return {k: map_strings(v, on_str) for k, v in value.items()}
    if isinstance(value, list):
        return [map_strings(v, on_str) for v in value]
    if isinstance(value, tuple):
        return tuple(map_strings(v, on_str) for v in value)
    return value


def masked_state(value: Any) -> Any:
    """The masked form of a read model (``CaseView`` and what it holds): metadata fields kept,
    every other text emptied, documents and parties dropped."""
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        return value
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(value):
        current = getattr(value, f.name)
        if f.name in _STATE_METADATA:
            if isinstance(current, tuple):
                changes[f.name] = tuple(masked_state(v) for v in current)
            else:
                changes[f.name] = masked_state(current)
        elif isinstance(current, str):
            changes[f.name] = ""
        elif isinstance(current, tuple):
            changes[f.name] = ()
        elif isinstance(current, bool) or current is None:
            changes[f.name] = None  # an outcome (rectified or not) is content
        elif dataclasses.is_dataclass(current):
            changes[f.name] = masked_state(current)
        else:
            changes[f.name] = current  # dates, numbers: metadata
    return dataclasses.replace(value, **changes)


class ReadingLens:
    """What one reader sees: the policy's decision, then personal data revealed or withheld."""

    def __init__(
        self,
        reader: Reader,
        policy: AccessPolicy,
        revealer: Callable[[], Revealer],
    ) -> None:
        self.reader = reader
        self.policy = policy
        self._make_revealer = revealer
        self._revealer: Revealer | None = None

    @classmethod
    def for_settings(cls, settings: Settings, reader: Reader) -> ReadingLens:
        from hub.privacy.keystore import open_key_store  # noqa: PLC0415

        return cls(
            reader,
            AccessPolicy.from_settings(settings),
            lambda: Revealer(open_key_store(settings)),
        )

    def access(self, level: str, participants: Any) -> Access:
        return self.policy.access(self.reader, level, participants)

    def _reveal(self, text: str) -> str:
        if not is_token(text):
            return text
        if self._revealer is None:
            self._revealer = self._make_revealer()
        return self._revealer.reveal(text)

    def personal(self, value: Any, access: Access) -> Any:
        """``value`` with its personal data revealed (when entitled) or withheld."""
        if access.content and access.personal_data:
            return map_strings(value, self._reveal)
        return map_strings(value, lambda s: withhold_payload(s) if is_token(s) else s)

    def payload(self, payload: Mapping[str, Any], access: Access) -> dict[str, Any]:
        """An event's payload as this reader may see it."""
        shown = dict(payload) if access.content else masked_payload(payload)
        result: dict[str, Any] = self.personal(shown, access)
        return result

    def state(self, value: Any, access: Access) -> Any:
        """A read model (``CaseView``) as this reader may see it."""
        return self.personal(value if access.content else masked_state(value), access)


__all__ = ["MASKED_KEY", "ReadingLens", "map_strings", "masked_state"]
