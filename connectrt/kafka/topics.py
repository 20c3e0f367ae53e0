"""Topic administration helpers: create topics, describe them, read the cluster id."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

from connectrt.kafka.clients import security_error

log = logging.getLogger(__name__)


@dataclass
class TopicSpec:
    name: str
    partitions: int = -1
    replication_factor: int = -1
    config: dict[str, str] = field(default_factory=dict)


class TopicAdmin:
    """A thin wrapper over confluent-kafka's AdminClient (Java's TopicAdmin)."""

    def __init__(
        self, admin: AdminClient, timeout_s: float = 30.0, create_retry_timeout_s: float = 60.0
    ) -> None:
        self.admin = admin
        self.timeout_s = timeout_s
        # How long creating an internal topic is retried (Java: the worker's default.api.timeout.ms).
        self.create_retry_timeout_s = create_retry_timeout_s

    def cluster_id(self) -> str | None:
        try:
            md = self.admin.describe_cluster(request_timeout=self.timeout_s).result(timeout=self.timeout_s)
        except (KafkaException, TimeoutError) as e:
            cause = security_error(self.admin)
            if cause is not None:  # the broker refused the TLS handshake or the credentials: say so
                raise KafkaException(f"{cause}; check security.protocol, sasl.* and ssl.*") from e
            raise
        return md.cluster_id

    def existing(self, names: Iterable[str]) -> set[str]:
        md = self.admin.list_topics(timeout=self.timeout_s)
        return {n for n in names if n in md.topics and md.topics[n].error is None}

    def partition_count(self, name: str) -> int | None:
        md = self.admin.list_topics(topic=name, timeout=self.timeout_s)
        t = md.topics.get(name)
        if t is None or t.error is not None:
            return None
        return len(t.partitions)

    def create_topics(self, specs: Iterable[TopicSpec]) -> set[str]:
        """Create the topics that do not exist; return the names actually created."""
        new = [
            NewTopic(
                s.name, num_partitions=s.partitions, replication_factor=s.replication_factor, config=s.config
            )
            for s in specs
        ]
        if not new:
            return set()
        created: set[str] = set()
        futures = self.admin.create_topics(
            new, operation_timeout=self.timeout_s, request_timeout=self.timeout_s
        )
        for name, fut in futures.items():
            try:
                fut.result(timeout=self.timeout_s)
                created.add(name)
            except KafkaException as e:
                err: KafkaError = e.args[0]
                if err.code() == KafkaError.TOPIC_ALREADY_EXISTS:
                    continue
                raise
        return created

    def topic_configs(self, name: str) -> Mapping[str, Any]:
        res = ConfigResource(ConfigResource.Type.TOPIC, name)
        fut = self.admin.describe_configs([res], request_timeout=self.timeout_s)[res]
        entries = fut.result(timeout=self.timeout_s)
        return {k: v.value for k, v in entries.items()}
