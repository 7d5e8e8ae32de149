"""Labels in simplified Chinese and English, from the glossary of ``DOMAIN.md``.

``t(key, lang)`` returns the label of a key (the key itself when there is none), so a missing
label shows up as its key rather than failing a report. Agencies are named from the directory
(``agency_label`` with the names it holds), falling back to their ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")

#: key -> (中文, English)
LABELS: dict[str, tuple[str, str]] = {
    # --- case events ---------------------------------------------------------------------------
    "Case.Registered": ("登记案件", "case registered"),
    "Case.ParticipantAdded": ("增加参与单位", "participant added"),
    "Case.InformationShared": ("信息共享", "information shared"),
    "Case.NoticeAcknowledged": ("签收通报", "notice acknowledged"),
    "Case.AssistanceRequested": (
        "发出调查核实协助函",
        "investigation and verification assistance requested",
    ),
    "Case.AssistanceRequestAcknowledged": ("签收协助函", "assistance request acknowledged"),
    "Case.MaterialsSupplied": ("提供材料", "materials supplied"),
    "Case.AssistanceCompleted": ("完成协助", "assistance completed"),
    "Case.AssistanceDeclined": ("不予协助（说明理由）", "assistance declined (with reason)"),
    "Case.DisputeOpened": ("启动行政争议化解", "administrative dispute opened"),
    "Case.MediationSessionHeld": ("召开调解会", "mediation session held"),
    "Case.DisputeResolved": ("达成和解协议，争议化解", "dispute resolved by settlement"),
    "Case.DisputeWithdrawn": ("撤回行政争议", "dispute withdrawn"),
    "Case.DisputeReferredToLitigation": ("转入诉讼", "referred to litigation"),
    "Case.RecommendationIssued": ("制发检察建议", "procuratorial recommendation issued"),
    "Case.RecommendationServed": ("送达检察建议书", "recommendation served"),
    "Case.RecommendationReceived": ("签收检察建议", "recommendation received"),
    "Case.ObjectionRaised": ("提出异议", "objection raised"),
    "Case.ObjectionReviewed": ("异议复核", "objection reviewed"),
    "Case.RecommendationReplied": ("书面回复", "written reply"),
    "Case.RectificationChecked": ("跟踪监督：整改情况", "follow-up: rectification checked"),
    "Case.ConsultationRecorded": ("沟通协商，听取意见", "consultation, opinions heard"),
    "Case.RecommendationEscalated": (
        "报告上级检察院 / 通报其上级主管机关",
        "escalation",
    ),
    "Case.RecommendationClosed": ("办结检察建议", "recommendation closed"),
    "Case.DeadlineExtended": ("延期", "deadline extended"),
    "Case.DeadlineMissed": ("逾期", "deadline missed (overdue)"),
    # personal data (hub/privacy): crypto-shredding and correction
    "Case.PersonalDataErased": ("个人信息已删除", "personal data erased"),
    "Case.PersonalDataCorrected": ("个人信息已更正", "personal data corrected"),
    # --- directory events ----------------------------------------------------------------------
    "Directory.Opened": ("平台目录建立", "directory opened"),
    "Directory.AgencyAdmitted": ("单位加入平台", "agency admitted"),
    "Directory.OfficerRegistered": ("登记工作人员", "officer registered"),
    "Directory.LiaisonDesignated": ("指定联络员", "liaison officer designated"),
    "Directory.PersonalDataErased": ("工作人员个人信息已删除", "officer's personal data erased"),
    "Directory.PersonalDataCorrected": (
        "工作人员个人信息已更正",
        "officer's personal data corrected",
    ),
    # --- fields and values ---------------------------------------------------------------------
    "case": ("案件", "case"),
    "case_number": ("案号", "case number"),
    "addressee": ("对象单位", "addressee"),
    "agency": ("单位", "agency"),
    "agency_id": ("单位", "agency"),
    "kind": ("期限类型", "deadline kind"),
    "target_id": ("事项编号", "item"),
    "due_date": ("期限", "deadline"),
    "previous_due_date": ("原期限", "previous deadline"),
    "requested_due_date": ("要求期限", "requested deadline"),
    "urgent_due_date": ("紧急期限", "urgent deadline"),
    "notice_due_date": ("签收期限", "acknowledgment deadline"),
    "held_on": ("日期", "held on"),
    "adoption": ("采纳情况", "adoption"),
    "outcome": ("复核结果", "review outcome"),
    "channel": ("报告途径", "escalation channel"),
    "rectified": ("整改（已整改 / 未整改）", "rectified"),
    "late": ("逾期", "late"),
    "working_days_late": ("逾期工作日", "working days late"),
    "notice_recipients": ("通报对象", "notice recipients"),
    "participants": ("参与单位", "participants"),
    "documents": ("材料数", "documents"),
    "major_notice": ("重大事件通报", "major notice"),
    "ADOPTED": ("采纳", "adopted"),
    "PARTLY_ADOPTED": ("部分采纳", "partly adopted"),
    "NOT_ADOPTED": ("未采纳", "not adopted"),
    "NOTICE_ACKNOWLEDGMENT": ("通报签收", "notice acknowledgment"),
    "ASSISTANCE_RESPONSE": ("协助答复", "assistance response"),
    "RECOMMENDATION_REPLY": ("检察建议书面回复", "written reply to a recommendation"),
    "OPEN": ("未办结", "open"),
    "MET": ("已办", "met"),
    "CANCELLED": ("已撤销", "cancelled"),
    "overdue": ("逾期", "overdue"),
    "days_remaining": ("剩余天数", "days remaining"),
    # --- the annual assessment -----------------------------------------------------------------
    "assessment.title": ("年度考核", "Annual assessment"),
    "assessment.subtitle": (
        "检察监督结果运用机制：行政执法机关协作配合情况",
        "Use of supervision results: cooperation of the administrative organs",
    ),
    "assessment.rank": ("排名", "Rank"),
    "assessment.organ": ("行政执法机关", "Administrative organ"),
    "assessment.score": ("得分", "Score"),
    "assessment.indicator": ("指标", "Indicator"),
    "assessment.weight": ("权重", "Weight"),
    "assessment.value": ("指标值", "Value"),
    "assessment.formula": ("计算方法", "Formula"),
    "assessment.evidence": ("依据事件", "Events behind the figure"),
    "assessment.not_applicable": ("不适用", "n/a"),
    "assessment.chart": ("得分图", "Scores"),
    "assessment.scorecard": ("考核排名", "Ranked scorecard"),
    "assessment.indicators": ("指标与权重", "Indicators and weights"),
    "assessment.details": ("各单位指标明细", "Indicators per organ"),
    "assessment.method": (
        (
            "得分 = 100 × Σ(权重 × 指标值) ÷ Σ(适用指标的权重)；无数据的指标不适用，不计入分母。"
            "同分时按适用指标权重之和、再按单位标识排序。"
        ),
        (
            "Score = 100 × Σ(weight × value) ÷ Σ(weights of the applicable indicators); an "
            "indicator without data is n/a and left out of both sums. Ties are broken by the "
            "applicable weight, then by agency id."
        ),
    ),
    "assessment.metadata_only": (
        "本报告只列事件元数据（事件编号、类型、单位、日期），不含案件内容。",
        (
            "This report lists event metadata only (event id, type, agency, date), never case "
            "contents."
        ),
    ),
    "assessment.generated": ("生成时间", "Generated"),
    "assessment.year": ("考核年度", "Year"),
    "assessment.event_id": ("事件编号", "Event id"),
    "assessment.event_type": ("事件类型", "Event type"),
    "assessment.date": ("日期", "Date"),
    "assessment.agency": ("单位", "Agency"),
    "assessment.role": ("计入", "Counts as"),
    "assessment.coverage": ("适用权重", "Applicable weight"),
    "indicator.reply_on_time": (
        "检察建议按期书面回复率",
        "On-time written replies to recommendations",
    ),
    "indicator.adoption": ("检察建议采纳率", "Adoption of recommendations"),
    "indicator.rectification": ("整改率", "Rectification rate"),
    "indicator.assistance_on_time": (
        "调查核实协助按期答复率",
        "Assistance requests answered on time",
    ),
    "indicator.declines": ("不予协助情况（越少越好）", "Declined assistance (fewer is better)"),
    "indicator.notice_ack_on_time": (
        "重大事件通报按期签收率",
        "Major notices acknowledged on time",
    ),
    "indicator.disputes_mediated": ("行政争议调解化解率", "Disputes resolved by mediation"),
    "indicator.liaison_designated": ("全年保持指定联络员", "Liaison officer designated all year"),
    "formula.reply_on_time": (
        "按期书面回复数 ÷ 本年度到期（已回复或已记录逾期）的检察建议数",
        (
            "written replies recorded by the due date ÷ recommendations due in the year "
            "(replied, or recorded as missed)"
        ),
    ),
    "formula.adoption": (
        "(采纳 + 0.5 × 部分采纳) ÷ 本年度书面回复数",
        "(adopted + 0.5 × partly adopted) ÷ written replies recorded in the year",
    ),
    "formula.rectification": (
        "已整改数 ÷ 本年度跟踪监督检查的检察建议数（以最后一次检查为准）",
        "rectified ÷ recommendations checked in the year (the last check counts)",
    ),
    "formula.assistance_on_time": (
        "按期完成或说明理由的协助函数 ÷ 本年度到期（已答复或已记录逾期）的协助函数",
        (
            "requests completed or declined by the due date ÷ requests due in the year "
            "(answered, or recorded as missed)"
        ),
    ),
    "formula.declines": (
        "1 − 不予协助数 ÷ 本年度答复的协助函数",
        "1 − declined ÷ requests answered in the year",
    ),
    "formula.notice_ack_on_time": (
        "按期签收数 ÷ 本年度签收期限届满（已签收或已记录逾期）的通报数",
        (
            "acknowledgments by the due day ÷ notices due in the year (acknowledged, or "
            "recorded as missed)"
        ),
    ),
    "formula.disputes_mediated": (
        "达成和解协议数 ÷ 本年度办结的本单位案件行政争议数",
        "disputes resolved by settlement ÷ disputes on the organ's cases closed in the year",
    ),
    "formula.liaison_designated": (
        "加入平台后宽限期内指定联络员并保持至年底为 1，否则为 0",
        (
            "1 when a liaison officer was in effect from the start of the year (or within the "
            "grace period after admission) to its end, else 0"
        ),
    ),
    # --- evidence roles ------------------------------------------------------------------------
    "role.due": ("应办", "due"),
    "role.met": ("按期", "on time"),
    "role.late": ("逾期", "late"),
    "role.missed": ("逾期未办", "missed"),
    "role.extended": ("延期", "extended"),
    "role.withdrawn": ("撤回", "withdrawn"),
    "role.counted": ("计入", "counted"),
    "role.designation": ("指定联络员", "designation"),
    "role.admission": ("加入平台", "admission"),
    "role.rectified": ("已整改", "rectified"),
    "role.not_rectified": ("未整改", "not rectified"),
    "role.declined": ("不予协助", "declined"),
    "role.completed": ("完成协助", "completed"),
    "role.resolved": ("达成和解协议", "resolved by settlement"),
    "role.referred": ("转入诉讼", "referred to litigation"),
    # --- roles ---------------------------------------------------------------------------------
    "procuratorate": ("人民检察院", "procuratorate"),
    "justice-bureau": ("司法局", "justice bureau"),
    "rule-of-law-office": ("依法治市办", "Rule-of-Law Office"),
    "enforcement-agency": ("行政执法机关", "administrative law-enforcement agency"),
    "hub": ("平台", "the hub"),
    # --- audit ---------------------------------------------------------------------------------
    "audit.history": ("案件历史", "Case history"),
    "audit.as_of": ("截至", "as of"),
    "audit.version": ("版本", "version"),
    "audit.recorded_at": ("记录时间", "recorded"),
    "audit.occurred_at": ("发生时间", "occurred"),
    "audit.actor": ("操作单位", "actor"),
    "audit.officer": ("经办人", "officer"),
    "audit.event": ("事件", "event"),
    "audit.hash": ("防篡改哈希链", "tamper-evident hash chain"),
    "audit.chain_ok": ("哈希链完整", "hash chain intact"),
    "audit.chain_bad": ("哈希链被破坏", "hash chain broken"),
    "audit.state": ("案件状态", "state of the case"),
    "audit.timeline": ("时间线", "timeline"),
    "audit.export": ("案件导出", "Case export"),
    "title": ("标题", "title"),
    "category": ("类别", "category"),
    "summary": ("摘要", "summary"),
    "owning_agency": ("主办单位", "owning agency"),
    "notices": ("通报", "notices"),
    "requests": ("调查核实协助函", "assistance requests"),
    "disputes": ("行政争议", "administrative disputes"),
    "recommendations": ("检察建议", "procuratorial recommendations"),
    "deadlines": ("期限", "deadlines"),
    "infos": ("信息共享", "shared information"),
    # --- statuses and flags in words (hub.presentation.words) ---------------------------------
    "status.recommendation.ISSUED": ("已制发，待送达", "issued, not yet served"),
    "status.recommendation.SERVED": ("已送达，待签收", "served, awaiting receipt"),
    "status.recommendation.RECEIVED": ("已签收，书面回复期限进行中", "received, written reply due"),
    "status.recommendation.OBJECTED": ("已提出异议，待复核", "objection raised, awaiting review"),
    "status.recommendation.REPLIED": ("已书面回复", "written reply received"),
    "status.recommendation.CLOSED": ("已办结", "closed"),
    "status.assistance.OPEN": ("办理中", "open"),
    "status.assistance.COMPLETED": ("已完成协助", "assistance completed"),
    "status.assistance.DECLINED": ("不予协助（已说明理由）", "declined (with reason)"),
    "status.dispute.OPEN": ("化解中", "open, in mediation"),
    "status.dispute.RESOLVED": ("达成和解协议，争议化解", "resolved by settlement"),
    "status.dispute.WITHDRAWN": ("已撤回", "withdrawn"),
    "status.dispute.REFERRED_TO_LITIGATION": ("已转入诉讼", "referred to litigation"),
    "status.deadline.OPEN": ("期限未届满", "open"),
    "status.deadline.OVERDUE": ("已逾期，尚未办理", "overdue, not yet done"),
    "status.deadline.MET": ("按期办理", "met on time"),
    "status.deadline.MET_LATE": ("逾期办理", "met late"),
    "status.deadline.CANCELLED": ("已撤销", "cancelled"),
    "review.UPHELD": ("维持原检察建议", "recommendation upheld"),
    "review.AMENDED": (
        "变更检察建议，重新确定回复期限",
        "recommendation amended, reply due day reset",
    ),
    "review.WITHDRAWN": ("撤回检察建议", "recommendation withdrawn"),
    "classification.PUBLIC": ("公开", "public"),
    "classification.INTERNAL": ("内部", "internal"),
    "classification.CONFIDENTIAL": ("机密（仅限授权人员）", "confidential (cleared readers only)"),
    "flag.provisional": ("暂定", "provisional"),
    "flag.provisional.why": (
        "暂定：所涉年份的节假日安排尚未公布，期限按估算的工作日计算，公布后可能变动",
        (
            "provisional: the year's official holiday arrangement is not yet published, so this "
            "due day rests on estimated working days and may move once it is"
        ),
    ),
    "flag.late": ("逾期", "late"),
    "flag.on_time": ("按期", "on time"),
    "flag.masked": ("密级内容已屏蔽，仅显示元数据", "content masked, metadata only"),
    "flag.major": ("重大事件", "major event"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "unit.working_days_late": ("逾期 {n} 个工作日", "{n} working day(s) late"),
    "unit.working_days_left": ("剩余 {n} 个工作日", "{n} working day(s) left"),
    "unit.due_today": ("今日到期", "due today"),
    # --- case file (hub.presentation.casefile) ---------------------------------------------------
    "casefile.title": ("案卷", "Case file"),
    "casefile.header": ("案件概况", "The case"),
    "casefile.registered": ("登记时间", "registered"),
    "casefile.classification": ("密级", "classification"),
    "casefile.reader": ("读者", "read as"),
    "casefile.parties": ("当事人", "Parties"),
    "casefile.no_parties": ("无", "none"),
    "casefile.proceedings": ("各项程序及期限", "Proceedings and their deadlines"),
    "casefile.said": ("内容", "what it said"),
    "casefile.appendix": ("附录：哈希与原始字段", "Appendix: hashes and raw fields"),
    "casefile.appendix.note": (
        "每个事件的哈希链接（上一事件哈希、本事件哈希）、内容哈希和原始字段（规范 JSON）。",
        (
            "Each event's chain links (previous and own event hash), content hash and raw "
            "fields (canonical JSON)."
        ),
    ),
    "casefile.content_hash": ("内容哈希", "content hash"),
    "casefile.fields": ("原始字段", "raw fields"),
    "casefile.page": ("第 {page} 页，共 {pages} 页", "page {page} of {pages}"),
    "casefile.notice": ("通报", "notice"),
    "casefile.request": ("协助函", "assistance request"),
    "casefile.dispute": ("行政争议", "dispute"),
    "casefile.recommendation": ("检察建议", "recommendation"),
    "casefile.due.notice": ("签收期限 {day}", "acknowledgment due {day}"),
    "casefile.due.assistance": ("答复期限 {day}", "answer due {day}"),
    "casefile.due.recommendation": ("期限 {day}", "reply due {day}"),
    "casefile.due.deadline": ("期限 {day}", "due {day}"),
    "casefile.notice.open": ("签收中", "awaiting acknowledgments"),
    "casefile.notice.done": ("均已签收", "acknowledged by all"),
    "casefile.acknowledged": ("已签收", "acknowledged"),
    "casefile.not_acknowledged": ("尚未签收", "not yet acknowledged"),
    "casefile.extended": ("延期 {n} 次", "extended {n} time(s)"),
    "casefile.sessions": ("调解会 {n} 次", "{n} mediation session(s)"),
    "casefile.closed": ("办结于", "closed"),
    "casefile.review": ("异议复核结果", "objection reviewed"),
    "casefile.replied_on_time": ("按期书面回复（{when}）", "replied on time ({when})"),
    "casefile.replied_late": (
        "书面回复逾期 {n} 个工作日（{when}）",
        "replied {n} working day(s) late ({when})",
    ),
    "casefile.done_at": ("办理于", "done"),
    "casefile.party.applicant": ("申请人", "applicant"),
    "casefile.party.respondent-organ": ("被申请机关", "respondent organ"),
    "casefile.party.third-party": ("第三人", "third party"),
    # --- consumers' tables and ops status ------------------------------------------------------
    "role.due_reset": ("复核后重新确定期限", "due day set by the review"),
    "deadlines.col.due": ("到期日", "Due day"),
    "deadlines.col.owed_by": ("应办机关", "Owed by"),
    "deadlines.col.kind": ("期限事项", "Deadline"),
    "deadlines.col.item": ("编号", "Item"),
    "deadlines.col.state": ("状态", "State"),
    "deadlines.col.days": ("工作日", "Working days"),
    "deadlines.col.done": ("办理日", "Done on"),
    "deadlines.col.flags": ("标记", "Flags"),
    "deadlines.col.case": ("案件", "Case"),
    "deadlines.missed_on_record": ("已记录逾期", "miss recorded"),
    "deadlines.count": ("共 {n} 项期限", "{n} deadline(s)"),
    "deadlines.none": (
        "没有未届满、已逾期或逾期办理的期限",
        "No deadline is open, overdue or met late",
    ),
    "deadlines.counted_today": (
        "天数按 {day} 计算（本机今日日期，Asia/Shanghai）",
        "days counted from {day} (today's date on this machine, Asia/Shanghai)",
    ),
    "deadlines.counted_given": (
        "天数按 {day} 计算（由 --today 指定，非本机今日日期）",
        "days counted from {day} (given by --today, not today's date on this machine)",
    ),
    "timeline.col.version": ("版本", "Version"),
    "timeline.col.recorded": ("记录时间", "Recorded"),
    "timeline.col.event": ("事件", "Event"),
    "timeline.title": ("案件 {case} 的时间线", "Timeline of case {case}"),
    # --- receipts ------------------------------------------------------------------------------
    # --- audit verify and the store's key ------------------------------------------------------
    # --- agency developers (schemas, codec) ----------------------------------------------------
    # --- console office (H4) ---
    "office.sheet.ranking": ("排名", "Ranking"),
    "office.sheet.indicators": ("指标", "Indicators"),
    "office.sheet.evidence": ("依据事件", "Evidence"),
    "office.agency_id": ("单位代码", "Agency id"),
    "office.indicator_id": ("指标代码", "Indicator id"),
    "office.numerator": ("分子", "Numerator"),
    "office.denominator": ("分母", "Denominator"),
    "office.applicable": ("适用", "Applicable"),
    "office.board.overdue": ("已逾期", "Overdue"),
    "office.board.warning": ("预警（{n} 个工作日内到期）", "Due within {n} working days"),
    "office.board.met_late": ("逾期办结", "Met late"),
    # --- console: reading a case (H5) ---
    "reading.before_registration": (
        "案件 {case} 在 {moment} 尚未登记：登记时间为 {first}",
        "case {case} did not exist yet at {moment}: it was registered at {first}",
    ),
    "reading.not_yet_visible": (
        "案件 {case} 在 {moment} 尚无任何事件送达本单位：最早一条为 {first}",
        "nothing of case {case} had reached you yet at {moment}: first event for you at {first}",
    ),
    "reading.no_version": (
        "案件 {case} 的版本为 1 至 {latest}，没有版本 {version}",
        "case {case} has versions 1 to {latest}; there is no version {version}",
    ),
    "reading.version_hidden": (
        "案件 {case} 的版本 {version} 不在您可查看的范围内",
        "version {version} of case {case} is not one you may read",
    ),
    "reading.bad_moment": (
        "时间 {text!r} 无法识别：请使用日期或日期时间，如 2026-10-15 或 2026-10-15T16:00",
        "{text!r} is not a date or time: use e.g. 2026-10-15 or 2026-10-15T16:00",
    ),
    "reading.as_of_and_version": (
        "请指定时间点或版本之一，不能同时指定",
        "give a moment or a version, not both",
    ),
    "reading.new": ("（新增）", "(new)"),
    "reading.gone": ("（已不存在）", "(no longer listed)"),
    "reading.deadline.opened": ("期限开始", "deadline opened"),
    "reading.deadline.met": ("期限已履行", "deadline met"),
    "reading.deadline.missed": ("期限已逾期", "deadline missed"),
    "reading.deadline.cancelled": ("期限已取消", "deadline cancelled"),
    "reading.field.masked": ("内容", "content"),
    # --- console read log (H2) ---
    "reads.col.seq": ("序号", "No."),
    "reads.col.at": ("时间", "Time"),
    "reads.col.account": ("账号", "Account"),
    "reads.col.agency": ("机关", "Agency"),
    "reads.col.kind": ("查阅类型", "Kind"),
    "reads.col.case": ("案件", "Case"),
    "reads.col.target": ("页面或导出", "Page or export"),
    "reads.col.query": ("检索条件", "Search terms"),
    "reads.none": ("没有符合条件的查阅记录", "No reads match"),
    "reads.shown": ("共 {total} 条，显示 {shown} 条", "{total} read(s), {shown} shown"),
    "reads.verify_ok": (
        "查阅日志完好：{entries} 条记录的哈希链一致",
        "read log intact: the hash chain of {entries} entries holds",
    ),
    "reads.verify_bad": (
        "查阅日志被篡改：第 {seq} 条（{field}）：{why}；此前 {entries} 条完好",
        "read log tampered with: entry {seq} ({field}): {why}; the {entries} before it hold",
    ),
    "reads.problem.missing": ("此前的记录缺失（被删除），序号不连续", "entries are missing"),
    "reads.problem.out_of_order": ("序号顺序错乱（被重排）", "out of order"),
    "reads.problem.unlinked": (
        "与前一条记录的哈希链接不上（被重排、重新插入或改写）",
        "does not link to the entry before it",
    ),
    "reads.problem.changed": ("记录后被修改，与哈希不符", "changed after it was recorded"),
    "reads.problem.hash": ("内容与其哈希不符（哈希或字段被修改）", "does not match its hash"),
    "reads.problem.not_a_number": ("序号不是数字", "the sequence number is not a number"),
    "reads.kind.case_page": ("案件页面", "case page"),
    "reads.kind.case_as_of": ("案件历史状态", "case as of a time"),
    "reads.kind.case_diff": ("案件版本比较", "case versions compared"),
    "reads.kind.case_event": ("案件事件", "case event"),
    "reads.kind.case_pdf": ("案卷 PDF", "case file PDF"),
    "reads.kind.search": ("案件检索", "case search"),
    "reads.kind.dashboard": ("考评看板", "assessment dashboard"),
    "reads.kind.figure": ("考评指标依据", "assessment figure"),
    "reads.kind.deadlines": ("期限看板", "deadlines board"),
    "reads.kind.export_xlsx": ("导出 Excel", "Excel export"),
    "reads.kind.export_csv": ("导出 CSV", "CSV export"),
    "reads.kind.reads": ("查阅日志", "read log"),
    # --- console foundation (H1) ---------------------------------------------------------------
    "console.title": ("案件信息共享平台", "CaseHub console"),
    "console.nav.home": ("首页", "Home"),
    "console.nav.accounts": ("账户管理", "Accounts"),
    "console.who": ("{name}（{agency}）", "{name} ({agency})"),
    "console.logout": ("退出登录", "Log out"),
    "console.login.title": ("登录", "Log in"),
    "console.login.name": ("账户名", "Account"),
    "console.login.password": ("密码", "Password"),
    "console.login.code": ("动态验证码（6位）", "Authenticator code (6 digits)"),
    "console.login.submit": ("登录", "Log in"),
    "console.login.failed": (
        "登录失败：请检查账户名、密码和动态验证码。",
        "Login failed: check the account name, password and code.",
    ),
    "console.landing.title": ("欢迎，{name}", "Welcome, {name}"),
    "console.landing.roles": ("角色", "Roles"),
    "console.landing.none": ("您的角色暂无可用页面。", "No page is open to your roles."),
    "console.role.auditor": ("监督人员", "Auditor"),
    "console.role.rule-of-law": ("法治办", "Rule-of-Law Office"),
    "console.role.officer": ("执法人员", "Officer"),
    "console.role.admin": ("账户管理员", "Account administrator"),
    "console.accounts.agency": ("所属单位", "Agency"),
    "console.accounts.state": ("状态", "State"),
    "console.accounts.active": ("正常", "Active"),
    "console.accounts.disabled": ("已停用", "Disabled"),
    "console.accounts.locked_until": ("已锁定至 {until}", "Locked until {until}"),
    "console.accounts.disable": ("停用", "Disable"),
    "console.accounts.enable": ("启用", "Enable"),
    "console.accounts.unlock": ("解锁", "Unlock"),
    "console.accounts.reset_totp": ("重置动态验证码", "Reset second factor"),
    "console.accounts.reset_password": ("重置密码", "Reset password"),
    "console.accounts.create": ("新建账户", "Create account"),
    "console.accounts.secret": ("密钥", "Secret"),
    "console.accounts.factor_once": (
        "账户 {name} 的动态验证码密钥仅显示这一次：请立即录入身份验证器应用。",
        (
            "The second-factor secret of {name} is shown this once: enter it in an"
            " authenticator app now."
        ),
    ),
    "console.done.created": ("账户已创建。", "Account created."),
    "console.done.totp": ("动态验证码已重置，旧验证码失效。", "Second factor reset."),
    "console.done.disable": ("账户已停用，其会话已结束。", "Account disabled; its sessions ended."),
    "console.done.enable": ("账户已启用。", "Account enabled."),
    "console.done.unlock": ("账户已解锁。", "Account unlocked."),
    "console.done.reset-password": (
        "密码已重置，其会话已结束。",
        "Password reset; the account's sessions ended.",
    ),
    "console.error.title.403": ("无权访问", "Forbidden"),
    "console.error.title.404": ("页面不存在", "Not found"),
    "console.error.title.405": ("不支持的请求", "Method not allowed"),
    "console.error.title.503": ("暂不可用", "Unavailable"),
    "console.error.403": ("您的账户无权访问此页面。", "Your account may not open this page."),
    "console.error.404": ("没有这个页面。", "There is no such page."),
    "console.error.405": ("此页面不接受该请求方式。", "This page does not take that request."),
    "console.error.503": ("服务暂不可用，请稍后再试。", "Unavailable; try again later."),
    "console.error.csrf": (
        "请求缺少有效的表单令牌，已拒绝。请重新打开页面后再提交。",
        "The request lacks a valid form token and is refused. Reopen the page and submit again.",
    ),
    "console.error.readlog": (
        "阅览记录无法写入：本页面拒绝显示。",
        "The read log cannot be written: the page is refused.",
    ),
    # --- console auditor pages (W-A) ---
    "console.aud.nav.cases": ("案件查询", "Cases"),
    "console.aud.nav.reads": ("阅览记录", "Read log"),
    "console.aud.search.title": ("案件查询", "Find a case"),
    "console.aud.metadata_only": (
        "法治办仅可查询案件元数据（编号、单位、日期、类型），不含标题和内容。",
        "The Rule-of-Law Office searches metadata only (ids, agencies, dates, types).",
    ),
    "console.aud.agency_only": (
        "仅显示本单位（{agency}）参与的案件。",
        "Only cases your agency ({agency}) takes part in are listed.",
    ),
    "console.aud.owning_agency": ("立案单位", "Owning agency"),
    "console.aud.case_number": ("案号", "Case number"),
    "console.aud.words": ("标题关键词", "Title words"),
    "console.aud.status": ("状态", "Status"),
    "console.aud.status.any": ("全部", "Any"),
    "console.aud.status.open": ("办理中", "Open"),
    "console.aud.status.overdue": ("已逾期", "Overdue"),
    "console.aud.status.closed": ("已办结", "Closed"),
    "console.aud.from": ("立案日期自", "Registered from"),
    "console.aud.to": ("立案日期至", "Registered to"),
    "console.aud.participant": ("参与单位", "Participating agency"),
    "console.aud.id_number": ("当事人身份证号", "Person's ID number"),
    "console.aud.search": ("查询", "Search"),
    "console.aud.found": ("共 {total} 条", "{total} found"),
    "console.aud.reference": ("案件", "Case"),
    "console.aud.title": ("标题", "Title"),
    "console.aud.title_withheld": ("（无权查看）", "(withheld)"),
    "console.aud.participants": ("参与单位", "Participants"),
    "console.aud.classification": ("密级", "Classification"),
    "console.aud.registered": ("立案时间", "Registered"),
    "console.aud.previous": ("上一个", "Previous"),
    "console.aud.next": ("下一个", "Next"),
    "console.aud.latest": ("最新版本", "Latest version"),
    "console.aud.page_of": ("第 {page} / {pages} 页", "Page {page} of {pages}"),
    "console.aud.bad_date": (
        "{field}「{value}」不是日期（例如 2026-06-01）",
        "{field} {value!r} is not a date (e.g. 2026-06-01)",
    ),
    "console.aud.bad_moment": (
        "{field}「{value}」不是日期或时间（例如 2026-06-01 或 2026-06-01T10:30）",
        "{field} {value!r} is not a date or time (e.g. 2026-06-01 or 2026-06-01T10:30)",
    ),
    "console.aud.bad_page": (
        "页码「{value}」无效（应为 1 或更大的整数）",
        "page {value!r} is not a page number (1 or more)",
    ),
    "console.aud.bad_version": (
        "版本「{value}」不是版本号（整数）",
        "version {value!r} is not a version number",
    ),
    "console.aud.bad_kind": ("阅览类型「{value}」不存在", "there is no read kind {value!r}"),
    "console.aud.id_in_url": (
        "身份证号只能通过查询表单提交，不能出现在网址中。",
        "An ID number is sent only through the search form, never in a URL.",
    ),
    "console.aud.no_words_for_metadata": (
        "法治办不能按标题关键词查询（仅限元数据）。",
        "The Rule-of-Law Office cannot search by title words (metadata only).",
    ),
    "console.aud.no_person_search": (
        "只有监督人员可以按身份证号查询。",
        "Only auditors may search by ID number.",
    ),
    "console.aud.no_key_store": (
        "尚无密钥库：平台未记录任何个人信息，无法按身份证号查询。",
        "There is no key store: no personal data is recorded, so no ID number can be searched.",
    ),
    "console.aud.banner": ("密级：{level}", "Classification: {level}"),
    "console.aud.chain": ("哈希链校验", "Hash chain"),
    "console.aud.chain.ok": ("完整（{events} 个事件）", "whole ({events} events)"),
    "console.aud.chain.bad": ("断裂：{why}", "broken: {why}"),
    "console.aud.chain.quick": ("快速校验（审计视图）", "quick check (audit view)"),
    "console.aud.chain.no_view": (
        "审计视图不可用，无法快速校验。",
        "The audit view is unavailable: no quick check.",
    ),
    "console.aud.chain.full": (
        "完整校验（存储与时间锚）于 {at}",
        "full check (store and timeline anchor) at {at}",
    ),
    "console.aud.chain.full_none": (
        "完整校验于 {at}：本案未在其中",
        "full check at {at}: this case was not in it",
    ),
    "console.aud.chain.full_pending": (
        "后台完整校验尚未完成。",
        "The background full check has not finished yet.",
    ),
    "console.aud.versions": ("版本", "Versions"),
    "console.aud.version_of": (
        "第 {version} 版（最新为第 {latest} 版）",
        "Version {version} (latest: {latest})",
    ),
    "console.aud.as_of_shown": ("截至 {at}", "as of {at}"),
    "console.aud.as_of": ("截至时间", "As of"),
    "console.aud.show": ("显示", "Show"),
    "console.aud.changes_from": ("自（版本或时间）", "From (version or time)"),
    "console.aud.changes_to": ("至（版本或时间）", "To (version or time)"),
    "console.aud.changes": ("比较变化", "What changed"),
    "console.aud.changes_need_points": (
        "请给出比较的起点和终点（from 与 to：版本号或时间）。",
        "Give both points to compare (from and to: a version or a time).",
    ),
    "console.aud.changes_title": ("{case} 的变化", "What changed in {case}"),
    "console.aud.changes_span": (
        "第 {one} 版（{at_one}）至第 {two} 版（{at_two}）",
        "Version {one} ({at_one}) to version {two} ({at_two})",
    ),
    "console.aud.changed_items": ("状态变化", "States changed"),
    "console.aud.nothing_changed": ("无变化。", "Nothing changed."),
    "console.aud.deadlines": ("期限", "Deadlines"),
    "console.aud.section": ("部分", "Section"),
    "console.aud.item": ("事项", "Item"),
    "console.aud.before": ("之前", "Before"),
    "console.aud.after": ("之后", "After"),
    "console.aud.back_to_case": ("返回案卷", "Back to the case"),
    "console.aud.pdf": ("下载案卷 PDF（带水印）", "Download the case file (PDF, watermarked)"),
    "console.aud.all_versions": ("全部版本", "All versions"),
    "console.aud.event_detail": ("记录详情", "Recorded fields"),
    "console.aud.event_title": ("第 {version} 版：{event}", "Version {version}: {event}"),
    "console.aud.event_type": ("事件类型", "Event type"),
    "console.aud.officer": ("经办人", "Officer"),
    "console.aud.occurred": ("发生时间", "Occurred"),
    "console.aud.recorded": ("记录时间", "Recorded"),
    "console.aud.agency": ("单位", "Agency"),
    "console.aud.event": ("事件", "Event"),
    "console.aud.events": ("事件", "Events"),
    "console.aud.version": ("版本", "Version"),
    "console.aud.masked": (
        "本事件内容按密级对您不可见，仅显示元数据。",
        "Its content is withheld from you by its classification: metadata only.",
    ),
    "console.aud.field": ("字段", "Field"),
    "console.aud.value": ("记录值", "Recorded value"),
    "console.aud.metadata_page": (
        "法治办仅可查看案件元数据：无标题、当事人或内容。",
        "The Rule-of-Law Office sees case metadata only: no title, parties or content.",
    ),
    "console.aud.watermark": ("阅览人 {name}（{agency}） {at}", "Read by {name} ({agency}) {at}"),
    "console.aud.error.400": ("请求有误", "Bad request"),
    "console.aud.error.503": ("暂不可用", "Unavailable"),
    "console.aud.reads.title": ("阅览记录", "Read log"),
    "console.aud.reads.ok": (
        "阅览记录链完整（{entries} 条）",
        "The read log's chain is whole ({entries} entries)",
    ),
    "console.aud.reads.bad": (
        "阅览记录链断裂：第 {seq} 条（{field}）：{why}",
        "The read log's chain is broken at entry {seq} ({field}): {why}",
    ),
    "console.aud.reads.account": ("账户", "Account"),
    "console.aud.reads.case": ("案件", "Case"),
    "console.aud.reads.kind": ("类型", "Kind"),
    "console.aud.reads.since": ("自", "Since"),
    "console.aud.reads.until": ("至", "Until"),
    "console.aud.reads.at": ("时间", "At"),
    "console.aud.reads.target": ("页面", "Page"),
    "console.aud.kind.case_page": ("案卷", "case page"),
    "console.aud.kind.case_as_of": ("历史版本", "case as of"),
    "console.aud.kind.case_diff": ("版本比较", "what changed"),
    "console.aud.kind.case_event": ("事件详情", "event"),
    "console.aud.kind.case_pdf": ("案卷 PDF", "case PDF"),
    "console.aud.kind.search": ("查询", "search"),
    "console.aud.kind.dashboard": ("考评看板", "dashboard"),
    "console.aud.kind.figure": ("指标依据", "figure evidence"),
    "console.aud.kind.deadlines": ("期限看板", "deadlines board"),
    "console.aud.kind.export_xlsx": ("导出 Excel", "Excel export"),
    "console.aud.kind.export_csv": ("导出 CSV", "CSV export"),
    "console.aud.kind.reads": ("阅览记录", "read log"),
    # --- console office pages (W-B) ---
    "console.nav.assessment": ("年度考核", "Assessment"),
    "console.nav.deadlines": ("期限看板", "Deadlines board"),
    "console.error.title.400": ("请求有误", "Bad request"),
    "console.office.assessment.title": ("{year} 年度法治考核", "Rule-of-law assessment {year}"),
    "console.office.year": ("年度", "Year"),
    "console.office.show": ("查看", "Show"),
    "console.office.generated": ("生成时间：{at}", "Generated {at}"),
    "console.office.export_xlsx": ("导出 Excel", "Export to Excel"),
    "console.office.export_csv": ("导出 CSV", "Export to CSV"),
    "console.office.ranking": ("排名", "Ranking"),
    "console.office.events": ("依据事件数", "Events"),
    "console.office.lowest": ("最低", "lowest"),
    "console.office.evidence": ("依据事件（{n} 件）", "Evidence ({n} events)"),
    "console.office.no_evidence": ("没有事件决定该指标。", "No event decided this figure."),
    "console.office.deadlines.title": ("期限看板", "Deadlines board"),
    "console.office.today": ("截至 {day}", "As of {day}"),
    "console.office.all": ("全部", "All"),
    "console.office.kind": ("期限类型", "Kind"),
    "console.office.due": ("到期日", "Due"),
    "console.office.days": ("工作日", "Working days"),
    "console.office.case": ("案件", "Case"),
    "console.office.none": ("无。", "None."),
}


def t(key: str, lang: Lang) -> str:
    """The label of ``key`` in ``lang``, or the key itself when it has none."""
    pair = LABELS.get(key)
    if pair is None:
        return key
    return pair[0] if lang == "zh" else pair[1]


def event_label(event_type: str, lang: Lang) -> str:
    """A recorded event's type, e.g. ``Case.RecommendationReplied`` -> 书面回复."""
    return t(event_type, lang)


def agency_label(
    agency_id: str, lang: Lang, names: Mapping[str, tuple[str, str]] | None = None
) -> str:
    """An agency's name from the directory (``names``: id -> (中文, English)), else its id."""
    if names is not None and agency_id in names:
        zh, en = names[agency_id]
        return (zh or en) if lang == "zh" else (en or zh)
    return t(agency_id, lang) if agency_id == "hub" else agency_id


def check_lang(value: str) -> Lang:
    """``value`` as a ``Lang``; raises ``ValueError`` for anything else."""
    if value == "zh":
        return "zh"
    if value == "en":
        return "en"
    raise ValueError(f"unknown language {value!r}: expected zh or en")
