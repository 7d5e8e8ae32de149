"""The demo story, as data: what each agency system publishes, and when.

It tells the story of the cooperation opinion in ``DOMAIN.md`` over the year 2026 on a
simulated clock: the agencies join, liaison officers are designated, the market regulator
registers a major food-safety case and notifies its partners (one acknowledges late), the
procuratorate asks for verification help and issues two recommendations (one organ replies on
time, one misses the legal deadline), a land dispute is mediated to a settlement, and at year
end the assessment ranks the organs. A trade-secrets case is registered ``CONFIDENTIAL``: its
content reaches only the participants cleared for that level (``DEMO_CLEARANCES``), everyone
else its masked form.

People's names are the placeholder names of Chinese legal writing (张三, 李四, 王五 …) and their
ID numbers are runs of zeros with the check digit X: plainly fictional, and personal data the
hub stores encrypted per person (``PERSONAL_DATA`` lists what must never appear in plaintext).
Every step is a command an agency system publishes, or a scheduler tick at which the
hub records the deadlines that have passed unmet. The story is pure data over
``hub.cases.commands``: the demo runner publishes it through Kafka; tests replay it in memory.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from uuid import UUID, uuid5

from hub.cases.commands import (
    AcknowledgeAssistanceRequest,
    AcknowledgeNotice,
    AddParticipant,
    AdmitAgency,
    CloseRecommendation,
    Command,
    CompleteAssistance,
    DesignateLiaison,
    Envelope,
    HoldMediationSession,
    IssueRecommendation,
    OpenDispute,
    ReceiveRecommendation,
    RecordConsultation,
    RecordRectificationCheck,
    RegisterCase,
    RegisterOfficer,
    ReplyToRecommendation,
    RequestAssistance,
    ResolveDispute,
    ServeRecommendation,
    ShareInformation,
    SupplyMaterials,
)
from hub.rules.clocks import TIMEZONE
from hub.vocabulary import (
    Adoption,
    AgencyRole,
    CaseRef,
    Classification,
    DocumentRef,
    MajorFlag,
    Party,
)

#: Event ids of the story are derived from this namespace, so every run publishes the same ids.
STORY_NAMESPACE = UUID("0d6a3c55-2f7e-5b1a-8c4d-9e0f1a2b3c4d")

PROCURATORATE = "procuratorate"
RULE_OF_LAW_OFFICE = "rule-of-law-office"
JUSTICE_BUREAU = "justice-bureau"
MARKET_REGULATION = "market-regulation"
NATURAL_RESOURCES = "natural-resources"
ECOLOGY_ENVIRONMENT = "ecology-environment"

#: (agency id, 中文, English, role)
AGENCIES: tuple[tuple[str, str, str, AgencyRole], ...] = (
    (
        RULE_OF_LAW_OFFICE,
        "市委依法治市办",
        "City Rule-of-Law Office",
        AgencyRole.RULE_OF_LAW_OFFICE,
    ),
    (PROCURATORATE, "市人民检察院", "City People's Procuratorate", AgencyRole.PROCURATORATE),
    (JUSTICE_BUREAU, "市司法局", "City Justice Bureau", AgencyRole.JUSTICE_BUREAU),
    (
        MARKET_REGULATION,
        "市市场监督管理局",
        "City Market Regulation Bureau",
        AgencyRole.ENFORCEMENT_AGENCY,
    ),
    (
        NATURAL_RESOURCES,
        "市自然资源局",
        "City Natural Resources Bureau",
        AgencyRole.ENFORCEMENT_AGENCY,
    ),
    (
        ECOLOGY_ENVIRONMENT,
        "市生态环境局",
        "City Ecology and Environment Bureau",
        AgencyRole.ENFORCEMENT_AGENCY,
    ),
)

#: (agency id, officer id, name, title): the first officer of each agency is its liaison.
OFFICERS: tuple[tuple[str, str, str, str], ...] = (
    (RULE_OF_LAW_OFFICE, "rlo-001", "赵六 (Zhao Liu, fictional)", "科长"),
    (PROCURATORATE, "proc-001", "张三 (Zhang San, fictional)", "检察官"),
    (PROCURATORATE, "proc-002", "钱七 (Qian Qi, fictional)", "检察官助理"),
    (JUSTICE_BUREAU, "jb-001", "李四 (Li Si, fictional)", "科员"),
    (MARKET_REGULATION, "mr-001", "王五 (Wang Wu, fictional)", "执法队长"),
    (NATURAL_RESOURCES, "nr-001", "孙八 (Sun Ba, fictional)", "执法监察员"),
    (ECOLOGY_ENVIRONMENT, "ee-001", "周九 (Zhou Jiu, fictional)", "执法科长"),
)

FOOD_CASE = CaseRef(MARKET_REGULATION, "市监案〔2026〕001号")
LAND_CASE = CaseRef(NATURAL_RESOURCES, "自然资案〔2026〕014号")
#: A CONFIDENTIAL case: trade secrets, whose content only its cleared participants may read.
CONFIDENTIAL_CASE = CaseRef(MARKET_REGULATION, "市监案〔2026〕027号")
#: Text of the confidential case that a feed carrying its content holds, and a masked one not.
CONFIDENTIAL_TITLE = "某科技公司商业秘密被侵犯案 (trade secrets of a fictional tech firm)"
CONFIDENTIAL_MARKER = "XJ-9 battery-separator formula"

#: Who is cleared for which level in the demo (the run folder's clearance file; any agency not
#: named is INTERNAL). The procuratorate supervises every case and the owning enforcement
#: agency holds its own files: both read CONFIDENTIAL. The Justice Bureau (a participant of
#: every case, for dispute work) and the Rule-of-Law Office (notified of major cases, it runs
#: the assessment) do not need a trade secret's content, so they get its masked form.
DEMO_CLEARANCES: tuple[tuple[str, str], ...] = (
    (PROCURATORATE, "CONFIDENTIAL"),
    (MARKET_REGULATION, "CONFIDENTIAL"),
)

#: The land dispute's parties (Party.name and Party.id_number are personal data). The
#: applicant is the person the demo erases at the end; the third party stays readable.
APPLICANT = Party("吴十 (Wu Shi, fictional)", "applicant", "00000000000000000X")
THIRD_PARTY = Party("郑十一 (Zheng Shiyi, fictional)", "third-party", "00000000000000001X")


def _name_parts(name: str) -> list[str]:
    """``"张三 (Zhang San, fictional)"`` -> ``["张三", "Zhang San"]``."""
    chinese, _, rest = name.partition(" (")
    return [chinese, rest.partition(",")[0]]


#: Every fictional name (its Chinese and its romanised part) and ID number of the story: none
#: may appear in plaintext in the event store or on any Kafka topic.
PERSONAL_DATA: tuple[str, ...] = (
    *(part for _, _, name, _ in OFFICERS for part in _name_parts(name)),
    *(part for party in (APPLICANT, THIRD_PARTY) for part in _name_parts(party.name)),
    APPLICANT.id_number,
    THIRD_PARTY.id_number,
)


@dataclass(frozen=True, slots=True)
class Step:
    """One thing that happens in the story: an agency publishes ``command`` at ``at``."""

    at: datetime
    agency: str
    command: Command
    en: str
    zh: str
    #: The reason code the hub refuses this step with, when the story shows a refusal.
    refused: str = ""


@dataclass(frozen=True, slots=True)
class Tick:
    """The hub's deadline scheduler runs at ``at``."""

    at: datetime
    en: str = "the hub's scheduler records deadlines that passed unmet"
    zh: str = "平台定时任务记录逾期未办事项"


def at(day: str, hour: int = 10, minute: int = 0) -> datetime:
    """A moment in the story: a date at a local time in Asia/Shanghai."""
    return datetime.combine(date.fromisoformat(day), time(hour, minute), tzinfo=TIMEZONE)


class _Story:
    """Builds the steps, giving every event a deterministic id."""

    def __init__(self) -> None:
        self.steps: list[Step | Tick] = []

    def envelope(self, moment: datetime, agency: str, officer: str) -> Envelope:
        event_id = uuid5(STORY_NAMESPACE, f"{len(self.steps)}")
        return Envelope(
            event_id=event_id, sender_agency=agency, officer_id=officer, occurred_at=moment
        )

    def add(
        self,
        moment: datetime,
        agency: str,
        command: Command,
        en: str,
        zh: str,
        *,
        refused: str = "",
    ) -> None:
        self.steps.append(Step(moment, agency, command, en, zh, refused))

    def tick(self, moment: datetime) -> None:
        self.steps.append(Tick(moment))


def _officer(agency: str) -> str:
    return next(o for a, o, _, _ in OFFICERS if a == agency)


def demo_story() -> list[Step | Tick]:
    """The story as ``casehub demo`` tells it: the year of ``story()`` and the CONFIDENTIAL
    trade-secrets case."""
    return story(confidential=True)


def story(*, confidential: bool = False) -> list[Step | Tick]:  # noqa: C901, PLR0915 - long by nature
    """The year of the cooperation opinion; with ``confidential``, also the trade-secrets case
    (``demo_story``). The pipeline's tests replay the year alone, whose steps keep the same
    event ids either way."""
    s = _Story()

    def env(moment: datetime, agency: str) -> Envelope:
        return s.envelope(moment, agency, _officer(agency))

    # --- January: the agencies join; liaison officers are designated (mechanism 5) ----------
    moment = at("2026-01-05", 9)
    for agency_id, name_zh, name_en, role in AGENCIES:
        if agency_id == RULE_OF_LAW_OFFICE:
            continue  # bootstrapped by the operator from the directory file
        s.add(
            moment,
            RULE_OF_LAW_OFFICE,
            AdmitAgency(env(moment, RULE_OF_LAW_OFFICE), agency_id, name_zh, name_en, role),
            f"the Rule-of-Law Office admits {name_en}",
            f"依法治市办接纳{name_zh}加入平台",
        )
    moment = at("2026-01-06", 9)
    for agency_id, officer_id, name, title in OFFICERS:
        if agency_id == RULE_OF_LAW_OFFICE:
            continue
        s.add(
            moment,
            agency_id,
            # An agency's first officer registers themselves; later ones are registered by a
            # colleague already on the hub (the agency's liaison-to-be).
            RegisterOfficer(env(moment, agency_id), officer_id, name, title),
            f"{agency_id} registers officer {officer_id}",
            f"{agency_id} 登记工作人员 {officer_id}",
        )
    moment = at("2026-01-07", 9)
    for agency_id, officer_id, _, _ in OFFICERS:
        if officer_id.endswith("-001"):
            s.add(
                moment,
                agency_id,
                DesignateLiaison(env(moment, agency_id), officer_id, date(2026, 1, 7)),
                f"{agency_id} designates {officer_id} as its liaison officer",
                f"{agency_id} 指定 {officer_id} 为联络员",
            )

    # --- March: a major food-safety case, notified to every partner (mechanism 1) -------------
    moment = at("2026-03-02", 10)
    s.add(
        moment,
        MARKET_REGULATION,
        RegisterCase(
            env(moment, MARKET_REGULATION),
            FOOD_CASE,
            title="某食品公司销售过期冷链食品案 (cold-chain food sold past its date)",
            category="food-safety",
            summary="Routine inspection found a batch of frozen food sold past its expiry date.",
            major=MajorFlag(
                "TB-2026-001",
                "重大事件通报：冷链食品批次涉嫌流入三所学校食堂"
                " (the batch may have reached three school canteens)",
            ),
        ),
        "the Market Regulation Bureau registers a food-safety case and flags it major",
        "市场监管局登记食品安全案件，并标记为重大事件，向各单位通报",
    )
    for agency, when, en, zh in (
        (PROCURATORATE, at("2026-03-02", 15), "acknowledged the same day", "当日签收"),
        (RULE_OF_LAW_OFFICE, at("2026-03-02", 17), "acknowledged the same day", "当日签收"),
        (JUSTICE_BUREAU, at("2026-03-03", 11), "acknowledged next day, on time", "次日签收，按时"),
        (ECOLOGY_ENVIRONMENT, at("2026-03-03", 16), "acknowledged on time", "按时签收"),
        (
            NATURAL_RESOURCES,
            at("2026-03-06", 10),
            "acknowledged three working days late",
            "逾期三个工作日签收",
        ),
    ):
        s.add(
            when,
            agency,
            AcknowledgeNotice(env(when, agency), FOOD_CASE, "TB-2026-001"),
            f"{agency} {en}",
            f"{agency} {zh}",
        )
    moment = at("2026-03-04", 9)
    s.add(
        moment,
        MARKET_REGULATION,
        ShareInformation(
            env(moment, MARKET_REGULATION),
            FOOD_CASE,
            "INFO-1",
            "Sampling report: the batch exceeds the microbial limit.",
            (DocumentRef("DOC-MR-0001", "a" * 64, "抽检报告 sampling report"),),
        ),
        "the Market Regulation Bureau shares the sampling report",
        "市场监管局共享抽检报告",
    )

    # --- Verification assistance (mechanism 2) -------------------------------------------------
    moment = at("2026-03-10", 10)
    s.add(
        moment,
        PROCURATORATE,
        RequestAssistance(
            env(moment, PROCURATORATE),
            FOOD_CASE,
            "XZ-2026-003",
            MARKET_REGULATION,
            "Provide the seizure records and the distribution list of the batch.",
            date(2026, 3, 24),
        ),
        "the procuratorate asks the Market Regulation Bureau for verification help",
        "检察院向市场监管局发出调查核实协助函",
    )
    for when, command, en, zh in (
        (
            at("2026-03-11", 9),
            lambda m: AcknowledgeAssistanceRequest(
                env(m, MARKET_REGULATION), FOOD_CASE, "XZ-2026-003"
            ),
            "the bureau acknowledges the request",
            "市场监管局签收协助函",
        ),
        (
            at("2026-03-18", 14),
            lambda m: SupplyMaterials(
                env(m, MARKET_REGULATION),
                FOOD_CASE,
                "XZ-2026-003",
                (
                    DocumentRef("DOC-MR-0002", "b" * 64, "查封扣押记录 seizure records"),
                    DocumentRef("DOC-MR-0003", "c" * 64, "流向清单 distribution list"),
                ),
            ),
            "the bureau supplies the materials",
            "市场监管局提供材料",
        ),
        (
            at("2026-03-19", 10),
            lambda m: CompleteAssistance(
                env(m, MARKET_REGULATION),
                FOOD_CASE,
                "XZ-2026-003",
                "All requested records supplied.",
            ),
            "the bureau completes the request, on time",
            "市场监管局按期完成协助",
        ),
    ):
        s.add(when, MARKET_REGULATION, command(when), en, zh)

    # --- A land case, a dispute mediated to settlement (mechanism 3) --------------------------
    moment = at("2026-04-01", 10)
    s.add(
        moment,
        NATURAL_RESOURCES,
        RegisterCase(
            env(moment, NATURAL_RESOURCES),
            LAND_CASE,
            title="某村民占用耕地建房案 (farmland occupied for housing)",
            category="land-use",
            summary="A house was built on protected farmland; a penalty was decided.",
        ),
        "the Natural Resources Bureau registers a land-use case",
        "自然资源局登记违法占地案件",
    )
    moment = at("2026-04-02", 10)
    s.add(
        moment,
        PROCURATORATE,
        AddParticipant(env(moment, PROCURATORATE), LAND_CASE, ECOLOGY_ENVIRONMENT),
        "the procuratorate brings the Ecology and Environment Bureau into the land case",
        "检察院邀请生态环境局参与该案",
    )
    moment = at("2026-05-06", 10)
    s.add(
        moment,
        JUSTICE_BUREAU,
        OpenDispute(
            env(moment, JUSTICE_BUREAU),
            LAND_CASE,
            "ZY-2026-002",
            "The villager disputes the demolition order.",
            (APPLICANT, Party("市自然资源局", "respondent-organ"), THIRD_PARTY),
        ),
        "the Justice Bureau opens an administrative dispute on the land case",
        "司法局就该案启动行政争议实质性化解",
    )
    moment = at("2026-05-20", 14)
    s.add(
        moment,
        JUSTICE_BUREAU,
        HoldMediationSession(
            env(moment, JUSTICE_BUREAU),
            LAND_CASE,
            "ZY-2026-002",
            date(2026, 5, 20),
            (JUSTICE_BUREAU, NATURAL_RESOURCES, PROCURATORATE),
            "Parties agree in principle on relocation support.",
        ),
        "a mediation session is held",
        "召开调解会",
    )
    moment = at("2026-06-01", 10)
    s.add(
        moment,
        JUSTICE_BUREAU,
        ResolveDispute(
            env(moment, JUSTICE_BUREAU),
            LAND_CASE,
            "ZY-2026-002",
            "Settlement: demolition within 60 days; relocation subsidy per county rules.",
        ),
        "the dispute is resolved by a settlement",
        "达成和解协议，争议化解",
    )

    # --- Two recommendations: one on time, one overdue (mechanism 4) ---------------------------
    moment = at("2026-04-01", 15)
    s.add(
        moment,
        PROCURATORATE,
        IssueRecommendation(
            env(moment, PROCURATORATE),
            FOOD_CASE,
            "JJ-2026-01",
            MARKET_REGULATION,
            "Strengthen cold-chain traceability checks at wholesale markets.",
            "《人民检察院检察建议工作规定》第十一条",
        ),
        "the procuratorate issues a recommendation to the Market Regulation Bureau",
        "检察院向市场监管局制发检察建议",
    )
    moment = at("2026-04-02", 10)
    s.add(
        moment,
        PROCURATORATE,
        ServeRecommendation(env(moment, PROCURATORATE), FOOD_CASE, "JJ-2026-01"),
        "the recommendation is served",
        "送达检察建议书",
    )
    moment = at("2026-04-03", 10)
    s.add(
        moment,
        MARKET_REGULATION,
        ReceiveRecommendation(env(moment, MARKET_REGULATION), FOOD_CASE, "JJ-2026-01"),
        "the bureau signs for it; the two-month reply period starts",
        "市场监管局签收，两个月回复期限起算",
    )
    moment = at("2026-04-10", 15)
    s.add(
        moment,
        PROCURATORATE,
        IssueRecommendation(
            env(moment, PROCURATORATE),
            LAND_CASE,
            "JJ-2026-02",
            NATURAL_RESOURCES,
            "Enforce the penalty decision and review farmland inspections.",
            "《人民检察院检察建议工作规定》第十一条",
        ),
        "the procuratorate issues a recommendation to the Natural Resources Bureau",
        "检察院向自然资源局制发检察建议",
    )
    # A bad event: the hub refuses it with its reason and dead-letters it; nothing else stops.
    moment = at("2026-04-10", 16)
    s.add(
        moment,
        NATURAL_RESOURCES,
        IssueRecommendation(
            env(moment, NATURAL_RESOURCES),
            LAND_CASE,
            "JJ-2026-99",
            MARKET_REGULATION,
            "A recommendation the bureau has no power to issue.",
            "none",
        ),
        "the Natural Resources Bureau's system wrongly sends a recommendation of its own:"
        " refused (only the procuratorate issues them) and dead-lettered",
        "自然资源局系统误发一份检察建议：平台拒收（检察建议只能由检察院制发），转入死信",
        refused="not_authorized",
    )
    moment = at("2026-04-13", 10)
    s.add(
        moment,
        PROCURATORATE,
        ServeRecommendation(env(moment, PROCURATORATE), LAND_CASE, "JJ-2026-02"),
        "the recommendation is served",
        "送达检察建议书",
    )
    s.add(
        moment,
        NATURAL_RESOURCES,
        ReceiveRecommendation(
            env(at("2026-04-13", 11), NATURAL_RESOURCES), LAND_CASE, "JJ-2026-02"
        ),
        "the Natural Resources Bureau signs for it (reply due 13 June, a Saturday: so 15 June)",
        "自然资源局签收（6月13日为周六，顺延至6月15日）",
    )
    moment = at("2026-05-20", 10)
    s.add(
        moment,
        MARKET_REGULATION,
        ReplyToRecommendation(
            env(moment, MARKET_REGULATION),
            FOOD_CASE,
            "JJ-2026-01",
            Adoption.ADOPTED,
            "Traceability checks added to all four wholesale markets.",
        ),
        "the Market Regulation Bureau replies in writing, on time, adopting it",
        "市场监管局按期书面回复，采纳检察建议",
    )
    s.tick(at("2026-06-16", 1))
    moment = at("2026-06-25", 10)
    s.add(
        moment,
        NATURAL_RESOURCES,
        ReplyToRecommendation(
            env(moment, NATURAL_RESOURCES),
            LAND_CASE,
            "JJ-2026-02",
            Adoption.PARTLY_ADOPTED,
            "Penalty enforced; inspection review postponed to next year.",
        ),
        "the Natural Resources Bureau replies late, partly adopting it",
        "自然资源局逾期回复，部分采纳",
    )
    moment = at("2026-07-15", 10)
    s.add(
        moment,
        PROCURATORATE,
        RecordRectificationCheck(
            env(moment, PROCURATORATE),
            FOOD_CASE,
            "JJ-2026-01",
            rectified=True,
            notes="Checked on site: rectified.",
        ),
        "follow-up: the food case's recommendation was rectified",
        "跟踪监督：已整改",
    )
    s.add(
        moment,
        PROCURATORATE,
        RecordConsultation(
            env(at("2026-07-16", 10), PROCURATORATE),
            LAND_CASE,
            "JJ-2026-02",
            date(2026, 7, 16),
            "Consultation on the postponed inspection review.",
            "The bureau cites staffing limits.",
        ),
        "consultation held with the Natural Resources Bureau",
        "与自然资源局沟通协商，听取意见",
    )
    moment = at("2026-09-01", 10)
    s.add(
        moment,
        PROCURATORATE,
        RecordRectificationCheck(
            env(moment, PROCURATORATE),
            LAND_CASE,
            "JJ-2026-02",
            rectified=False,
            notes="Inspection review not done.",
        ),
        "follow-up: the land case's recommendation was not rectified",
        "跟踪监督：未整改",
    )
    for case, rec in ((FOOD_CASE, "JJ-2026-01"), (LAND_CASE, "JJ-2026-02")):
        moment = at("2026-09-15", 10)
        s.add(
            moment,
            PROCURATORATE,
            CloseRecommendation(env(moment, PROCURATORATE), case, rec, "Closed after follow-up."),
            f"the procuratorate closes {rec}",
            f"检察院办结 {rec}",
        )
    if confidential:
        _confidential_case(s, env)
    s.tick(at("2026-12-31", 23))
    # Written mechanism by mechanism, told in time order (a stable sort keeps same-moment order).
    return sorted(s.steps, key=lambda step: step.at)


def _confidential_case(s: _Story, env: Callable[[datetime, str], Envelope]) -> None:
    """A CONFIDENTIAL case: trade secrets (classification, docs/security.md)."""
    moment = at("2026-08-03", 10)
    s.add(
        moment,
        MARKET_REGULATION,
        RegisterCase(
            dataclasses.replace(
                env(moment, MARKET_REGULATION), classification=Classification.CONFIDENTIAL
            ),
            CONFIDENTIAL_CASE,
            title=CONFIDENTIAL_TITLE,
            category="trade-secrets",
            summary=f"A former engineer is suspected of selling the {CONFIDENTIAL_MARKER}.",
            major=MajorFlag(
                "TB-2026-027",
                "重大案件通报：涉商业秘密，内容仅限参与单位 (trade secrets: for participants only)",
                (RULE_OF_LAW_OFFICE,),
            ),
        ),
        "the Market Regulation Bureau registers a CONFIDENTIAL trade-secrets case, notified to"
        " the Rule-of-Law Office",
        "市场监管局登记涉商业秘密案件（机密 CONFIDENTIAL），向依法治市办通报",
    )
    when = at("2026-08-03", 15)
    s.add(
        when,
        RULE_OF_LAW_OFFICE,
        AcknowledgeNotice(env(when, RULE_OF_LAW_OFFICE), CONFIDENTIAL_CASE, "TB-2026-027"),
        "the Rule-of-Law Office acknowledges the notice (it reads metadata only)",
        "依法治市办签收通报（仅见元数据）",
    )
    moment = at("2026-08-05", 10)
    s.add(
        moment,
        MARKET_REGULATION,
        ShareInformation(
            env(moment, MARKET_REGULATION),
            CONFIDENTIAL_CASE,
            "INFO-27",
            f"Forensic report: the {CONFIDENTIAL_MARKER} was copied to a private drive.",
            (DocumentRef("DOC-MR-0027", "d" * 64, "电子取证报告 forensic report"),),
        ),
        "the Market Regulation Bureau shares the forensic report with the case's participants",
        "市场监管局向参与单位共享电子取证报告",
    )


def steps_by_agency(steps: list[Step | Tick]) -> Iterator[tuple[str, Command]]:
    """The commands of the story with the agency whose topic carries them."""
    for step in steps:
        if isinstance(step, Step):
            yield step.agency, step.command
