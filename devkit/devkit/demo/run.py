"""``casehub demo``: the story of ``devkit.demo.story`` told end to end through Kafka.

The composition: start (or reuse) the local broker; a fresh run folder (event store, views,
reports); a clean slate of the hub's topics (``devkit.demo.isolation``); the operator's directory
file; the hub in this process (``hub.serve.Server``: ingest and relay threads) on a simulated
``StoryClock``. Then, step by step, the clock is set to the step's moment, the agency's system
publishes the step with ``AgencyPublisher`` on its own topic, and the demo waits until the hub
has recorded it (the event index) before the next step, as an agency system waits for its
receipt. At a tick, the deadline scheduler runs once at the tick's moment. At the end the
projections are fed from ``casehub.timeline`` until caught up, and ``devkit.demo.summary`` prints
and writes what the record shows.

Every run also sets up data protection (``devkit.demo.protection``): in the run folder the hub's
sealing key pair (the agencies' publishers seal personal data for the hub), a store key (the
event store is encrypted at rest), the per-person key store and the agencies' clearances. After
the story one dispute party is erased (crypto-shredding) before the relay catches up, and the
end shows a CONFIDENTIAL case's feeds, the erasure, the chains verified and a search for
plaintext personal data in the store file and every record on the hub's topics.

With ``--secure`` (``devkit.demo.secure``) the same story runs on the sasl broker profile over
SASL_SSL, every client connecting as its own SCRAM principal under the ACLs the directory
implies; the results are the same, and one agency is refused another's feed.

The pipeline runs as ``casehub serve`` runs it: the demo never restarts it. A step the hub does
not record within ``STEP_TIMEOUT_S`` (or a pipeline thread that fails) ends the demo with one
line saying which.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, TextIO
from uuid import UUID

from devkit.demo.clock import StoryClock
from devkit.demo.console import Console, agency_names
from devkit.demo.directory import operator_directory_toml
from devkit.demo.errors import DemoError
from devkit.demo.isolation import is_local, reset_hub_topics
from devkit.demo.labels import LangChoice, sentence
from devkit.demo.protection import (
    STORE_KEY_FILE,
    create_protection,
    erase_applicant,
    say_setup,
    show_protection,
)
from devkit.demo.secure import (
    Principals,
    SecureRun,
    provision,
    refused_feed_read,
    start_sasl_broker,
)
from devkit.demo.story import (
    AGENCIES,
    FOOD_CASE,
    MARKET_REGULATION,
    NATURAL_RESOURCES,
    OFFICERS,
    RULE_OF_LAW_OFFICE,
    Step,
    Tick,
    demo_story,
)
from devkit.demo.summary import feed_views, summarize
from devkit.demo.webconsole import start_console
from hub.errors import CaseHubError
from hub.i18n import Lang, agency_label, t
from hub.logging import get_logger, logging_to_file
from hub.rules.clocks import TIMEZONE
from hub.settings import Settings
from hub.topics import ensure_topics

#: The hub's log of a run, in its run folder.
HUB_LOG = "hub.log"
#: How long one step may take to be recorded (or the relay to catch up) before the demo gives up.
STEP_TIMEOUT_S = 90.0

log = get_logger(__name__)


@dataclass
class DemoOptions:
    lang: LangChoice = "both"
    data_dir: Path | None = None
    out: TextIO | None = None
    #: On the sasl broker over SASL_SSL, each client as its own principal (``devkit.demo.secure``).
    secure: bool = False
    #: End by starting the web console on the run in the background (devkit.demo.webconsole).
    web_console: bool = True
    started: float = field(default_factory=time.monotonic)


def fresh_run_dir(settings: Settings, requested: Path | None) -> Path:
    """``requested`` (which must not hold a store yet), or ``<data_dir>/demo/run-<UTC time>``."""
    if requested is None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        run_dir = settings.data_dir / "demo" / f"run-{stamp}"
    else:
        run_dir = requested.resolve()
        if (run_dir / "hub.sqlite").exists():
            raise DemoError(f"{run_dir} already holds a demo run; give a new or empty folder")
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DemoError(f"cannot create the run folder {run_dir}: {exc.strerror or exc}") from None
    return run_dir


# --- the broker -----------------------------------------------------------------------------
def start_broker(settings: Settings, console: Console) -> None:
    """Start the local single-node broker unless it runs (or an explicit bootstrap is set)."""
    from devkit.broker import broker_up  # noqa: PLC0415

    bootstrap = ",".join(settings.bootstrap_servers)
    if not is_local(settings.bootstrap_servers):
        raise DemoError(
            f"the demo clears the hub's topics, so it runs only on a local development broker, "
            f"not {bootstrap}"
        )
    if settings.kafka_bootstrap:
        _check_reachable(settings)
        console.say("broker_reused", prefix=f"broker {bootstrap}: ")
        return
    try:
        started = broker_up(settings, "single")
    except CaseHubError as exc:
        raise DemoError(f"the local Kafka broker could not start: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - java missing, ports taken: one clear line
        raise DemoError(f"the local Kafka broker could not start: {_first_line(exc)}") from None
    console.say("broker_started" if started else "broker_reused", prefix=f"broker {bootstrap}: ")


def _check_reachable(settings: Settings) -> None:
    from hub.kafka.admin import KafkaAdmin  # noqa: PLC0415

    try:
        with KafkaAdmin(settings, client_id="casehub-demo-probe", timeout_s=10.0) as admin:
            admin.brokers()
    except CaseHubError as exc:
        raise DemoError(
            f"cannot reach Kafka at {','.join(settings.bootstrap_servers)}: {_first_line(exc)}"
        ) from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# --- the hub in this process ----------------------------------------------------------------
class HubThreads:
    """The hub's pipeline (``hub.serve.Server``: ingest, leadership, relay) in this process."""

    def __init__(self, app: Any, settings: Settings) -> None:
        from hub.ingest.loop import IngestOptions  # noqa: PLC0415
        from hub.serve.runner import ServeOptions  # noqa: PLC0415

        self.app = app
        self.settings = settings
        self.options = ServeOptions(
            # Quick to fetch each step as it is published.
            ingest=IngestOptions(
                poll_timeout_ms=200, extra_consumer_config={"fetch.wait.max.ms": 50}
            ),
            # The demo runs the deadline scheduler itself, at the story's ticks: on a simulated
            # clock a scheduler thread would tick at whatever step happens to be current.
            run_scheduler=False,
            # No /metrics endpoint: its port may be taken by a hub serving on this machine.
            metrics_port=0,
        )
        self.stop = threading.Event()  # the demo's own: set to stop for good
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._result: list[int] = []

    @property
    def failed(self) -> list[str]:
        return list(self._server.failed) if self._server is not None else []

    def start(self) -> None:
        from hub.serve.runner import Server  # noqa: PLC0415

        self._server = server = Server(self.app, self.settings, self.options)
        self._result = result = []
        self._thread = threading.Thread(
            target=lambda: result.append(server.serve()), name="casehub-demo-serve", daemon=True
        )
        self._thread.start()

    def halt(self) -> None:
        """Stop the threads (the current batch and transaction finish first)."""
        if self._server is None or self._thread is None:
            return
        self._server.stop.set()
        self._thread.join(timeout=60)
        if self._thread.is_alive() or self._result != [0]:
            failed = ", ".join(self._server.failed) or "did not stop"
            raise DemoError(f"the hub's threads failed ({failed}); see the log above")
        self._server = self._thread = None


@contextmanager
def running_hub(
    settings: Settings, clock: StoryClock, directory_file: Path
) -> Iterator[HubThreads]:
    """The pipeline's application with its threads running; stopped and closed on exit."""
    from hub.bootstrap import open_pipeline  # noqa: PLC0415

    with open_pipeline(settings, clock=clock) as app:
        app.apply_directory_file(directory_file)
        hub = HubThreads(app, settings)
        hub.start()
        try:
            yield hub
        finally:
            hub.stop.set()
            with suppress(DemoError):
                hub.halt()


class Publishers:
    """One ``AgencyPublisher`` per agency system, opened when its topic exists.

    Each publisher connects as its agency (``principals.agency``); the hub's connection
    checks that the topic exists.
    """

    def __init__(self, principals: Principals) -> None:
        from hub.topics import TopicAdmin  # noqa: PLC0415

        self.principals = principals
        self.admin = TopicAdmin(principals.hub)
        self._open: dict[str, Any] = {}

    def get(self, agency: str) -> Any:
        from devkit.testing.serve import wait_until  # noqa: PLC0415
        from hub.publish import AgencyPublisher  # noqa: PLC0415
        from hub.topics import agency_topic  # noqa: PLC0415

        if agency not in self._open:
            topic = agency_topic(agency)
            try:
                wait_until(lambda: topic in self.admin.existing(), STEP_TIMEOUT_S, 0.1, what=topic)
            except TimeoutError as exc:
                raise DemoError(f"the hub did not create {topic}: {exc}") from None
            self._open[agency] = AgencyPublisher(agency, settings=self.principals.agency(agency))
        return self._open[agency]

    def close(self) -> None:
        for publisher in self._open.values():
            with suppress(Exception):
                publisher.close()
        self.admin.close()


class Probe:
    """What the hub has recorded about an event id (read from its store)."""

    def __init__(self, hub: HubThreads) -> None:
        self.hub = hub
        self.app = hub.app

    def accepted(self, event_id: UUID) -> bool:
        from hub.ids import event_index_id  # noqa: PLC0415

        return any(True for _ in self.app.events.get(event_index_id(event_id), limit=1))

    def rejection(self, event_id: UUID) -> Any:
        for n in self.app.recorder.select_notifications(start=1, limit=10**9):
            if n.topic.endswith(":Rejection.Recorded"):
                event = self.app.mapper.to_domain_event(n)
                if getattr(event, "event_id", None) == event_id:
                    return event
        return None

    def wait(self, event_id: UUID, what: str, refused: str = "") -> str:
        """Wait until the hub has recorded the step; return the refusal's message, if any.

        A step the story expects to be refused (``refused`` is its reason code) waits for its
        rejection record instead of its acceptance.
        """
        deadline = time.monotonic() + STEP_TIMEOUT_S
        polls = 0
        while refused or not self.accepted(event_id):
            polls += 1
            if refused or polls % 50 == 0:
                rejected = self.rejection(event_id)
                if rejected is not None:
                    reason = getattr(rejected, "reason_code", "?")
                    message = str(getattr(rejected, "message", ""))
                    if reason == refused:
                        return f"{reason}: {message}"
                    raise DemoError(f"the hub rejected {what}: {reason}: {message}")
            if self.hub.failed:
                raise DemoError(f"the hub's {', '.join(self.hub.failed)} thread failed at {what}")
            if time.monotonic() > deadline:
                raise DemoError(f"the hub did not record {what} within {STEP_TIMEOUT_S:.0f}s")
            time.sleep(0.01)
        return ""


# --- telling the story ------------------------------------------------------------------------
def _moment(at: datetime) -> str:
    return at.astimezone(TIMEZONE).strftime("%Y-%m-%d %H:%M")


def _tell_step(
    console: Console, index: int, total: int, step: Step, where: str, *, refusal: str = ""
) -> None:
    prefix = f"[{index:>2}/{total}] {_moment(step.at)}  "
    if refusal:
        refused = " / ".join(sentence("refused", lang) for lang in console.langs)
        outcome = f"   ✗ {refused} ({where}): {refusal}"
    else:
        accepted = " / ".join(sentence("accepted", lang) for lang in console.langs)
        outcome = f"   ✓ {accepted} ({where})"
    console.each(
        lambda lang: (
            (step.zh if lang == "zh" else step.en) + (outcome if lang == console.langs[0] else "")
        ),
        prefix=prefix,
    )


def _missed_line(missed: Any, lang: Lang) -> str:
    return sentence(
        "tick_missed",
        lang,
        kind=t(str(missed.kind), lang),
        target=missed.target_id,
        agency=agency_label(str(missed.agency), lang, agency_names()),
        due=missed.due_date,
    )


def _tell_tick(console: Console, index: int, total: int, tick: Tick, missed: list[Any]) -> None:
    prefix = f"[{index:>2}/{total}] {_moment(tick.at)}  "
    console.each(lambda lang: "⏰ " + (tick.zh if lang == "zh" else tick.en), prefix=prefix)
    pad = " " * len(prefix) + "   "
    if not missed:
        console.say("tick_none", prefix=pad)
    for event in missed:
        console.each(partial(_missed_line, event), prefix=pad)


def _missed_since(app: Any, after: int) -> list[Any]:
    """The ``Case.DeadlineMissed`` events stored after notification ``after``."""
    return [
        app.mapper.to_domain_event(n)
        for n in app.recorder.select_notifications(start=after + 1, limit=10**6)
        if n.topic.endswith(":Case.DeadlineMissed")
    ]


def tell_story(
    hub: HubThreads, clock: StoryClock, console: Console, principals: Principals | None = None
) -> int:
    """Publish every step through Kafka, in time order; returns how many steps were told."""
    from hub.scheduler import Scheduler  # noqa: PLC0415
    from hub.topics import agency_topic  # noqa: PLC0415

    app = hub.app
    steps = demo_story()
    scheduler = Scheduler(app, hub.stop, clock=clock)
    probe = Probe(hub)
    publishers = Publishers(principals or Principals.plain(hub.settings))
    try:
        for index, step in enumerate(steps, start=1):
            clock.set(step.at)
            if isinstance(step, Tick):
                before = app.recorder.max_notification_id() or 0
                scheduler.tick()
                _tell_tick(console, index, len(steps), step, _missed_since(app, before))
                continue
            publisher = publishers.get(step.agency)
            result = publisher.publish(step.command)
            if not result.ok:
                raise DemoError(f"{step.agency} could not publish step {index}: {result.error}")
            refusal = probe.wait(
                step.command.envelope.event_id, f"step {index} ({step.en})", step.refused
            )
            where = f"{agency_topic(step.agency)}[{result.partition}]@{result.offset}"
            _tell_step(console, index, len(steps), step, where, refusal=refusal)
    finally:
        publishers.close()
    return len(steps)


def wait_for_relay(hub: HubThreads, console: Console) -> None:
    """Wait until the relay has published every stored event."""
    from devkit.testing.serve import wait_until  # noqa: PLC0415
    from hub.relay.progress import relay_caught_up  # noqa: PLC0415

    def caught_up() -> bool:
        if hub.failed:
            raise DemoError(f"the hub's {', '.join(hub.failed)} thread failed before the relay")
        return relay_caught_up(hub.settings, hub.app)

    try:
        wait_until(caught_up, STEP_TIMEOUT_S, 0.3, "relay")
    except TimeoutError:
        raise DemoError(f"the relay did not catch up within {STEP_TIMEOUT_S:.0f}s") from None
    console.say("relay_caught_up")


def _quiet_kafka_client_logs() -> None:
    """The agencies' publisher SDK (kafka-python) logs what it retries (metadata not there yet,
    a refused connection) as warnings and errors; at the default log level they would clutter
    the story, and what the demo cannot get past it reports itself, in one line."""
    root = logging.getLogger()
    if root.getEffectiveLevel() >= logging.WARNING:
        logging.getLogger("kafka").setLevel(logging.CRITICAL)


# --- the whole demo ---------------------------------------------------------------------------
def run_demo(settings: Settings, options: DemoOptions) -> int:
    console = Console(options.lang, options.out)
    _quiet_kafka_client_logs()
    run_dir = fresh_run_dir(settings, options.data_dir)
    # The story is the demo's output: the hub's log lines (a refusal the story makes on
    # purpose logs a warning) go to the run folder while it is told.
    with logging_to_file(run_dir / HUB_LOG):
        return _tell(settings, options, console, run_dir)


def _tell(settings: Settings, options: DemoOptions, console: Console, run_dir: Path) -> int:
    console.line(f"CaseHub demo · {sentence('run_dir', 'zh')} / run folder: {run_dir}")
    console.each(lambda lang: sentence("title", lang))
    console.say("clock")
    console.say("hub_log", path=run_dir / HUB_LOG)
    settings, secure = _open_broker(settings, run_dir, options, console)
    protection = create_protection(run_dir)
    hub_settings = settings.with_overrides(
        data_dir=run_dir,
        store="sqlite",
        sqlite_path=str(run_dir / "hub.sqlite"),
        **protection.overrides(),
    )
    directory_file = run_dir / "directory.toml"
    directory_file.write_text(operator_directory_toml(), encoding="utf-8")
    deleted = reset_hub_topics(hub_settings, operator=None if secure is None else secure.operator)
    principals = _principals(secure, hub_settings, directory_file, console)
    # Every agency's topics exist before the hub starts (as `casehub topics ensure --agency`
    # makes them), so the ingest's first group join sees them all: no rebalance mid-story.
    created = ensure_topics(principals.hub, [agency_id for agency_id, *_ in AGENCIES])
    console.say("topics_reset", count=len(deleted), created=len(created))
    rlo = agency_names()[RULE_OF_LAW_OFFICE]
    officer = next(o for a, o, _, _ in OFFICERS if a == RULE_OF_LAW_OFFICE)
    console.each(
        lambda lang: sentence(
            "directory", lang, agency=rlo[0] if lang == "zh" else rlo[1], officer=officer
        )
    )
    say_setup(protection, console)
    steps = demo_story()
    clock = StoryClock(min(s.at for s in steps) - timedelta(days=1))
    with running_hub(principals.hub, clock, directory_file) as hub:
        console.say("hub_started")
        console.say("story")
        console.line()
        tell_story(hub, clock, console, principals)
        # A party asks for their data to be deleted; the erasure is relayed like any event.
        erase_applicant(hub.app, principals.hub, console)
        wait_for_relay(hub, console)
        hub.halt()  # the story is told and relayed: the views read Kafka alone
        feed_views(principals.views, run_dir, console)
        verdicts = summarize(
            hub.app,
            run_dir,
            console,
            today=steps[-1].at,
            auditor=principals.auditor,
            reader=principals.hub,
        )
        broken = sum(1 for v in verdicts if not v.ok)
        protected = show_protection(
            hub.app,
            principals.hub,
            principals,
            kafka_operator=_operator_config(secure, principals.hub),
            run_dir=run_dir,
            console=console,
            chains=(len(verdicts), broken),
        )
    if secure is not None:
        _show_feed_isolation(principals, console)
    console.line()
    console.say("done", seconds=time.monotonic() - options.started)
    case = f"'{FOOD_CASE.owning_agency}/{FOOD_CASE.case_number}'"
    key_file = run_dir / "keys" / STORE_KEY_FILE
    console.say("explore", run_dir=run_dir, key_file=key_file, case=case)
    if options.web_console:
        start_console(settings, hub_settings, console)
    left = "broker_left" if secure is None else "broker_left_sasl"
    console.say(left, bootstrap=",".join(settings.bootstrap_servers))
    return 0 if not broken and protected.ok else 1


def _operator_config(secure: SecureRun | None, hub_settings: Settings) -> Settings:
    """The connection that reads every topic's raw records: the broker's super user in a
    secure run (no service principal may read them all), else the hub's own."""
    return hub_settings if secure is None else secure.operator


def _open_broker(
    settings: Settings, run_dir: Path, options: DemoOptions, console: Console
) -> tuple[Settings, SecureRun | None]:
    """Start or reuse the broker; with ``--secure`` the sasl profile, reached over SASL_SSL."""
    if not options.secure:
        start_broker(settings, console)
        return settings, None
    secure = SecureRun.on_local_broker(settings, run_dir)
    started = start_sasl_broker(settings)
    bootstrap = ",".join(secure.settings.bootstrap_servers)
    console.say("broker_started" if started else "broker_reused", prefix=f"broker {bootstrap}: ")
    return secure.settings, secure


def _principals(
    secure: SecureRun | None, hub_settings: Settings, directory_file: Path, console: Console
) -> Principals:
    """Who each client connects as; a secure run first gives every principal its credentials
    and applies the ACLs of the directory and of the agencies the story admits."""
    if secure is None:
        return Principals.plain(hub_settings)
    admitted = [agency_id for agency_id, *_ in AGENCIES]
    users, acls = provision(secure, hub_settings, directory_file, admitted)
    console.say(
        "secure_provisioned",
        users=users,
        file=secure.credentials_file,
        created=len(acls.created),
        unchanged=acls.unchanged,
    )
    console.say("secure_principals")
    return Principals.for_secure_run(secure, hub_settings)


def _show_feed_isolation(principals: Principals, console: Console) -> None:
    """One agency asks for another's feed: the broker must refuse it (else ``DemoError``)."""
    reader, other = MARKET_REGULATION, NATURAL_RESOURCES
    refusal = refused_feed_read(principals.agency(reader), other)
    console.heading("secure_heading")
    console.say("secure_refused", prefix="  ", reader=reader, other=other, error=refusal)
