"""The demo's own sentences, in simplified Chinese and English (domain labels: ``hub.i18n``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from hub.i18n import Lang, t

#: What ``casehub demo --lang`` accepts: one language, or both side by side.
LangChoice = Literal["zh", "en", "both"]

#: key -> (中文, English); ``{name}`` placeholders are filled by ``say``.
SENTENCES: dict[str, tuple[str, str]] = {
    "title": ("CaseHub 演示：案件信息共享平台一年的故事", "CaseHub demo: a year on the case hub"),
    "run_dir": ("运行目录", "run folder"),
    "clock": (
        "模拟时钟：平台时钟设为每一步的故事时间（2026 年），法定期限按此计算",
        (
            "simulated clock: the hub's clock is set to each step's time (in 2026); "
            "legal deadlines count from it"
        ),
    ),
    "broker_started": ("已启动本地 Kafka", "started the local Kafka broker"),
    "broker_reused": ("沿用正在运行的 Kafka", "reusing the running Kafka broker"),
    "topics_reset": (
        (
            "已清空并重建平台主题（casehub.*：删除 {count} 个，新建 {created} 个），"
            "本次运行只读取自己的记录"
        ),
        (
            "cleared the hub's casehub.* topics ({count} deleted, {created} created): "
            "this run reads only its own records"
        ),
    ),
    "hub_started": (
        (
            "平台已在本进程内运行：接收（ingest）+ 转发（relay）线程，SQLite 事件库；"
            "定时任务在每个检查点按模拟时钟运行"
        ),
        (
            "hub running in-process: ingest + relay threads over SQLite; the deadline scheduler "
            "runs at each tick of the simulated clock"
        ),
    ),
    "directory": (
        "运营方目录文件：{agency}，工作人员 {officer}",
        "operator's directory file: {agency}, officer {officer}",
    ),
    "story": (
        "各单位系统按时间顺序向各自的 Kafka 主题发布事件；平台收录后再发布下一步",
        (
            "each agency system publishes to its own Kafka topic, in time order; "
            "the next step waits until the hub has recorded the last"
        ),
    ),
    "accepted": ("已收录", "recorded"),
    "refused": ("已拒收并转入死信", "refused and dead-lettered"),
    "tick_none": ("无新增逾期", "no deadline newly missed"),
    "tick_missed": (
        "记录逾期：{kind} {target}（{agency}，期限 {due}）",
        "missed: {kind} {target} ({agency}, due {due})",
    ),
    "relay_caught_up": (
        "转发完毕：全部事件已发布到 casehub.timeline 等主题",
        "relay caught up: every event is on casehub.timeline and the feeds",
    ),
    "views_caught_up": (
        "投影（consumers）已从 casehub.timeline 追平：{views}",
        "projections (consumers) caught up from casehub.timeline: {views}",
    ),
    "timelines": ("案件时间线", "Case timelines"),
    "verify": ("哈希链校验（audit verify --all）", "Chain verification (audit verify --all)"),
    "verify_passed": (
        "哈希链校验通过：{cases} 个案件，0 个损坏",
        "chain verification passed: {cases} case(s) checked, 0 broken",
    ),
    "verify_failed": (
        "哈希链校验失败：{cases} 个案件，{broken} 个损坏",
        "chain verification FAILED: {cases} case(s) checked, {broken} broken",
    ),
    "deadlines": (
        "未办结与逾期的期限（以 {today} 计）",
        "Open and missed deadlines (as of {today})",
    ),
    "no_deadlines": ("无", "none"),
    "deadline_counts": (
        "未办结 {open} 项；逾期或迟办 {closed} 项（已办结，逾期记录在案）",
        "{open} open; {closed} met late or missed (closed, the lateness on the record)",
    ),
    "ranking": ("{year} 年度考核排名", "Annual assessment {year}: ranking"),
    "score": ("得分", "score"),
    "reports": ("HTML 报告", "HTML reports"),
    "assessment_report": ("年度考核报告", "assessment report"),
    "case_export": ("案件档案导出", "case export"),
    "done": ("演示完成，用时 {seconds:.1f} 秒", "demo finished in {seconds:.1f}s"),
    "broker_left": (
        "Kafka 仍在运行（{bootstrap}）；停止：casehub broker down",
        "the Kafka broker is left running at {bootstrap}; stop it with: casehub broker down",
    ),
    "explore": (
        "查看本次数据：CASEHUB_DATA_DIR={run_dir} casehub audit history {case}",
        "explore this run: CASEHUB_DATA_DIR={run_dir} casehub audit history {case}",
    ),
}


def langs(choice: LangChoice) -> Sequence[Lang]:
    return ("zh", "en") if choice == "both" else (choice,)


def sentence(key: str, lang: Lang, **values: object) -> str:
    zh, en = SENTENCES[key]
    return (zh if lang == "zh" else en).format(**values)


def label(key: str, lang: Lang) -> str:
    """A domain label (``hub.i18n``)."""
    return t(key, lang)
