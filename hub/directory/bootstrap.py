"""The operator's directory file: agencies, officers and liaisons, in TOML or JSON.

```toml
[[agencies]]
id = "procuratorate"
name_zh = "市人民检察院"
name_en = "City People's Procuratorate"
role = "procuratorate"  # or justice-bureau | rule-of-law-office | enforcement-agency

[[officers]]
agency = "procuratorate"
id = "p-001"
name = "Zhang San (fictional)"
title = "Prosecutor"            # optional

[[liaisons]]
agency = "procuratorate"
officer = "p-001"
effective_from = 2026-01-01     # a TOML date or "YYYY-MM-DD"
```

Applying a file is idempotent: what is already in the directory, identical, is skipped; an
agency or officer already present with different details is an error (the file never
silently rewrites history); a liaison designation already recorded (same officer, same
effective date) is skipped.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from hub.directory.domainmodel import Author, Directory
from hub.errors import RuleViolation, SetupError
from hub.vocabulary import AgencyRole


@dataclass(frozen=True, slots=True)
class AgencySpec:
    agency_id: str
    name_zh: str
    name_en: str
    role: AgencyRole


@dataclass(frozen=True, slots=True)
class OfficerSpec:
    agency_id: str
    officer_id: str
    name: str
    title: str


@dataclass(frozen=True, slots=True)
class LiaisonSpec:
    agency_id: str
    officer_id: str
    effective_from: date


@dataclass(frozen=True, slots=True)
class DirectoryFile:
    agencies: tuple[AgencySpec, ...]
    officers: tuple[OfficerSpec, ...]
    liaisons: tuple[LiaisonSpec, ...]


def load_directory_file(path: Path) -> DirectoryFile:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise SetupError(f"directory file {path} does not exist") from exc
    try:
        data: dict[str, Any] = (
            json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
        )
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SetupError(f"directory file {path} cannot be parsed: {exc}") from exc
    unknown = sorted(set(data) - {"agencies", "officers", "liaisons"})
    if unknown:
        raise SetupError(f"directory file {path}: unknown section(s) {', '.join(unknown)}")
    try:
        return DirectoryFile(
            agencies=tuple(
                AgencySpec(
                    str(a["id"]),
                    str(a.get("name_zh", "")),
                    str(a.get("name_en", "")),
                    AgencyRole(a["role"]),
                )
                for a in data.get("agencies", [])
            ),
            officers=tuple(
                OfficerSpec(str(o["agency"]), str(o["id"]), str(o["name"]), str(o.get("title", "")))
                for o in data.get("officers", [])
            ),
            liaisons=tuple(
                LiaisonSpec(str(li["agency"]), str(li["officer"]), _day(li["effective_from"]))
                for li in data.get("liaisons", [])
            ),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise SetupError(f"directory file {path}: bad entry ({exc!r})") from exc


def _day(value: object) -> date:
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def apply(
    directory: Directory, wanted: DirectoryFile, author: Callable[[], Author]
) -> tuple[str, ...]:
    """Bring ``directory`` up to ``wanted``; returns a line per change made."""
    changes: list[str] = []
    for a in wanted.agencies:
        entry = directory.agencies.get(a.agency_id)
        if entry is None:
            directory.admit_agency(author(), a.agency_id, a.name_zh, a.name_en, a.role)
            changes.append(f"admitted {a.agency_id}")
        elif (entry.name_zh, entry.name_en, entry.role) != (a.name_zh, a.name_en, a.role.value):
            raise RuleViolation(f"agency {a.agency_id} is already admitted with other details")
    for o in wanted.officers:
        known = directory.officers.get(o.agency_id, {}).get(o.officer_id)
        if known is None:
            directory.register_officer(author(), o.agency_id, o.officer_id, o.name, o.title)
            changes.append(f"registered officer {o.officer_id} of {o.agency_id}")
        elif (known.name, known.title) != (o.name, o.title):
            raise RuleViolation(
                f"officer {o.officer_id} of {o.agency_id} is already registered with other details"
            )
    for li in wanted.liaisons:
        history = directory.liaisons.get(li.agency_id, [])
        if any(
            e.officer_id == li.officer_id and e.effective_from == li.effective_from for e in history
        ):
            continue
        directory.designate_liaison(author(), li.agency_id, li.officer_id, li.effective_from)
        changes.append(
            f"designated {li.officer_id} liaison of {li.agency_id} "
            f"from {li.effective_from.isoformat()}"
        )
    return tuple(changes)
