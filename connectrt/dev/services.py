"""``up``, ``down``, ``status`` and ``env`` of a dev instance, as a library.

The CLI (``connectrt dev ...``), the demo and the pytest fixtures all call these functions. ``up``
is idempotent: services recorded in the state file and still running are reused, the others are
started. ``down`` stops exactly the processes recorded in the state file (by pid, checked against
their command line) and removes data only when asked to.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from pathlib import Path

from connectrt.dev import bigquery, kafka, postgres, registry, s3
from connectrt.dev.config import (
    DEFAULT_SERVICE_KINDS,
    LOOPBACK,
    PG_DATABASE,
    PG_PASSWORD,
    PG_USER,
    PORT_SPAN,
    S3_ACCESS_KEY,
    S3_REGION,
    S3_SECRET_KEY,
    DevSettings,
    pg_dsn,
)
from connectrt.dev.errors import DevError
from connectrt.dev.procs import file_lock, listener_uid, port_is_free, stop_pids, user_name
from connectrt.dev.state import InstanceState, ServiceRecord, load_state, save_state

KAFKA_STOP_TIMEOUT = 45.0
OTHER_STOP_TIMEOUT = 20.0

Say = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


@dataclass
class UpResult:
    state: InstanceState
    started: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def env(self) -> dict[str, str]:
        return env_vars(self.state)


def instance_lock(settings: DevSettings) -> AbstractContextManager[None]:
    """Serialises commands on one instance (held by up, down and lease releases)."""
    return file_lock(settings.instance_dir / ".lock", f"instance {settings.instance!r}")


def _check_compatible(settings: DevSettings, state: InstanceState, kinds: tuple[str, ...]) -> None:
    """Refuse to mix a running instance with different ports, cluster size or Kafka version."""
    running = state.running()
    if not running:
        return
    if state.port_base != settings.port_base:
        raise DevError(
            f"Dev instance {settings.instance!r} already runs on port base {state.port_base}; "
            f"run `connectrt dev down` first to move it to {settings.port_base}."
        )
    if "kafka" in kinds and any(rec.kind == "kafka" for rec in running.values()):
        if state.brokers != settings.brokers:
            raise DevError(
                f"The dev Kafka of instance {settings.instance!r} runs with {state.brokers} broker(s); "
                f"run `connectrt dev down` first to start it with {settings.brokers}."
            )
        if settings.sasl and not all(
            "sasl_ssl" in rec.info for rec in running.values() if rec.kind == "kafka"
        ):
            raise DevError(
                f"The dev Kafka of instance {settings.instance!r} runs without a SASL_SSL listener; "
                "run `connectrt dev down` first to start it with --sasl."
            )
        if settings.kafka_home is None and state.kafka_version != settings.kafka_version:
            raise DevError(
                f"The dev Kafka of instance {settings.instance!r} runs Apache Kafka {state.kafka_version}; "
                f"run `connectrt dev down` first to start {settings.kafka_version}."
            )


def _check_ports(settings: DevSettings, ports: dict[str, int]) -> None:
    for label, port in ports.items():
        if port_is_free(port):
            continue
        owner = listener_uid(port)
        if owner is not None and owner != os.getuid():
            base = free_port_base(settings)
            raise DevError(
                f"Port {port} ({label}) on {LOOPBACK} is in use by a process of user {user_name(owner)}, "
                f"probably their `connectrt dev` services; start your own on other ports: "
                f"`connectrt dev up --port-base {base}` (or export CONNECTRT_DEV_PORT_BASE={base})."
            )
        raise DevError(
            f"Port {port} ({label}) on {LOOPBACK} is already in use by another process; stop that "
            "process or choose other ports with --port-base (or CONNECTRT_DEV_PORT_BASE)."
        )


def free_port_base(settings: DevSettings) -> int:
    """A port base none of whose ports is in use now, below the kernel's ephemeral port range (a client
    connection could take a port there between this check and a server's start)."""
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    for base in [
        *range(settings.port_base + PORT_SPAN, low - PORT_SPAN + 1, PORT_SPAN),
        *range(10000, settings.port_base, PORT_SPAN),
    ]:
        candidate = replace(settings, port_base=base)
        if all(port_is_free(port) for port in candidate.ports().values()):
            return base
    return settings.port_base + PORT_SPAN


def check_owner(settings: DevSettings) -> None:
    """Refuse an instance another user started (a shared cache directory): ``up`` would reuse and
    ``down`` stop that user's services."""
    try:
        owner = settings.state_file.stat().st_uid
    except FileNotFoundError:
        return
    if owner != os.getuid():
        raise DevError(
            f"Dev instance {settings.instance!r} in {settings.instance_dir} belongs to user {user_name(owner)}; "
            "use a cache directory of your own (--cache-dir or CONNECTRT_CACHE_DIR; the default is "
            "~/.cache/connectrt) or another --instance and --port-base."
        )


def up(
    settings: DevSettings,
    kinds: tuple[str, ...] = DEFAULT_SERVICE_KINDS,
    say: Say = _quiet,
    started_by: str | None = None,
) -> UpResult:
    """Start the given services of an instance (reusing running ones) and wait until they are ready.

    ``started_by`` labels the services this call starts (see ``connectrt.dev.leases``)."""
    began = time.monotonic()
    check_owner(settings)
    with instance_lock(settings):
        state = load_state(settings.state_file) or InstanceState(settings.instance, settings.port_base)
        _check_compatible(settings, state, kinds)
        state.services = state.running()  # forget processes that are gone
        if not state.services:
            state.port_base = settings.port_base
        result = UpResult(state=state)
        wanted_kafka = [f"kafka-{i}" for i in range(1, settings.brokers + 1)]
        for name, rec in state.services.items():
            if rec.kind in kinds:
                result.reused.append(name)
                say(f"{name:<9} already running  {rec.address:<22} pid {rec.pid}  (reusing it)")

        start_s3 = "s3" in kinds and "s3" not in state.services
        start_pg = "postgres" in kinds and "postgres" not in state.services
        start_bq = "bigquery" in kinds and "bigquery" not in state.services
        start_registry = "registry" in kinds and "registry" not in state.services
        missing_nodes = [n for n in wanted_kafka if n not in state.services] if "kafka" in kinds else []
        ports: dict[str, int] = {}
        if start_s3:
            ports["S3"] = settings.s3_port
        if start_pg:
            ports["PostgreSQL"] = settings.postgres_port
        if start_bq:
            ports["BigQuery emulator"] = settings.bigquery_port
            ports["BigQuery emulator gRPC"] = settings.bigquery_grpc_port
        if start_registry:
            ports["Schema registry"] = settings.registry_port
            ports["Schema registry management"] = settings.registry_management_port
        for name in missing_nodes:
            node_id = int(name.split("-")[1])
            ports[f"Kafka broker {node_id}"] = settings.broker_port(node_id)
            ports[f"KRaft controller {node_id}"] = settings.controller_port(node_id)
            if settings.sasl:
                ports[f"Kafka SASL_SSL {node_id}"] = settings.sasl_port(node_id)
        _check_ports(settings, ports)

        launched: list[ServiceRecord] = []

        def record(rec: ServiceRecord) -> None:
            if started_by:
                rec.info["started_by"] = started_by
            launched.append(rec)
            state.services[rec.name] = rec
            save_state(settings.state_file, state)

        try:
            if start_s3:
                record(s3.launch(settings))
            if start_pg:
                record(postgres.launch(settings))
            if start_bq:
                record(bigquery.launch(settings))
            if start_registry:
                record(registry.launch(settings))
            if missing_nodes:
                dist = kafka.resolve_distribution(settings)
                state.brokers, state.kafka_version = settings.brokers, dist.version
                nodes = [
                    node for node in kafka.plan_nodes(settings, dist.version) if node.name in missing_nodes
                ]
                kafka.prepare_nodes(settings, dist, nodes)
                for node in nodes:
                    record(kafka.launch_node(settings, dist, node))
            for rec in launched:
                if rec.kind == "s3":
                    s3.wait_ready(rec, settings.timeout)
                elif rec.kind == "postgres":
                    postgres.wait_ready(settings, rec, settings.timeout)
                elif rec.kind == "bigquery":
                    bigquery.wait_ready(rec, settings.timeout)
                elif rec.kind == "registry":
                    registry.wait_ready(rec, settings.timeout)
            kafka_recs = [rec for rec in launched if rec.kind == "kafka"]
            if kafka_recs:
                all_nodes = [state.services[name] for name in wanted_kafka]
                kafka.wait_ready(settings, all_nodes, settings.timeout)
        except BaseException:
            stop_records(launched)
            for rec in launched:
                state.services.pop(rec.name, None)
            save_state(settings.state_file, state)
            raise
        save_state(settings.state_file, state)
        for rec in launched:
            result.started.append(rec.name)
            say(f"{rec.name:<9} started          {rec.address:<22} pid {rec.pid}  {_describe(rec)}")
        result.seconds = time.monotonic() - began
        return result


def _describe(rec: ServiceRecord) -> str:
    if rec.kind == "kafka":
        return f"(Apache Kafka {rec.info.get('version', '?')}, KRaft broker+controller)"
    if rec.kind == "postgres":
        return f"(PostgreSQL {rec.info.get('version', '')}, wal_level=logical)".replace("  ", " ")
    if rec.kind == "bigquery":
        return f"({rec.info.get('server', 'bqemulator')}, in memory; Storage Write gRPC on {rec.info.get('grpc')})"
    if rec.kind == "registry":
        return f"({rec.info.get('server', 'Apicurio Registry')}, in memory, Confluent API; BACKWARD)"
    return "(moto S3 server, in memory)"


def stop_records(records: list[ServiceRecord]) -> list[str]:
    """Stop records concurrently; Kafka nodes get a longer grace period for controlled shutdown."""
    stopped = [rec.name for rec in records if rec.alive()]
    kafka_pids = {rec.pid: (rec.marker, rec.stop_signal) for rec in records if rec.kind == "kafka"}
    other_pids = {rec.pid: (rec.marker, rec.stop_signal) for rec in records if rec.kind != "kafka"}
    if kafka_pids:
        stop_pids(kafka_pids, timeout=KAFKA_STOP_TIMEOUT)
    if other_pids:
        stop_pids(other_pids, timeout=OTHER_STOP_TIMEOUT)
    return stopped


def down(
    settings: DevSettings, *, purge: bool = False, only: list[str] | None = None, say: Say = _quiet
) -> list[str]:
    """Stop the recorded processes of an instance (or only the named ones); ``purge`` also
    removes the instance's data. Returns the names of the services that were running."""
    check_owner(settings)
    with instance_lock(settings):
        state = load_state(settings.state_file)
        stopped: list[str] = []
        if state is not None:
            targets = [rec for name, rec in state.services.items() if only is None or name in only]
            stopped = stop_records(targets)
            for rec in targets:
                state.services.pop(rec.name, None)
                if rec.name in stopped:
                    say(f"{rec.name:<9} stopped (pid {rec.pid})")
            save_state(settings.state_file, state)
        if purge and only is None:
            for path in postgres.purge_paths(settings):
                shutil.rmtree(path, ignore_errors=True)
            shutil.rmtree(settings.instance_dir, ignore_errors=True)
            say(f"Removed the data of instance {settings.instance!r} ({settings.instance_dir}).")
        return stopped


def instances(settings: DevSettings) -> list[str]:
    """Names of the instances that have a state file in the cache directory."""
    root = settings.cache_dir / "dev"
    return sorted(p.parent.name for p in root.glob("*/state.json")) if root.is_dir() else []


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    running: bool
    address: str
    pid: int
    log: str
    detail: str


def status(settings: DevSettings) -> list[ServiceStatus]:
    state = load_state(settings.state_file)
    if state is None:
        return []
    return [
        ServiceStatus(rec.name, rec.alive(), rec.address, rec.pid, rec.log, _describe(rec))
        for rec in state.services.values()
    ]


def load_running(settings: DevSettings) -> InstanceState | None:
    check_owner(settings)
    state = load_state(settings.state_file)
    if state is None:
        return None
    state.services = state.running()
    return state if state.services else None


def env_vars(state: InstanceState) -> dict[str, str]:
    """Environment variables that point clients and tests at the running services."""
    env: dict[str, str] = {}
    running = state.running()
    kafka_nodes = sorted((rec for rec in running.values() if rec.kind == "kafka"), key=lambda r: r.name)
    if kafka_nodes:
        env["KAFKA_BOOTSTRAP_SERVERS"] = ",".join(rec.address for rec in kafka_nodes)
        env["CONNECTRT_KAFKA_VERSION"] = kafka_nodes[0].info.get("version", "")
        if all("sasl_ssl" in rec.info for rec in kafka_nodes):
            tls = Path(kafka_nodes[0].info["sasl_ssl_tls"])
            env.update(kafka.kafka_sasl.env_vars(tls, [rec.info["sasl_ssl"] for rec in kafka_nodes]))
    pg = running.get("postgres")
    if pg is not None:
        host, port = pg.address.rsplit(":", 1)
        env.update(
            {
                "CONNECTRT_PG_DSN": pg_dsn(int(port), host),
                "CONNECTRT_PG_HOST": host,
                "CONNECTRT_PG_PORT": port,
                "CONNECTRT_PG_USER": PG_USER,
                "CONNECTRT_PG_PASSWORD": PG_PASSWORD,
                "CONNECTRT_PG_DATABASE": PG_DATABASE,
            }
        )
    s3rec = running.get("s3")
    if s3rec is not None:
        env.update(
            {
                "CONNECTRT_S3_ENDPOINT": s3rec.address,
                "CONNECTRT_S3_ACCESS_KEY_ID": S3_ACCESS_KEY,
                "CONNECTRT_S3_SECRET_ACCESS_KEY": S3_SECRET_KEY,
                "CONNECTRT_S3_REGION": S3_REGION,
                "AWS_ENDPOINT_URL_S3": s3rec.address,
                "AWS_ACCESS_KEY_ID": S3_ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY": S3_SECRET_KEY,
                "AWS_DEFAULT_REGION": S3_REGION,
            }
        )
    bq = running.get("bigquery")
    if bq is not None:
        env.update(bigquery.env_vars(bq))
    reg = running.get("registry")
    if reg is not None:
        env.update(registry.env_vars(reg))
    return env
