"""Personal information: encrypted per data subject, corrected and erased by crypto-shredding.

See docs/privacy.md. Readers use ``Revealer`` (entitled) or ``withhold_payload`` (not
entitled); writers seal values with ``seal`` under keys from ``open_key_store(settings)``.
"""

from hub.privacy.keystore import (
    FileKeyStore,
    KeyRequest,
    KeyStore,
    SubjectErased,
    SubjectInfo,
    UnknownSubject,
    key_store_file,
    keyed_digest,
    open_key_store,
)
from hub.privacy.tokens import (
    ERASED,
    WITHHELD,
    Revealer,
    is_token,
    parse_token,
    seal,
    withhold_payload,
)

__all__ = [
    "ERASED",
    "WITHHELD",
    "FileKeyStore",
    "KeyRequest",
    "KeyStore",
    "Revealer",
    "SubjectErased",
    "SubjectInfo",
    "UnknownSubject",
    "is_token",
    "key_store_file",
    "keyed_digest",
    "open_key_store",
    "parse_token",
    "seal",
    "withhold_payload",
]
