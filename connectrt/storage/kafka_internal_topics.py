"""Internal topics: worker settings for their clients, creation and the compaction check.

:func:`ensure_internal_topic` creates a missing topic with ``cleanup.policy=compact`` and refuses an
existing topic whose ``cleanup.policy`` is not exactly ``compact``, with Java's ConfigException text
(``TopicAdmin.verifyTopicCleanupPolicyOnlyCompact``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from confluent_kafka import KafkaError, KafkaException

from connectrt.api.connector import ConnectException
from connectrt.config.configdef import ConfigException
from connectrt.config.worker_config import WorkerConfig
from connectrt.kafka.topics import TopicAdmin, TopicSpec

log = logging.getLogger(__name__)

# Worker settings that mean something to the internal topics' clients; the rest of a worker file
# (converters, rest.*, plugin.path, ...) would make librdkafka refuse the configuration.
_CLIENT_KEYS = {
    "bootstrap.servers",
    "security.protocol",
    "client.rack",
    "metadata.max.age.ms",
    "retry.backoff.ms",
    "retry.backoff.max.ms",
    "reconnect.backoff.ms",
    "socket.connection.setup.timeout.ms",
}
_CLIENT_PREFIXES = ("ssl.", "sasl.")
# Topic-creation errors Java retries until its timeout (InvalidReplicationFactor, timeouts).
_CREATE_RETRY_CODES = {
    KafkaError.INVALID_REPLICATION_FACTOR,
    KafkaError.REQUEST_TIMED_OUT,
    KafkaError._TIMED_OUT,
}
_AUTHORIZATION_CODES = {
    KafkaError.TOPIC_AUTHORIZATION_FAILED,
    KafkaError.CLUSTER_AUTHORIZATION_FAILED,
}


# --- worker settings -> client settings --------------------------------------------------------


def client_id_base(config: WorkerConfig) -> str:
    """``<group.id>[-<client.id>]-`` (Java's ``ConnectUtils.clientIdBase``)."""
    group = str(config.originals.get("group.id") or "connect")
    user = str(config.originals.get("client.id") or "").strip()
    return f"{group}-{user}-" if user else f"{group}-"


def internal_client_props(config: WorkerConfig | Mapping[str, Any]) -> dict[str, Any]:
    """The connection and security settings of a worker config, for internal-topic clients."""
    originals = config.originals if isinstance(config, WorkerConfig) else dict(config)
    out = {
        k: v
        for k, v in originals.items()
        if v is not None and (k in _CLIENT_KEYS or k.startswith(_CLIENT_PREFIXES))
    }
    if isinstance(out.get("bootstrap.servers"), (list, tuple)):
        out["bootstrap.servers"] = ",".join(out["bootstrap.servers"])
    return out


def topic_settings(config: WorkerConfig, prefix: str) -> dict[str, str]:
    """Extra topic configs from ``<prefix>.<topic config>`` (Java's ``DistributedConfig.topicSettings``)."""
    result = {k: str(v) for k, v in config.originals_with_prefix(prefix).items() if v is not None}
    if prefix == "config.storage." and "partitions" in result:
        log.warning(
            "Ignoring '%spartitions=%s' setting, since config topic partitions is always 1",
            prefix,
            result["partitions"],
        )
    policy = result.pop("cleanup.policy", None)
    if policy is not None:
        log.warning("Ignoring '%scleanup.policy=%s' setting, since compaction is always used", prefix, policy)
    for suffix in ("topic", "replication.factor", "partitions"):
        result.pop(suffix, None)
    return result


# --- creation and checks ---------------------------------------------------------


@dataclass(frozen=True)
class InternalTopic:
    """An internal topic to create if missing: ``cleanup.policy=compact`` is always set."""

    name: str
    partitions: int
    replication_factor: int
    worker_config: str  # e.g. "offset.storage.topic", named in error messages
    purpose: str  # e.g. "source connector offsets", named in error messages
    settings: Mapping[str, str] = field(default_factory=dict)

    def spec(self) -> TopicSpec:
        config = dict(self.settings or {})
        config["cleanup.policy"] = "compact"
        return TopicSpec(self.name, self.partitions, self.replication_factor, config)


def _java_hash_order(items: Iterable[str]) -> list[str]:
    """The iteration order of a small ``java.util.HashSet`` of strings (16 buckets)."""

    def bucket(s: str) -> int:
        units = s.encode("utf-16-be")
        h = 0
        for i in range(0, len(units), 2):  # String.hashCode runs over UTF-16 code units
            h = (31 * h + int.from_bytes(units[i : i + 2], "big")) & 0xFFFFFFFF
        return (h ^ (h >> 16)) & 15

    return sorted(dict.fromkeys(items), key=bucket)


def cleanup_policy_message(topic: str, worker_config: str, purpose: str, found: Iterable[str]) -> str:
    """Java's ``TopicAdmin.verifyTopicCleanupPolicyOnlyCompact`` ConfigException text."""
    policy = ",".join(_java_hash_order(found))
    return (
        f"Topic '{topic}' supplied via the '{worker_config}' property is required to have "
        f"'cleanup.policy=compact' to guarantee consistency and durability of {purpose}, but found "
        f"the topic currently has 'cleanup.policy={policy}'. Continuing would likely result in eventually "
        f"losing {purpose} and problems restarting this Connect cluster in the future. Change the "
        f"'{worker_config}' property in the Connect worker configurations to use a topic with "
        f"'cleanup.policy=compact'."
    )


def _kafka_error(e: KafkaException) -> KafkaError | None:
    err = e.args[0] if e.args else None
    return err if isinstance(err, KafkaError) else None


def ensure_internal_topic(
    admin: TopicAdmin, topic: InternalTopic, timeout_s: float = 60.0, backoff_s: float = 0.1
) -> bool:
    """Create ``topic`` if missing; when it already existed, require ``cleanup.policy=compact``.

    Returns True when the topic was created. Raises ConfigException for a non-compacted topic and
    ConnectException when the topic can be neither created nor found.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            created = topic.name in admin.create_topics([topic.spec()])
            break
        except KafkaException as e:
            err = _kafka_error(e)
            code = err.code() if err is not None else None
            if code in _AUTHORIZATION_CODES:
                log.debug(
                    "Not authorized to create topic '%s'; assuming it exists or will be auto-created",
                    topic.name,
                )
                created = False
                break
            if code == KafkaError.INVALID_CONFIG:
                raise ConnectException(
                    f"Unable to create topic(s) '{topic.name}': {err.str() if err else e}"
                ) from e
            retriable = code in _CREATE_RETRY_CODES or (err is not None and err.retriable())
            if retriable and time.monotonic() + backoff_s < deadline:
                log.info(
                    "'%s' topic creation failed due to '%s', retrying", topic.name, err.str() if err else e
                )
                time.sleep(backoff_s)
                continue
            raise ConnectException(
                f"Error while attempting to create/find topic(s) '{topic.name}': {err.str() if err else e}"
            ) from e
    if created:
        log.info("Created topic '%s' (%s)", topic.name, topic.purpose)
        return True
    verify_cleanup_policy(admin, topic.name, topic.worker_config, topic.purpose)
    return False


def verify_cleanup_policy(admin: TopicAdmin, topic: str, worker_config: str, purpose: str) -> bool:
    """Raise ConfigException unless ``topic`` has exactly ``cleanup.policy=compact``; False when the
    policy could not be read (no permission)."""
    try:
        configs = admin.topic_configs(topic)
    except KafkaException as e:
        log.info(
            "Unable to use admin client to verify the cleanup policy of '%s' topic is 'compact' (%s)",
            topic,
            e,
        )
        return False
    raw = configs.get("cleanup.policy")
    if raw is None:
        return False
    policies = {p.strip().lower() for p in str(raw).split(",") if p.strip()}
    if not policies:
        return False
    if policies != {"compact"}:
        raise ConfigException(cleanup_policy_message(topic, worker_config, purpose, policies))
    return True
