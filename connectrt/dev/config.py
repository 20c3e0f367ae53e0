"""Settings of a dev instance: where its files live, which ports and versions it uses.

An *instance* is one set of services (Kafka nodes, PostgreSQL, S3) with its own directory under
``<cache dir>/dev/<instance>`` and its own ports, derived from a port base. The default instance is
what developers, the demo and the shared test fixtures use; tests that need a cluster of their own
(three brokers, start/stop checks) use another instance name and port base. Jars resolved from
Maven are shared by all instances under ``<cache dir>/kafka/<version>``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from connectrt.dev.errors import DevError

DEFAULT_KAFKA_VERSION = "4.2.1"
DEFAULT_PORT_BASE = 29000
DEFAULT_INSTANCE = "default"
SERVICE_KINDS: tuple[str, ...] = ("kafka", "postgres", "s3", "bigquery", "registry")
# What `connectrt dev up` starts without --services/--with (the BigQuery emulator and the schema registry
# are on request).
DEFAULT_SERVICE_KINDS: tuple[str, ...] = ("kafka", "postgres", "s3")
MAX_BROKERS = 9

# Port offsets from the port base; with the default base: Kafka 29092.., KRaft controllers
# 29192.., PostgreSQL 29432, S3 29900.
BROKER_PORT_OFFSET = 92
CONTROLLER_PORT_OFFSET = 192
SASL_PORT_OFFSET = 292  # SASL_SSL listeners (connectrt dev up --sasl)
POSTGRES_PORT_OFFSET = 432
S3_PORT_OFFSET = 900
BIGQUERY_PORT_OFFSET = 50  # BigQuery emulator REST; its Storage Write gRPC on base+60
BIGQUERY_GRPC_PORT_OFFSET = 60
REGISTRY_PORT_OFFSET = (
    81  # Apicurio Registry (Confluent API under /apis/ccompat/v7); its management on base+82
)
REGISTRY_MANAGEMENT_PORT_OFFSET = 82
PORT_SPAN = 1000

LOOPBACK = "127.0.0.1"

PG_USER = "connectrt"
PG_PASSWORD = "connectrt"
PG_DATABASE = "connectrt"

S3_ACCESS_KEY = "testing"
S3_SECRET_KEY = "testing"
S3_REGION = "us-east-1"

BIGQUERY_PROJECT = "connectrt-dev"

_INSTANCE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_VERSION_RE = re.compile(r"^4\.\d+\.\d+([.-][A-Za-z0-9.-]+)?$")
_BROKER_PROP_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def default_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get("CONNECTRT_CACHE_DIR"):
        return Path(env["CONNECTRT_CACHE_DIR"]).expanduser().absolute()
    if env.get("XDG_CACHE_HOME"):
        return Path(env["XDG_CACHE_HOME"]).expanduser().absolute() / "connectrt"
    return Path.home() / ".cache" / "connectrt"


@dataclass(frozen=True)
class DevSettings:
    """Everything ``up``/``down``/``status``/``env`` need to know about one instance."""

    cache_dir: Path
    instance: str = DEFAULT_INSTANCE
    port_base: int = DEFAULT_PORT_BASE
    kafka_version: str = DEFAULT_KAFKA_VERSION
    brokers: int = 1
    kafka_home: Path | None = None
    timeout: float | None = None  # seconds per service; None: each service's default
    # Broker properties written on top of the defaults (e.g. auto.create.topics.enable=false),
    # in order; a later pair for the same key wins.
    broker_props: tuple[tuple[str, str], ...] = ()
    # A SASL_SSL (SCRAM-SHA-512) listener on every Kafka node, next to the PLAINTEXT one.
    sasl: bool = False

    def __post_init__(self) -> None:
        for key, value in self.broker_props:
            check_broker_prop(key, value)
        if not _INSTANCE_RE.match(self.instance):
            raise DevError(
                f"Instance name {self.instance!r} is not valid; use letters, digits, '.', '_' or '-'."
            )
        if not 1024 <= self.port_base <= 65535 - PORT_SPAN:
            raise DevError(
                f"Port base {self.port_base} is out of range; choose one between 1024 and {65535 - PORT_SPAN}."
            )
        if not 1 <= self.brokers <= MAX_BROKERS:
            raise DevError(f"The number of brokers must be between 1 and {MAX_BROKERS}, not {self.brokers}.")
        if self.kafka_home is None and not _VERSION_RE.match(self.kafka_version):
            raise DevError(
                f"Kafka version {self.kafka_version!r} is not supported; choose an Apache Kafka 4.x release such as {DEFAULT_KAFKA_VERSION}."
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> DevSettings:
        """Settings from ``CONNECTRT_*`` / ``KAFKA_HOME`` variables; keyword overrides win when not None."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {
            "cache_dir": default_cache_dir(env),
            "instance": env.get("CONNECTRT_DEV_INSTANCE") or DEFAULT_INSTANCE,
            "kafka_version": env.get("CONNECTRT_KAFKA_VERSION") or DEFAULT_KAFKA_VERSION,
            "kafka_home": Path(env["KAFKA_HOME"]).expanduser().absolute() if env.get("KAFKA_HOME") else None,
        }
        if env.get("CONNECTRT_DEV_PORT_BASE"):
            try:
                values["port_base"] = int(env["CONNECTRT_DEV_PORT_BASE"])
            except ValueError:
                raise DevError(
                    f"CONNECTRT_DEV_PORT_BASE must be a number, not {env['CONNECTRT_DEV_PORT_BASE']!r}."
                )
        for key, value in overrides.items():
            if value is not None:
                values[key] = value
        return cls(**values)  # type: ignore[arg-type]

    # ---- directories -------------------------------------------------------------------------

    @property
    def instance_dir(self) -> Path:
        return self.cache_dir / "dev" / self.instance

    @property
    def state_file(self) -> Path:
        return self.instance_dir / "state.json"

    @property
    def kafka_cache_dir(self) -> Path:
        """Jars resolved from Maven for this Kafka version, shared by every instance."""
        return self.cache_dir / "kafka" / self.kafka_version

    def kafka_topology_dir(self, version: str) -> Path:
        """Data of one Kafka version and cluster size (switching either keeps the other's data)."""
        return self.instance_dir / f"kafka-{version}-{self.brokers}node"

    # ---- ports -------------------------------------------------------------------------------

    def broker_port(self, node_id: int) -> int:
        return self.port_base + BROKER_PORT_OFFSET + node_id - 1

    def controller_port(self, node_id: int) -> int:
        return self.port_base + CONTROLLER_PORT_OFFSET + node_id - 1

    def sasl_port(self, node_id: int) -> int:
        return self.port_base + SASL_PORT_OFFSET + node_id - 1

    @property
    def postgres_port(self) -> int:
        return self.port_base + POSTGRES_PORT_OFFSET

    @property
    def s3_port(self) -> int:
        return self.port_base + S3_PORT_OFFSET

    @property
    def bigquery_port(self) -> int:
        return self.port_base + BIGQUERY_PORT_OFFSET

    @property
    def bigquery_grpc_port(self) -> int:
        return self.port_base + BIGQUERY_GRPC_PORT_OFFSET

    @property
    def registry_port(self) -> int:
        return self.port_base + REGISTRY_PORT_OFFSET

    @property
    def registry_management_port(self) -> int:
        return self.port_base + REGISTRY_MANAGEMENT_PORT_OFFSET

    @property
    def bootstrap_servers(self) -> str:
        return ",".join(f"{LOOPBACK}:{self.broker_port(i)}" for i in range(1, self.brokers + 1))

    def ports(self, kinds: tuple[str, ...] = SERVICE_KINDS) -> dict[str, int]:
        """Every port the given services listen on, by a readable label."""
        result: dict[str, int] = {}
        if "kafka" in kinds:
            for node in range(1, self.brokers + 1):
                result[f"Kafka broker {node}"] = self.broker_port(node)
                result[f"KRaft controller {node}"] = self.controller_port(node)
                if self.sasl:
                    result[f"Kafka SASL_SSL {node}"] = self.sasl_port(node)
        if "postgres" in kinds:
            result["PostgreSQL"] = self.postgres_port
        if "s3" in kinds:
            result["S3"] = self.s3_port
        if "bigquery" in kinds:
            result["BigQuery emulator"] = self.bigquery_port
            result["BigQuery emulator gRPC"] = self.bigquery_grpc_port
        if "registry" in kinds:
            result["Schema registry"] = self.registry_port
            result["Schema registry management"] = self.registry_management_port
        return result


def check_broker_prop(key: str, value: str) -> None:
    if not _BROKER_PROP_KEY_RE.match(key):
        raise DevError(
            f"Broker property name {key!r} is not valid; use letters, digits, '.', '_' or '-' (e.g. auto.create.topics.enable)."
        )
    if "\n" in value or "\r" in value:
        raise DevError(f"The value of broker property {key} must be a single line.")


def parse_broker_prop(text: str) -> tuple[str, str]:
    """``"auto.create.topics.enable=false"`` -> ``("auto.create.topics.enable", "false")``."""
    key, sep, value = text.partition("=")
    key, value = key.strip(), value.strip()
    if not sep or not key:
        raise DevError(
            f"Broker property {text!r} is not of the form KEY=VALUE (e.g. auto.create.topics.enable=false)."
        )
    check_broker_prop(key, value)
    return key, value


def pg_dsn(port: int, host: str = LOOPBACK) -> str:
    return f"postgresql://{PG_USER}:{PG_PASSWORD}@{host}:{port}/{PG_DATABASE}"


def s3_endpoint(port: int, host: str = LOOPBACK) -> str:
    return f"http://{host}:{port}"


def parse_services(text: str | None) -> tuple[str, ...]:
    """``"kafka,postgres"`` -> ``("kafka", "postgres")`` in canonical order; None means all."""
    if not text:
        return DEFAULT_SERVICE_KINDS
    wanted = {part.strip().lower() for part in text.split(",") if part.strip()}
    unknown = sorted(wanted - set(SERVICE_KINDS))
    if unknown:
        raise DevError(f"Unknown service {', '.join(unknown)}; choose from {', '.join(SERVICE_KINDS)}.")
    return tuple(kind for kind in SERVICE_KINDS if kind in wanted)
