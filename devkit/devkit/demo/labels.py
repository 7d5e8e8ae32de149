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
    "hub_log": ("平台日志：{path}", "the hub's log: {path}"),
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
    "ranking": ("{year} 年度考核排名", "Annual assessment {year}: ranking"),
    "score": ("得分", "score"),
    "reports": ("报告与案卷", "Reports and case files"),
    "assessment_report": ("年度考核报告", "assessment report"),
    "case_export": ("案件档案导出", "case export"),
    "done": ("演示完成，用时 {seconds:.1f} 秒", "demo finished in {seconds:.1f}s"),
    "broker_left": (
        "Kafka 仍在运行（{bootstrap}）；停止：casehub broker down",
        "the Kafka broker is left running at {bootstrap}; stop it with: casehub broker down",
    ),
    # What `casehub demo --secure` adds (devkit.demo.secure)...
    "secure_provisioned": (
        (
            "安全模式（SASL_SSL：SCRAM-SHA-512 + TLS）：已为 {users} 个 Kafka 用户生成凭据"
            "（{file}，权限 0600），按目录应用 ACL：新建 {created} 条，已有 {unchanged} 条"
        ),
        (
            "secure run (SASL_SSL: SCRAM-SHA-512 + TLS): credentials for {users} Kafka users "
            "in {file} (mode 0600); ACLs from the directory: {created} created, "
            "{unchanged} already in place"
        ),
    ),
    "secure_principals": (
        (
            "各单位发布者以 User:<单位 id> 连接；平台以 User:casehub-hub；"
            "投影以 User:casehub-views；审计读取时间线以 User:casehub-audit"
        ),
        (
            "each agency's publisher connects as User:<agency-id>; the hub as "
            "User:casehub-hub; the projections as User:casehub-views; the auditor reads the "
            "timeline as User:casehub-audit"
        ),
    ),
    "secure_heading": ("访问控制检查", "Access control check"),
    "secure_refused": (
        "{reader} 读取 {other} 的推送主题：被拒绝（{error}），符合 ACL",
        "{reader} asked for the feed of {other}: refused ({error}), as the ACLs say",
    ),
    "broker_left_sasl": (
        "Kafka 仍在运行（{bootstrap}）；停止：casehub broker down --profile sasl",
        (
            "the Kafka broker is left running at {bootstrap}; "
            "stop it with: casehub broker down --profile sasl"
        ),
    ),
    # Data protection (devkit.demo.protection, issue #10)...
    "keys_sealing": (
        (
            "数据保护：已生成平台密封密钥对（{file}，密钥 id {key_id}）：各单位发布者用公钥密封"
            "个人信息，仅平台能用私钥解封；平台拒收明文个人信息"
        ),
        (
            "data protection: created the hub's sealing key pair in {file} (key id {key_id}): "
            "agencies' publishers seal personal data with its public key, only the hub opens "
            "it; plaintext personal data is refused"
        ),
    ),
    "keys_store": (
        "事件库静态加密（AES-GCM）：密钥文件 {file}（权限 0600，密钥 id {key_id}）",
        "event store encrypted at rest (AES-GCM): key file {file} (mode 0600, key id {key_id})",
    ),
    "keys_people": (
        "个人信息按人加密（一人一钥），密钥库与事件库分开存放：{file}",
        "personal data encrypted per person (one key each), key store apart from the store: {file}",
    ),
    "clearances": (
        "密级授权（{file}）：{cleared} 可阅 CONFIDENTIAL（机密）内容；其他单位为 INTERNAL",
        "clearances ({file}): {cleared} cleared for CONFIDENTIAL; every other agency INTERNAL",
    ),
    "erase_heading": ("删除个人信息（个人信息保护法第四十七条）", "Erasure of personal data"),
    "parties_before": (
        "审计人员所见的争议当事人（删除前）：{parties}",
        "dispute parties as the auditor reads them, before: {parties}",
    ),
    "erased": (
        (
            "已删除当事人 {subject} 的个人信息（销毁其密钥），理由：{reason}；"
            "已在 {where} 记录 PersonalDataErased"
        ),
        (
            "erased the personal data of party {subject} (their key destroyed), reason: "
            "{reason}; PersonalDataErased recorded in {where}"
        ),
    ),
    "protection_heading": ("数据保护", "Data protection"),
    "secret_case": (
        "机密案件 {case} 在各单位推送主题上的原始记录（以该单位身份直接读取 Kafka）：",
        "the CONFIDENTIAL case {case}, raw records on each agency's feed (read from Kafka as it):",
    ),
    "feed_content": (
        "{agency}（{why}）：{count} 条记录，无遮蔽，可见案件内容 ✓",
        "{agency} ({why}): {count} record(s), none masked, the content readable ✓",
    ),
    "feed_masked": (
        "{agency}（{why}）：{count} 条记录，均为遮蔽形式（仅元数据），无案件内容 ✓",
        "{agency} ({why}): {count} record(s), all masked (metadata only), no content ✓",
    ),
    "why_cleared": ("参与单位，已授权机密", "participant, cleared for CONFIDENTIAL"),
    "why_uncleared": ("参与单位，未授权机密", "participant, not cleared for CONFIDENTIAL"),
    "why_outsider": (
        "非参与单位，仅收到重大案件通报",
        "not a participant, notified of the major case",
    ),
    "parties_after": (
        "审计人员所见的争议当事人（删除后）：{parties}",
        "dispute parties as the auditor reads them, after the erasure: {parties}",
    ),
    "verify_after": (
        "删除后哈希链校验仍通过（audit verify --all）：{cases} 个案件 ✓",
        "after the erasure the chains still verify (audit verify --all): {cases} case(s) ✓",
    ),
    "verify_after_failed": (
        "删除后哈希链校验失败：{cases} 个案件，{broken} 个损坏",
        "after the erasure chain verification FAILED: {cases} case(s), {broken} broken",
    ),
    "plaintext_absent": (
        (
            "无明文个人信息（检索 {needles} 个虚构姓名/身份证号）：事件库文件 ✓，视图文件 ✓，"
            "{records} 条 Kafka 记录 ✓"
        ),
        (
            "no personal data in plaintext ({needles} fictional names / ID numbers searched): "
            "store file ✓, views file ✓, {records} Kafka records ✓"
        ),
    ),
    "plaintext_found": (
        "发现明文个人信息：{where}",
        "personal data FOUND in plaintext: {where}",
    ),
    "explore": (
        (
            "查看本次数据：CASEHUB_DATA_DIR={run_dir} CASEHUB_STORE_CIPHER_KEY_FILE={key_file} "
            "casehub audit history {case}"
        ),
        (
            "explore this run: CASEHUB_DATA_DIR={run_dir} "
            "CASEHUB_STORE_CIPHER_KEY_FILE={key_file} casehub audit history {case}"
        ),
    ),
    # The web console on the run (devkit.demo.webconsole, issue #17)...
    "console_heading": ("网页控制台", "Web console"),
    "console_stopped": (
        "已停止上次演示的控制台（pid {pid}）",
        "stopped the earlier demo console (pid {pid})",
    ),
    "console_failed": ("控制台未能启动：{error}", "the console did not start: {error}"),
    "console_at": (
        "控制台：{url}（pid {pid}，日志 {log}）",
        "the console: {url} (pid {pid}, log {log})",
    ),
    "console_accounts": ("演示账户：{accounts}", "demo accounts: {accounts}"),
    "console_file": (
        "密码与动态验证码密钥（仅本人可读，0600）：{file}",
        "their passwords and TOTP secrets (readable by you alone, 0600): {file}",
    ),
    "console_code": (
        "动态验证码：任意身份验证器应用，或 {command}",
        "a code for the second factor: any authenticator app, or {command}",
    ),
    "console_left": (
        "控制台仍在后台运行；停止：casehub console down",
        "the console is left running in the background; stop it with: casehub console down",
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
