"""Worker configs: WorkerConfig, StandaloneConfig and DistributedConfig, accepting Java's
``connect-standalone.properties`` / ``connect-distributed.properties`` keys unchanged."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectrt.config.configdef import (
    NO_DEFAULT_VALUE,
    AbstractConfig,
    CaseInsensitiveValidString,
    ConfigDef,
    ConfigException,
    Importance,
    Range,
    Type,
    Validator,
    ValidString,
)


class BootstrapServers(Validator):
    """Java's ``ClientUtils.parseAndValidateAddresses``: at least one ``host:port``, each with a port."""

    def ensure_valid(self, name: str, value: Any) -> None:
        urls = [str(u).strip() for u in value or [] if str(u).strip()]
        if not urls:
            raise ConfigException(
                f"{name} is empty: set it to the host:port of one or more Kafka brokers, e.g. {name}=localhost:9092."
            )
        for url in urls:
            address = url.split("://", 1)[-1]
            host, sep, port = address.rpartition(":")
            if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise ConfigException(
                    f"Invalid url in {name}: {url} (each broker is host:port, e.g. localhost:9092)."
                )

    def __str__(self) -> str:
        return "non-empty list of host:port"


#: The client-config override policies Java ships, by every name Java accepts for them (class name,
#: simple name, alias); connectrt enforces All and None.
OVERRIDE_POLICIES = {
    f"{prefix}{alias}{suffix}": alias
    for alias in ("All", "None", "Principal")
    for prefix, suffix in (
        ("", ""),
        ("", "ConnectorClientConfigOverridePolicy"),
        ("org.apache.kafka.connect.connector.policy.", "ConnectorClientConfigOverridePolicy"),
    )
}


class OverridePolicy(Validator):
    def ensure_valid(self, name: str, value: Any) -> None:
        policy = OVERRIDE_POLICIES.get(str(value).strip())
        if policy is None:
            raise ConfigException(
                name,
                value,
                "Class " + str(value) + " could not be found; choose All or None "
                "(org.apache.kafka.connect.connector.policy.AllConnectorClientConfigOverridePolicy or "
                "NoneConnectorClientConfigOverridePolicy).",
            )
        if policy == "Principal":
            raise ConfigException(
                name,
                value,
                "connectrt does not support the Principal policy (it would allow every override); "
                "choose All or None.",
            )


def worker_config_def() -> ConfigDef:
    d = ConfigDef()
    h, m, lo = Importance.HIGH, Importance.MEDIUM, Importance.LOW
    d.define(
        "bootstrap.servers",
        Type.LIST,
        "localhost:9092",
        BootstrapServers(),
        h,
        "A list of host/port pairs used to establish the initial connection to the Kafka cluster.",
    )
    d.define("client.dns.lookup", Type.STRING, "use_all_dns_ips", None, m, "How the client uses DNS lookups.")
    d.define(
        "key.converter",
        Type.CLASS,
        NO_DEFAULT_VALUE,
        None,
        h,
        "Converter class used to convert between Kafka Connect format and the serialized form that is "
        "written to Kafka.",
    )
    d.define(
        "value.converter",
        Type.CLASS,
        NO_DEFAULT_VALUE,
        None,
        h,
        "Converter class used to convert between Kafka Connect format and the serialized form that is "
        "written to Kafka.",
    )
    d.define(
        "header.converter",
        Type.CLASS,
        "org.apache.kafka.connect.storage.SimpleHeaderConverter",
        None,
        lo,
        "HeaderConverter class used to convert between Kafka Connect format and the serialized form that "
        "is written to Kafka.",
    )
    d.define(
        "task.shutdown.graceful.timeout.ms",
        Type.LONG,
        5000,
        None,
        lo,
        "Amount of time to wait for tasks to shutdown gracefully.",
    )
    d.define(
        "offset.flush.interval.ms",
        Type.LONG,
        60000,
        None,
        lo,
        "Interval at which to try committing offsets for tasks.",
    )
    d.define(
        "offset.flush.timeout.ms",
        Type.LONG,
        5000,
        None,
        lo,
        "Maximum number of milliseconds to wait for records to flush and partition offset data to be "
        "committed to offset storage before cancelling the process and restoring the offset data to be "
        "committed in a future attempt.",
    )
    d.define(
        "listeners",
        Type.LIST,
        "http://:8083",
        None,
        lo,
        "List of comma-separated URIs the REST API will listen on.",
    )
    d.define(
        "rest.advertised.host.name",
        Type.STRING,
        None,
        None,
        lo,
        "If this is set, this is the hostname that will be given out to other workers to connect to.",
    )
    d.define(
        "rest.advertised.port",
        Type.INT,
        None,
        None,
        lo,
        "If this is set, this is the port that will be given out to other workers to connect to.",
    )
    d.define(
        "rest.advertised.listener",
        Type.STRING,
        None,
        None,
        lo,
        "Sets the advertised listener (HTTP or HTTPS) which will be given to other workers to use.",
    )
    d.define(
        "admin.listeners",
        Type.LIST,
        None,
        None,
        lo,
        "List of comma-separated URIs the Admin REST API will listen on.",
    )
    d.define(
        "access.control.allow.origin",
        Type.STRING,
        "",
        None,
        lo,
        "Value to set the Access-Control-Allow-Origin header to for REST API requests.",
    )
    d.define(
        "access.control.allow.methods",
        Type.STRING,
        "",
        None,
        lo,
        "Sets the methods supported for cross origin requests by setting the Access-Control-Allow-Methods "
        "header.",
    )
    d.define(
        "response.http.headers.config", Type.STRING, "", None, lo, "Rules for REST API HTTP response headers"
    )
    d.define(
        "rest.extension.classes",
        Type.LIST,
        "",
        None,
        lo,
        "Comma-separated names of ConnectRestExtension classes. connectrt provides "
        "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension (HTTP Basic "
        "authentication with the JAAS file of -Djava.security.auth.login.config); any other name stops the "
        "worker at start.",
    )
    d.define(
        "plugin.path",
        Type.LIST,
        None,
        None,
        lo,
        "List of directories that contain plugins, besides the distributions installed in the worker's "
        "Python environment. A directory holding *.dist-info metadata (pip install --target <dir>) is one "
        "plugin location; otherwise each of its subdirectories and *.whl files is one. Only the "
        "'connectrt.plugins' entry points of the distributions found there are loaded.",
    )
    d.define(
        "plugin.discovery",
        Type.STRING,
        "hybrid_warn",
        CaseInsensitiveValidString(["only_scan", "hybrid_warn", "hybrid_fail", "service_load"]),
        lo,
        "Method to use to discover plugins present in the classpath and plugin.path configuration.",
    )
    d.define(
        "config.providers",
        Type.LIST,
        [],
        None,
        lo,
        "Comma-separated names of ConfigProvider classes, loaded and used in the order specified.",
    )
    d.define(
        "connector.client.config.override.policy",
        Type.STRING,
        "All",
        OverridePolicy(),
        m,
        "Class name or alias of implementation of ConnectorClientConfigOverridePolicy (All, None, "
        "Principal).",
    )
    d.define(
        "topic.creation.enable",
        Type.BOOLEAN,
        True,
        None,
        lo,
        "Whether to allow automatic creation of topics used by source connectors.",
    )
    d.define(
        "topic.tracking.enable",
        Type.BOOLEAN,
        True,
        None,
        lo,
        "Enable tracking the set of active topics per connector during runtime.",
    )
    d.define(
        "topic.tracking.allow.reset",
        Type.BOOLEAN,
        True,
        None,
        lo,
        "If set to true, it allows user requests to reset the set of active topics per connector.",
    )
    d.define("metrics.sample.window.ms", Type.LONG, 30000, None, lo, "Accepted for compatibility.")
    d.define("metrics.num.samples", Type.INT, 2, None, lo, "Accepted for compatibility.")
    d.define("metrics.recording.level", Type.STRING, "INFO", None, lo, "Accepted for compatibility.")
    d.define("metric.reporters", Type.LIST, "", None, lo, "Accepted for compatibility.")
    d.define("auto.include.jmx.reporter", Type.BOOLEAN, True, None, lo, "Accepted for compatibility.")
    d.define(
        "client.id", Type.STRING, "", None, lo, "An id string to pass to the server when making requests."
    )
    return d


def standalone_config_def() -> ConfigDef:
    d = worker_config_def()
    d.define(
        "offset.storage.file.filename",
        Type.STRING,
        NO_DEFAULT_VALUE,
        None,
        Importance.HIGH,
        "File to store offset data in",
    )
    return d


def distributed_config_def() -> ConfigDef:
    d = worker_config_def()
    h, m, lo = Importance.HIGH, Importance.MEDIUM, Importance.LOW
    d.define(
        "group.id",
        Type.STRING,
        NO_DEFAULT_VALUE,
        None,
        h,
        "A unique string that identifies the Connect cluster group this worker belongs to.",
    )
    d.define("session.timeout.ms", Type.INT, 10000, None, h, "The timeout used to detect worker failures.")
    d.define(
        "heartbeat.interval.ms",
        Type.INT,
        3000,
        None,
        h,
        "The expected time between heartbeats to the group coordinator when using Kafka's group "
        "management facilities.",
    )
    d.define(
        "rebalance.timeout.ms",
        Type.INT,
        60000,
        None,
        h,
        "The maximum allowed time for each worker to join the group once a rebalance has begun.",
    )
    d.define(
        "config.storage.topic",
        Type.STRING,
        NO_DEFAULT_VALUE,
        None,
        h,
        "The name of the Kafka topic where connector configurations are stored",
    )
    d.define(
        "config.storage.replication.factor",
        Type.SHORT,
        3,
        None,
        lo,
        "Replication factor used when creating the configuration storage topic",
    )
    d.define(
        "offset.storage.topic",
        Type.STRING,
        NO_DEFAULT_VALUE,
        None,
        h,
        "The name of the Kafka topic where source connector offsets are stored",
    )
    d.define(
        "offset.storage.partitions",
        Type.INT,
        25,
        None,
        lo,
        "The number of partitions used when creating the offset storage topic",
    )
    d.define(
        "offset.storage.replication.factor",
        Type.SHORT,
        3,
        None,
        lo,
        "Replication factor used when creating the offset storage topic",
    )
    d.define(
        "status.storage.topic",
        Type.STRING,
        NO_DEFAULT_VALUE,
        None,
        h,
        "The name of the Kafka topic where connector and task status are stored",
    )
    d.define(
        "status.storage.partitions",
        Type.INT,
        5,
        None,
        lo,
        "The number of partitions used when creating the status storage topic",
    )
    d.define(
        "status.storage.replication.factor",
        Type.SHORT,
        3,
        None,
        lo,
        "Replication factor used when creating the status storage topic",
    )
    d.define(
        "connect.protocol",
        Type.STRING,
        "sessioned",
        ValidString(["eager", "compatible", "sessioned"]),
        lo,
        "Compatibility mode for Kafka Connect Protocol",
    )
    d.define(
        "scheduled.rebalance.max.delay.ms",
        Type.INT,
        300000,
        Range.between(0, 2**31 - 1),
        lo,
        "The maximum delay that is scheduled in order to wait for the return of one or more departed "
        "workers before rebalancing and reassigning their connectors and tasks to the group.",
    )
    d.define(
        "worker.sync.timeout.ms",
        Type.INT,
        3000,
        None,
        m,
        "When the worker is out of sync with other workers and needs to resynchronize configurations, wait "
        "up to this amount of time before giving up, leaving the group, and waiting a backoff period "
        "before rejoining.",
    )
    d.define(
        "worker.unsync.backoff.ms",
        Type.INT,
        300000,
        None,
        m,
        "When the worker is out of sync with other workers and fails to catch up within "
        "worker.sync.timeout.ms, leave the Connect cluster for this long before rejoining.",
    )
    d.define(
        "inter.worker.key.generation.algorithm",
        Type.STRING,
        "HmacSHA256",
        None,
        lo,
        "The algorithm to use for generating internal request keys.",
    )
    d.define(
        "inter.worker.key.size",
        Type.INT,
        None,
        None,
        lo,
        "The size of the key to use for signing internal requests, in bits.",
    )
    d.define(
        "inter.worker.key.ttl.ms",
        Type.INT,
        3600000,
        Range.between(0, 2**31 - 1),
        lo,
        "The TTL of generated session keys used for internal request validation (in milliseconds)",
    )
    d.define(
        "inter.worker.signature.algorithm",
        Type.STRING,
        "HmacSHA256",
        None,
        lo,
        "The algorithm used to sign internal requests.",
    )
    d.define(
        "inter.worker.verification.algorithms",
        Type.LIST,
        "HmacSHA256",
        None,
        lo,
        "A list of permitted algorithms for verifying internal requests.",
    )
    d.define(
        "exactly.once.source.support",
        Type.STRING,
        "disabled",
        CaseInsensitiveValidString(["disabled", "enabled", "preparing"]),
        h,
        "Whether to enable exactly-once support for source connectors in the cluster.",
    )
    d.define("metadata.max.age.ms", Type.LONG, 300000, None, lo, "Client metadata refresh interval.")
    d.define("request.timeout.ms", Type.INT, 40000, None, m, "Client request timeout.")
    d.define("retry.backoff.ms", Type.LONG, 100, None, lo, "Client retry backoff.")
    return d


class WorkerConfig(AbstractConfig):
    """Parsed worker properties; ``originals`` keeps every key (client and provider settings too)."""

    def __init__(self, definition: ConfigDef, props: Mapping[str, Any]) -> None:
        super().__init__(definition, props)

    @property
    def bootstrap_servers(self) -> str:
        return ",".join(self.get_list("bootstrap.servers"))

    def client_props(self, prefix: str) -> dict[str, Any]:
        """Worker-level ``producer.*``/``consumer.*``/``admin.*`` settings for connector clients."""
        return self.originals_with_prefix(prefix)


class StandaloneConfig(WorkerConfig):
    def __init__(self, props: Mapping[str, Any]) -> None:
        super().__init__(standalone_config_def(), props)


class DistributedConfig(WorkerConfig):
    def __init__(self, props: Mapping[str, Any]) -> None:
        super().__init__(distributed_config_def(), props)
