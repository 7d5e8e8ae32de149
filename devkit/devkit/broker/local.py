"""Run the local Kafka nodes of a profile: fetch jars, format KRaft storage, start, wait, stop.

Each node is a detached ``java ... kafka.Kafka server.properties`` process whose pid is kept in
``.casehub/kafka/<profile>/node-<id>/kafka.pid``; its logs go to ``logs/`` beside it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devkit.broker.config import (
    DEPLOY_DIR,
    SASL_MECHANISM,
    STARTED_BY_TESTS,
    NodeSpec,
    Profile,
    bootstrap_servers,
    broker_tls,
    cluster_spec,
    new_cluster_id,
    profile_dir,
    render_properties,
    sasl_credentials,
    tls_hosts,
)
from devkit.broker.ports import require_free
from hub.errors import SetupError
from hub.kafka.admin import KafkaAdmin
from hub.kafka.errors import KafkaUnavailable
from hub.logging import get_logger
from hub.security.credentials import masked
from hub.settings import Settings

log = get_logger(__name__)

LIB_DIR = DEPLOY_DIR / "lib"
POM = DEPLOY_DIR / "pom.xml"
LOG4J_CONFIG = DEPLOY_DIR / "log4j2.xml"
#: Written after a successful ``mvn dependency:copy-dependencies``; older than the POM = refetch.
JARS_STAMP = LIB_DIR / ".stamp"

START_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 30.0

Say = Callable[[str], None]


def _quiet(_message: str) -> None:
    return None


@dataclass(frozen=True)
class NodeStatus:
    node: NodeSpec
    pid: int | None

    @property
    def running(self) -> bool:
        return self.pid is not None


@dataclass(frozen=True)
class BrokerStatus:
    profile: Profile
    bootstrap: str
    nodes: tuple[NodeStatus, ...]

    @property
    def running(self) -> bool:
        return all(n.running for n in self.nodes)

    @property
    def any_running(self) -> bool:
        return any(n.running for n in self.nodes)

    @property
    def stopped_nodes(self) -> list[int]:
        return [n.node.node_id for n in self.nodes if not n.running]


# --- jars -----------------------------------------------------------------------------------


def jars_ready() -> bool:
    return JARS_STAMP.exists() and JARS_STAMP.stat().st_mtime >= POM.stat().st_mtime


def ensure_jars(say: Say = _quiet) -> None:
    """Fetch Kafka and its logging backend into ``deploy/kafka/lib`` unless already there."""
    if jars_ready():
        return
    mvn = shutil.which("mvn")
    if mvn is None:
        raise SetupError(
            "mvn (Apache Maven) is not on PATH; it fetches the Kafka jars: "
            "install it (Debian: apt-get install maven) or run `make jars` on a machine that has it"
        )
    say(f"fetching the Kafka jars with Maven into {LIB_DIR} ...")
    shutil.rmtree(LIB_DIR, ignore_errors=True)
    command = [mvn, "-B", "-q", "-f", str(POM), "dependency:copy-dependencies"]
    command.append(f"-DoutputDirectory={LIB_DIR}")
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=900)
    if result.returncode != 0:
        lines = [ln for ln in (result.stdout + result.stderr).splitlines() if ln.strip()]
        last = next((ln for ln in lines if "ERROR" in ln), lines[-1] if lines else "no output")
        raise SetupError(
            f"could not fetch the Kafka jars (mvn exited {result.returncode}; is Maven Central "
            f"reachable?): {last.strip()}"
        )
    JARS_STAMP.touch()


def _java() -> str:
    java = shutil.which("java")
    if java is None:
        raise SetupError(
            "java is not on PATH; the local Kafka broker needs Java 17 or newer "
            "(Debian: apt-get install openjdk-17-jre-headless)"
        )
    return java


def _classpath() -> str:
    return f"{LIB_DIR}/*"


# --- processes ------------------------------------------------------------------------------


def _read_pid(node: NodeSpec) -> int | None:
    try:
        return int(node.pid_file.read_text(encoding="ascii").strip())
    except (FileNotFoundError, ValueError):
        return None


def _reap(pid: int) -> None:
    """Collect ``pid`` if it is our own exited child, so it does not linger as a zombie."""
    with suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def _is_our_broker(pid: int, node: NodeSpec) -> bool:
    """``pid`` is alive (not a zombie) and is the java running this node's properties file."""
    _reap(pid)
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    state = stat.rpartition(")")[2].split()[0]
    if state in {"Z", "X"}:
        return False
    return str(node.properties_file).encode() in cmdline


def running_pid(node: NodeSpec) -> int | None:
    """The pid of this node's broker if it runs; a stale pid file is removed."""
    pid = _read_pid(node)
    if pid is None:
        return None
    if _is_our_broker(pid, node):
        return pid
    node.pid_file.unlink(missing_ok=True)
    return None


def _lines(path: Path) -> list[str]:
    try:
        return [
            ln.strip() for ln in path.read_text(encoding="utf-8", errors="replace").splitlines()
        ]
    except OSError:
        return []


def _failure_hint(node: NodeSpec) -> str:
    """The most telling lines of a failed start: the broker's last ERROR, else the JVM's output."""
    server = _lines(node.server_log)
    for index in range(len(server) - 1, -1, -1):
        if " ERROR " in server[index] or " FATAL " in server[index]:
            following = [ln for ln in server[index + 1 : index + 3] if ln and ln[0] != "["]
            return " | ".join([server[index], *following])[:600]
    jvm = [ln for ln in _lines(node.stdout_log) if ln]
    if jvm:
        return " | ".join(jvm[-3:])[:600]
    return " | ".join(ln for ln in server[-3:] if ln)[:600] or "none"


def _format_storage(
    settings: Settings, nodes: list[NodeSpec], starting: list[NodeSpec], java: str
) -> None:
    """Format the KRaft storage of each node of ``starting`` that has none (``meta.properties``).

    A new cluster id only when no node of the profile (``nodes``) has storage: a node wiped on
    its own joins the cluster its peers still run.
    """
    todo = [n for n in starting if not (n.data_dir / "meta.properties").exists()]
    if not todo:
        return
    cluster_id_file = nodes[0].home.parent / "cluster.id"
    fresh = all(not (n.data_dir / "meta.properties").exists() for n in nodes)
    if fresh or not cluster_id_file.exists():
        cluster_id_file.parent.mkdir(parents=True, exist_ok=True)
        cluster_id_file.write_text(new_cluster_id() + "\n", encoding="ascii")
    cluster_id = cluster_id_file.read_text(encoding="ascii").strip()
    procs: list[tuple[NodeSpec, subprocess.Popen[str]]] = []
    for node in todo:
        # A short-lived tool: the C1 compiler and serial GC start it fastest.
        command = [java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]
        command.append(f"-Dlog4j2.configurationFile={LOG4J_CONFIG}")
        command += [f"-Dkafka.logs.dir={node.log_dir}", "-cp", _classpath()]
        command += ["kafka.tools.StorageTool", "format", "--config", str(node.properties_file)]
        command += ["--cluster-id", cluster_id]
        if node.profile != "cluster":
            command.append("--standalone")
        if node.profile == "sasl":
            user, password = sasl_credentials(settings)
            command += ["--add-scram", f"{SASL_MECHANISM}=[name={user},password={password}]"]
        procs.append((node, subprocess.Popen(command, stdout=subprocess.PIPE, text=True)))
    for node, proc in procs:
        out, _ = proc.communicate(timeout=120)
        if proc.returncode != 0:
            last = (out or "").strip().splitlines()[-1:] or ["no output"]
            raise SetupError(
                f"formatting Kafka storage in {node.data_dir} failed (exit {proc.returncode}): "
                f"{last[0]}"
            )


def _start_node(node: NodeSpec, java: str) -> subprocess.Popen[bytes]:
    node.log_dir.mkdir(parents=True, exist_ok=True)
    command = [java, f"-Xms{node.heap}", f"-Xmx{node.heap}", *node.jvm_options]
    command += ["-Djava.awt.headless=true"]
    command += [f"-Dlog4j2.configurationFile={LOG4J_CONFIG}", f"-Dkafka.logs.dir={node.log_dir}"]
    command += ["-cp", _classpath(), "kafka.Kafka", str(node.properties_file)]
    with node.stdout_log.open("ab") as out:
        proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C in the terminal that ran `up` must not reach it
            cwd=node.home,
        )
    node.pid_file.write_text(f"{proc.pid}\n", encoding="ascii")
    return proc


def client_config(
    settings: Settings, profile: Profile = "single", *, tls: bool = False
) -> dict[str, Any]:
    """kafka-python keyword arguments that reach a profile's local broker as its super user.

    ``tls`` (sasl profile only): connect to the SASL_SSL listener, trusting the development CA.
    """
    nodes = cluster_spec(settings, profile)
    config: dict[str, Any] = {"bootstrap_servers": bootstrap_servers(nodes).split(",")}
    if profile == "sasl":
        user, password = sasl_credentials(settings)
        config |= {
            "security_protocol": "SASL_PLAINTEXT",
            "sasl_mechanism": SASL_MECHANISM,
            "sasl_plain_username": user,
            "sasl_plain_password": masked(password),
        }
        if tls:
            config |= {
                "bootstrap_servers": [n.tls_bootstrap for n in nodes],
                "security_protocol": "SASL_SSL",
                "ssl_cafile": str(broker_tls(settings).ca_cert),
            }
    elif tls:
        raise SetupError(f"the {profile} profile has no TLS listener; use --profile sasl")
    return config


def profile_settings(settings: Settings, profile: Profile = "single") -> Settings:
    """``settings`` aimed at a profile's local broker as its super user, for ``hub.kafka``."""
    nodes = cluster_spec(settings, profile)
    overrides: dict[str, Any] = {
        "kafka_bootstrap": bootstrap_servers(nodes),
        "kafka_ssl_cafile": "",
    }
    if profile == "sasl":
        user, password = sasl_credentials(settings)
        overrides |= {
            "kafka_security_protocol": "SASL_PLAINTEXT",
            "kafka_sasl_username": user,
            "kafka_sasl_password": password,
        }
    else:
        overrides["kafka_security_protocol"] = "PLAINTEXT"
    return settings.with_overrides(**overrides)


#: librdkafka's own log threshold (syslog levels) while probing: a refused connection to a node
#: that is still starting is expected then, not worth an error line.
_PROBE_QUIET = {"log_level": 0, "log.connection.close": False}


def _accepts_tcp(node: NodeSpec) -> bool:
    try:
        with socket.create_connection((node.host, node.port), timeout=1):
            return True
    except OSError:
        return False


def _cluster_ready(settings: Settings, profile: Profile, running: list[NodeSpec]) -> bool:
    """One admin round trip: every running node registered as a broker, a controller named."""
    if not all(_accepts_tcp(n) for n in running):
        return False
    return _describe_ok(profile_settings(settings, profile), {n.node_id for n in running})


def _describe_ok(settings: Settings, expected: set[int]) -> bool:
    """The cluster reports every broker of ``expected`` alive and names a controller."""
    try:
        admin = KafkaAdmin(
            settings, client_id="casehub-broker-probe", timeout_s=3.0, extra=_PROBE_QUIET
        )
        with admin:
            brokers = admin.brokers()
            controller = admin.controller_id()
    except (KafkaUnavailable, OSError):
        return False
    return expected <= set(brokers) and controller >= 0


def _wait_ready(
    settings: Settings,
    profile: Profile,
    started: list[tuple[NodeSpec, subprocess.Popen[bytes]]],
    running: list[NodeSpec],
    timeout: float,
) -> None:
    """Until ``running`` (the started nodes and those already up) serve a client; on failure
    stop the started ones, never the others."""
    deadline = time.monotonic() + timeout
    nodes = [n for n, _ in started]
    while True:
        for node, proc in started:
            code = proc.poll()
            if code is not None:
                node.pid_file.unlink(missing_ok=True)
                _stop_nodes(nodes)
                raise SetupError(
                    f"the Kafka broker ({profile}, node {node.node_id}) exited during start with "
                    f"code {code}; see {node.server_log} and {node.stdout_log.name} beside it "
                    f"({_failure_hint(node)})"
                )
        if _cluster_ready(settings, profile, running):
            return
        if time.monotonic() > deadline:
            _stop_nodes(nodes)
            raise SetupError(
                f"the Kafka broker ({profile}) did not accept a client within {timeout:.0f}s; "
                f"see {nodes[0].server_log}"
            )
        time.sleep(0.3)


# --- the three verbs --------------------------------------------------------------------------


def broker_status(settings: Settings, profile: Profile = "single") -> BrokerStatus:
    nodes = cluster_spec(settings, profile)
    return BrokerStatus(
        profile=profile,
        bootstrap=bootstrap_servers(nodes),
        nodes=tuple(NodeStatus(node=n, pid=running_pid(n)) for n in nodes),
    )


def _select(nodes: list[NodeSpec], profile: Profile, node: int | None) -> list[NodeSpec]:
    """The nodes a verb acts on: all of them, or the one ``--node`` names."""
    if node is None:
        return nodes
    chosen = [n for n in nodes if n.node_id == node]
    if not chosen:
        ids = ", ".join(str(n.node_id) for n in nodes)
        raise SetupError(f"the {profile} profile has no node {node}; its nodes are {ids}")
    return chosen


def broker_up(
    settings: Settings,
    profile: Profile = "single",
    *,
    node: int | None = None,
    say: Say = _quiet,
    timeout: float = START_TIMEOUT_S,
) -> bool:
    """Start the profile's stopped nodes (or only ``node``) and wait until they serve a client.

    Nodes already running are left alone: a cluster with one node down gets that node back
    without a restart of the healthy ones. Returns False (doing nothing) when every node asked
    for already runs, True when it started some.
    """
    status = broker_status(settings, profile)
    if node is None:
        # Started by hand from here on: test sessions (devkit.testing.broker) must not stop it.
        (profile_dir(settings, profile) / STARTED_BY_TESTS).unlink(missing_ok=True)
    nodes = cluster_spec(settings, profile)
    running_ids = {n.node.node_id for n in status.nodes if n.running}
    todo = [n for n in _select(nodes, profile, node) if n.node_id not in running_ids]
    what = f"broker {profile}" if node is None else f"broker {profile} node {node}"
    if not todo:
        say(f"{what} is already running at {status.bootstrap}")
        return False
    java = _java()
    ports: list[tuple[int, str, str]] = []
    for spec in todo:
        name = f"Kafka {profile} node {spec.node_id}"
        ports.append((spec.port, f"{name} listener", "CASEHUB_KAFKA_PORT"))
        ports.append((spec.controller_port, f"{name} controller", "CASEHUB_KAFKA_CONTROLLER_PORT"))
        if spec.tls_port is not None:
            ports.append((spec.tls_port, f"{name} SASL_SSL listener", "CASEHUB_KAFKA_PORT"))
    require_free(settings.kafka_host, ports)
    ensure_jars(say)
    begin = time.monotonic()
    if profile == "sasl" and broker_tls(settings).ensure(tls_hosts(settings)):
        say(f"made a development CA and broker certificate in {broker_tls(settings).directory}")
    for spec in todo:
        spec.home.mkdir(parents=True, exist_ok=True)
        spec.properties_file.write_text(render_properties(settings, spec, nodes), encoding="utf-8")
        spec.properties_file.chmod(0o600)  # the sasl profile's holds a password
    _format_storage(settings, nodes, todo, java)
    started = [(spec, _start_node(spec, java)) for spec in todo]
    expected = [n for n in nodes if n.node_id in running_ids or n in todo]
    _wait_ready(settings, profile, started, expected, timeout)
    elapsed = time.monotonic() - begin
    log.info(
        "broker_started",
        profile=profile,
        bootstrap=status.bootstrap,
        nodes=[spec.node_id for spec in todo],
        seconds=elapsed,
    )
    pids = ", ".join(str(p.pid) for _, p in started)
    if len(nodes) > 1 and len(todo) < len(nodes):
        what = f"broker {profile} node {', '.join(str(spec.node_id) for spec in todo)}"
    say(f"{what} is up at {status.bootstrap} (pid {pids}) after {elapsed:.1f}s")
    return True


def _stop_nodes(nodes: list[NodeSpec], timeout: float = STOP_TIMEOUT_S) -> None:
    """SIGTERM every node's broker, wait for all to exit, SIGKILL what is left after ``timeout``."""
    pids = {n.node_id: p for n in nodes if (p := running_pid(n)) is not None}
    by_id = {n.node_id: n for n in nodes}
    all_pids = list(pids.values())
    for pid in pids.values():
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while pids and time.monotonic() < deadline:
        pids = {i: p for i, p in pids.items() if _is_our_broker(p, by_id[i])}
        time.sleep(0.2)
    for node_id, pid in pids.items():
        log.warning("broker_killed", node=node_id, pid=pid, after_seconds=timeout)
        _signal(pid, signal.SIGKILL)
    kill_deadline = time.monotonic() + 10
    while pids and time.monotonic() < kill_deadline:
        pids = {i: p for i, p in pids.items() if _is_our_broker(p, by_id[i])}
        time.sleep(0.1)
    for node in nodes:
        node.pid_file.unlink(missing_ok=True)
    # An exited broker whose parent was a finished `casehub broker up` stays a zombie until init
    # reaps it; give that a moment so `pgrep java` right after `down` shows nothing of ours.
    reap_deadline = time.monotonic() + 3
    while any(Path(f"/proc/{p}").exists() for p in all_pids) and time.monotonic() < reap_deadline:
        for pid in all_pids:
            _reap(pid)
        time.sleep(0.1)


def _signal(pid: int, sig: signal.Signals) -> None:
    with suppress(ProcessLookupError):
        os.kill(pid, sig)


def broker_down(
    settings: Settings,
    profile: Profile = "single",
    *,
    node: int | None = None,
    wipe: bool = False,
    say: Say = _quiet,
    timeout: float = STOP_TIMEOUT_S,
) -> bool:
    """Stop the profile's nodes (or only ``node``, the others left running); returns False when
    none of them was running. ``wipe`` deletes the profile's data (not with ``node``)."""
    if wipe and node is not None:
        raise SetupError("--wipe removes a whole profile's data; leave out --node")
    status = broker_status(settings, profile)
    chosen = {spec.node_id for spec in _select(cluster_spec(settings, profile), profile, node)}
    targets = [n for n in status.nodes if n.node.node_id in chosen]
    what = f"broker {profile}" if node is None else f"broker {profile} node {node}"
    was_running = any(n.running for n in targets)
    if was_running:
        _stop_nodes([n.node for n in targets], timeout)
        log.info("broker_stopped", profile=profile, nodes=sorted(chosen))
        say(f"{what} stopped")
    else:
        say(f"{what} is not running")
    if wipe:
        shutil.rmtree(profile_dir(settings, profile), ignore_errors=True)
        say(f"broker {profile} data removed")
    return was_running


def kill_node(settings: Settings, profile: Profile, node: int, timeout: float = 10.0) -> int:
    """``kill -9`` one node's broker (a crash, for fault tests) and wait until it is gone.

    Returns the pid it killed; ``SetupError`` when the node was not running.
    """
    [spec] = _select(cluster_spec(settings, profile), profile, node)
    pid = running_pid(spec)
    if pid is None:
        raise SetupError(f"broker {profile} node {node} is not running")
    _signal(pid, signal.SIGKILL)
    deadline = time.monotonic() + timeout
    while _is_our_broker(pid, spec):
        if time.monotonic() > deadline:
            raise SetupError(f"broker {profile} node {node} (pid {pid}) survived SIGKILL")
        time.sleep(0.05)
    spec.pid_file.unlink(missing_ok=True)
    log.warning("broker_node_killed", profile=profile, node=node, pid=pid)
    return pid
