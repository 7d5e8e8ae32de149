"""Agencies by their names, cases by their references.

People know an agency as 市市场监督管理局, not ``market-regulation``, and a case as
``ecology-environment/C1``, not ``612dd198-…``. ``Names`` carries what the reader's source knows
(the directory's agency names, the references of the cases in view) and falls back on the id,
so a name missing from the source shows as its id rather than failing an output.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from uuid import UUID

from hub.cases.views import DirectoryView
from hub.i18n import Lang, agency_label


@dataclass(frozen=True, slots=True)
class Names:
    #: agency id -> (中文名, English name), from the directory.
    agencies: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    #: case id -> ``owning-agency/case-number``.
    cases: Mapping[UUID, str] = field(default_factory=dict)

    @classmethod
    def from_directory(cls, directory: DirectoryView) -> Names:
        """The agencies' names as the directory records them."""
        return cls({a.agency_id: (a.name_zh, a.name_en) for a in directory.agencies})

    def agency(self, agency_id: str, lang: Lang) -> str:
        """The agency's name in ``lang`` (its id when the directory does not name it)."""
        return agency_label(agency_id, lang, self.agencies)

    def agencies_of(self, agency_ids: Iterable[str], lang: Lang) -> str:
        """Several agencies, named, in the order given: ``市生态环境局、市市场监督管理局``."""
        separator = "、" if lang == "zh" else ", "
        return separator.join(self.agency(a, lang) for a in agency_ids)

    def case(self, case_id: UUID | str) -> str:
        """``owning-agency/case-number``; the id itself for a case not in view."""
        key = case_id if isinstance(case_id, UUID) else _as_uuid(case_id)
        if key is not None and key in self.cases:
            return self.cases[key]
        return str(case_id)

    def with_cases(self, cases: Mapping[UUID, str]) -> Names:
        return Names(self.agencies, {**self.cases, **cases})


def case_reference(owning_agency: str, case_number: str) -> str:
    """How a case is written everywhere: ``owning-agency/case-number``."""
    return f"{owning_agency}/{case_number}"


def _as_uuid(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None
