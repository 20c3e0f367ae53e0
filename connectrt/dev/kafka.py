"""Apache Kafka 4.x in KRaft mode for development: jars from Maven Central (or ``KAFKA_HOME``),
storage formatting, node start-up and the readiness check.

Every node is a combined broker+controller JVM on loopback. With one node the internal topics use
replication factor 1; with three or more they use 3 with ``min.insync.replicas=2`` and new topics
get 6 partitions, like a small production cluster. With ``sasl`` each node also listens for
SASL_SSL clients (see ``connectrt.dev.kafka_sasl``).
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from connectrt.dev import kafka_sasl
from connectrt.dev.config import LOOPBACK, DevSettings
from connectrt.dev.errors import DevError
from connectrt.dev.procs import (
    file_lock,
    port_accepts,
    rotate_log,
    run_logged,
    spawn,
    tail_lines,
)
from connectrt.dev.state import ServiceRecord

LOG4J_VERSION = "2.25.3"
SLF4J_VERSION = "2.0.17"
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
MAVEN_TIMEOUT = 900.0
FORMAT_TIMEOUT = 120.0
DEFAULT_START_TIMEOUT = 90.0
MAX_LOG_LOADING = 900.0  # seconds of partition loading at start-up not counted in the limit
DEFAULT_HEAP_OPTS = "-Xms256m -Xmx512m"

_POM = """<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by connectrt dev: the runtime classpath of an Apache Kafka {version} broker. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.connectrt.local</groupId>
  <artifactId>kafka-broker-classpath</artifactId>
  <version>{version}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>{version}</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j2-impl</artifactId><version>{log4j}</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>{log4j}</version>
    </dependency>
    <!-- Kafka's own dependency tree brings slf4j-api 1.7, which the 2.x binding above cannot serve. -->
    <dependency>
      <groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId><version>{slf4j}</version>
    </dependency>
  </dependencies>
</project>
"""

_JAR_VERSION_RE = re.compile(r"^kafka_2\.13-(4\.[0-9A-Za-z.-]+?)\.jar$")


def find_java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").is_file():
        return str(Path(java_home) / "bin" / "java")
    found = shutil.which("java")
    if not found:
        raise DevError(
            "Java was not found on PATH; install a JDK 17 or newer (apt-get install default-jdk-headless) or set JAVA_HOME."
        )
    return found


def find_mvn() -> str:
    found = shutil.which("mvn")
    if not found:
        raise DevError(
            "Maven (mvn) was not found on PATH; install it (apt-get install maven) or set KAFKA_HOME to an Apache Kafka 4.x distribution."
        )
    return found


@dataclass(frozen=True)
class KafkaDistribution:
    """How to run Kafka's tools: a Maven-resolved ``lib`` directory, or a distribution's scripts."""

    version: str
    java: str
    lib_dir: Path | None = None
    home: Path | None = None

    @property
    def source(self) -> str:
        return f"KAFKA_HOME={self.home}" if self.home else f"Maven jars in {self.lib_dir}"

    def _java(self, heap: str, main: str, *args: str) -> list[str]:
        return [
            self.java,
            *heap.split(),
            "-XX:+ExitOnOutOfMemoryError",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={log4j_config()}",
            "-cp",
            f"{self.lib_dir}/*",
            main,
            *args,
        ]

    def storage_format_command(self, cluster_id: str, properties: Path) -> list[str]:
        args = ("format", "-t", cluster_id, "-c", str(properties))
        if self.home is not None:
            return [str(self.home / "bin" / "kafka-storage.sh"), *args]
        return self._java(
            "-Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC", "kafka.tools.StorageTool", *args
        )

    def server_command(self, properties: Path) -> list[str]:
        if self.home is not None:
            return [str(self.home / "bin" / "kafka-server-start.sh"), str(properties)]
        heap = os.environ.get("CONNECTRT_KAFKA_HEAP_OPTS") or DEFAULT_HEAP_OPTS
        return self._java(heap, "kafka.Kafka", str(properties))

    def environment(self, log_dir: Path) -> dict[str, str]:
        env = dict(os.environ)
        if self.home is not None:
            env["KAFKA_HEAP_OPTS"] = os.environ.get("CONNECTRT_KAFKA_HEAP_OPTS") or DEFAULT_HEAP_OPTS
            env["KAFKA_LOG4J_OPTS"] = f"-Dlog4j2.configurationFile={log4j_config()}"
            env["LOG_DIR"] = str(log_dir)
            env.setdefault("JAVA_HOME", str(Path(self.java).resolve().parent.parent))
        return env


def log4j_config() -> Path:
    return Path(str(resources.files("connectrt.dev") / "log4j2.xml"))


def resolve_distribution(settings: DevSettings) -> KafkaDistribution:
    """The Kafka to run: ``KAFKA_HOME``'s when set, else jars resolved from Maven Central (cached)."""
    java = find_java()
    if settings.kafka_home is not None:
        return _from_kafka_home(settings.kafka_home, java)
    return KafkaDistribution(version=settings.kafka_version, java=java, lib_dir=ensure_jars(settings))


def _from_kafka_home(home: Path, java: str) -> KafkaDistribution:
    if not (home / "bin" / "kafka-server-start.sh").is_file():
        raise DevError(
            f"KAFKA_HOME={home} is not an Apache Kafka distribution (bin/kafka-server-start.sh is missing)."
        )
    versions = [
        m.group(1) for p in (home / "libs").glob("kafka_2.13-*.jar") if (m := _JAR_VERSION_RE.match(p.name))
    ]
    versions = [v for v in versions if not v.endswith(("-test", "-sources", "-javadoc"))]
    if not versions:
        raise DevError(
            f"KAFKA_HOME={home} does not hold an Apache Kafka 4.x distribution (no libs/kafka_2.13-4.*.jar)."
        )
    return KafkaDistribution(version=versions[0], java=java, home=home)


def ensure_jars(settings: DevSettings) -> Path:
    """Resolve Kafka's runtime classpath with ``mvn`` into the cache once; later calls reuse it."""
    base = settings.kafka_cache_dir
    lib = base / "lib"
    if (lib / ".complete").exists():
        return lib
    mvn = find_mvn()
    with file_lock(
        base.parent / f"{settings.kafka_version}.lock", f"the Kafka {settings.kafka_version} jars"
    ):
        if (lib / ".complete").exists():
            return lib
        version = settings.kafka_version
        base.mkdir(parents=True, exist_ok=True)
        (base / "pom.xml").write_text(_POM.format(version=version, log4j=LOG4J_VERSION, slf4j=SLF4J_VERSION))
        partial = base / "lib.partial"
        shutil.rmtree(partial, ignore_errors=True)
        log = base / "maven.log"
        rotate_log(log)
        print(f"Resolving Apache Kafka {version} from Maven Central (first use only) ...", flush=True)
        started = time.monotonic()
        try:
            run_logged(
                [
                    mvn,
                    "-B",
                    "-ntp",
                    "-f",
                    str(base / "pom.xml"),
                    f"{DEPENDENCY_PLUGIN}:copy-dependencies",
                    f"-DoutputDirectory={partial}",
                    "-DincludeScope=runtime",
                ],
                log,
                what=f"Maven resolution of Apache Kafka {version}",
                timeout=MAVEN_TIMEOUT,
                cwd=base,
            )
        except DevError as exc:
            raise DevError(
                f"Maven could not resolve Apache Kafka {version} (org.apache.kafka:kafka_2.13:{version}) from Maven Central; "
                f"check the version and the network (log: {log}).",
                [
                    line
                    for line in exc.details
                    if "ERROR" in line and ("Could not" in line or "Failed" in line)
                ][:3]
                or exc.details,
            )
        if not any(partial.glob("kafka_2.13-*.jar")):
            raise DevError(f"Maven finished but no kafka_2.13 jar was copied (log: {log}).")
        (partial / ".complete").write_text(f"{version}\n")
        shutil.rmtree(lib, ignore_errors=True)
        os.replace(partial, lib)
        print(f"Resolved Apache Kafka {version} in {time.monotonic() - started:.0f} s.", flush=True)
    return lib


def new_cluster_id() -> str:
    """A KRaft cluster id: 16 random bytes, URL-safe base64 without padding (as Kafka's Uuid)."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not text.startswith("-"):
            return text


def server_properties(settings: DevSettings, node_id: int, data_dir: Path) -> str:
    n = settings.brokers
    replication = min(3, n)
    min_isr = 2 if n >= 3 else 1
    voters = ",".join(f"{i}@{LOOPBACK}:{settings.controller_port(i)}" for i in range(1, n + 1))
    props = {
        "process.roles": "broker,controller",
        "node.id": str(node_id),
        "controller.quorum.voters": voters,
        "listeners": f"PLAINTEXT://{LOOPBACK}:{settings.broker_port(node_id)},"
        f"CONTROLLER://{LOOPBACK}:{settings.controller_port(node_id)}",
        "advertised.listeners": f"PLAINTEXT://{LOOPBACK}:{settings.broker_port(node_id)}",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "log.dirs": str(data_dir),
        "num.partitions": "6" if n >= 3 else "1",
        "default.replication.factor": str(replication),
        "min.insync.replicas": str(min_isr),
        "offsets.topic.replication.factor": str(replication),
        "transaction.state.log.replication.factor": str(replication),
        "transaction.state.log.min.isr": str(min_isr),
        "share.coordinator.state.topic.replication.factor": str(replication),
        "share.coordinator.state.topic.min.isr": str(min_isr),
        "group.initial.rebalance.delay.ms": "0",
        "auto.create.topics.enable": "true",
        "delete.topic.enable": "true",
    }
    if settings.sasl:
        props["listeners"] += "," + kafka_sasl.listener(settings, node_id)
        props["advertised.listeners"] += "," + kafka_sasl.listener(settings, node_id)
        props["listener.security.protocol.map"] += f",{kafka_sasl.LISTENER}:{kafka_sasl.LISTENER}"
        props.update(kafka_sasl.broker_properties(settings, node_id))
    props.update(settings.broker_props)
    lines = [f"# Written by connectrt dev for instance {settings.instance!r}; rewritten on every start."]
    lines += [f"{key}={value}" for key, value in props.items()]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class KafkaNode:
    node_id: int
    directory: Path
    log: Path

    @property
    def properties(self) -> Path:
        return self.directory / "server.properties"

    @property
    def data_dir(self) -> Path:
        return self.directory / "data"

    @property
    def name(self) -> str:
        return f"kafka-{self.node_id}"


def plan_nodes(settings: DevSettings, version: str) -> list[KafkaNode]:
    topology = settings.kafka_topology_dir(version)
    return [
        KafkaNode(i, topology / f"node-{i}", settings.instance_dir / "logs" / f"kafka-{i}.log")
        for i in range(1, settings.brokers + 1)
    ]


def prepare_nodes(settings: DevSettings, dist: KafkaDistribution, nodes: list[KafkaNode]) -> None:
    """Write each node's properties and format the storage of nodes that were never formatted."""
    topology = settings.kafka_topology_dir(dist.version)
    topology.mkdir(parents=True, exist_ok=True)
    cluster_file = topology / "cluster.id"
    if not cluster_file.exists():
        cluster_file.write_text(new_cluster_id() + "\n")
    cluster_id = cluster_file.read_text().strip()
    if settings.sasl:
        kafka_sasl.ensure_tls(settings)
    to_format = []
    for node in nodes:
        node.directory.mkdir(parents=True, exist_ok=True)
        node.properties.write_text(server_properties(settings, node.node_id, node.data_dir))
        if not (node.data_dir / "meta.properties").exists():
            to_format.append(node)
    if not to_format:
        return

    def format_one(node: KafkaNode) -> None:
        run_logged(
            dist.storage_format_command(cluster_id, node.properties),
            node.directory / "format.log",
            what=f"Formatting the storage of Kafka node {node.node_id}",
            timeout=FORMAT_TIMEOUT,
            env=dist.environment(node.directory),
        )

    with ThreadPoolExecutor(max_workers=len(to_format)) as pool:
        for future in [pool.submit(format_one, node) for node in to_format]:
            future.result()


def launch_node(settings: DevSettings, dist: KafkaDistribution, node: KafkaNode) -> ServiceRecord:
    rotate_log(node.log)
    proc = spawn(dist.server_command(node.properties), node.log, env=dist.environment(node.directory))
    return ServiceRecord(
        name=node.name,
        kind="kafka",
        pid=proc.pid,
        address=f"{LOOPBACK}:{settings.broker_port(node.node_id)}",
        marker=str(node.properties),
        log=str(node.log),
        started_at=time.time(),
        info={
            "version": dist.version,
            "controller": f"{LOOPBACK}:{settings.controller_port(node.node_id)}",
            "source": dist.source,
            **(
                {
                    "sasl_ssl": f"{LOOPBACK}:{settings.sasl_port(node.node_id)}",
                    "sasl_ssl_tls": str(kafka_sasl.tls_dir(settings)),
                }
                if settings.sasl
                else {}
            ),
        },
    )


def count_brokers(bootstrap: str, timeout: float = 3.0) -> int:
    """How many brokers the cluster's metadata lists (0 when it does not answer)."""
    import logging

    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient

    quiet = logging.getLogger("connectrt.dev.kafka.probe")
    quiet.addHandler(logging.NullHandler())
    quiet.propagate = False
    config: dict[str, Any] = {"bootstrap.servers": bootstrap, "logger": quiet, "socket.timeout.ms": 3000}
    admin = AdminClient(config)
    try:
        return len(admin.list_topics(timeout=timeout).brokers)
    except KafkaException:
        return 0


class LogLoading:
    """Follows a node's log for the broker's log-loading phase (``Loading logs from log dirs`` up to
    ``Loaded N logs in``): its length grows with the partitions kept on disk, so start-up time
    spent there does not count against the readiness limit."""

    BEGIN = b"Loading logs from log dirs"
    END = re.compile(rb"Loaded \d+ logs in")

    def __init__(self, log: Path) -> None:
        self.log = log  # rotated when the node was launched: read from its start
        self.position = 0
        self.began: float | None = None
        self.spent = 0.0
        self._rest = b""

    def seconds(self) -> float:
        """Seconds spent loading logs so far (ongoing loading included)."""
        try:
            with self.log.open("rb") as f:
                f.seek(self.position)
                chunk = f.read()
        except OSError:
            chunk = b""
        self.position += len(chunk)
        text = self._rest + chunk
        cut = text.rfind(b"\n") + 1
        text, self._rest = text[:cut], text[cut:]
        now = time.monotonic()
        for line in text.splitlines():
            if self.began is None and self.BEGIN in line:
                self.began = now
            elif self.began is not None and self.END.search(line):
                self.spent += now - self.began
                self.began = None
        return self.spent + (now - self.began if self.began is not None else 0.0)


def wait_ready(settings: DevSettings, records: list[ServiceRecord], timeout: float | None) -> None:
    """Wait until every node runs and the cluster metadata lists all brokers.

    The limit does not count the time a node spends loading its partitions from disk (up to
    ``MAX_LOG_LOADING`` seconds): a long-used instance holds thousands of them."""
    limit = timeout or DEFAULT_START_TIMEOUT
    started = time.monotonic()
    loading = [LogLoading(Path(rec.log)) for rec in records]
    while True:
        for rec in records:
            if not rec.alive():
                raise DevError(
                    f"Kafka node {rec.name} exited during start-up (log: {rec.log}).",
                    tail_lines(Path(rec.log)),
                )
        if all(port_accepts(int(rec.address.rsplit(":", 1)[1])) for rec in records):
            if count_brokers(settings.bootstrap_servers) >= settings.brokers:
                if settings.sasl:
                    kafka_sasl.create_user(settings, max(5.0, limit - (time.monotonic() - started)))
                return
        excused = min(MAX_LOG_LOADING, max(progress.seconds() for progress in loading))
        if time.monotonic() - started > limit + excused:
            rec = records[0]
            raise DevError(
                f"Kafka did not become ready within {limit:g} s (log: {rec.log}).",
                tail_lines(Path(rec.log)),
            )
        time.sleep(0.25)
