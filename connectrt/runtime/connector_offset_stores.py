"""The offset stores of a source task whose connector names its own offsets topic
(``offsets.storage.topic``, distributed mode): the worker builds them with Java Worker's rules
(the connector's topic on the cluster its producer writes to, the worker's topic behind it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from connectrt.config.worker_config import WorkerConfig
from connectrt.kafka.clients import make_admin
from connectrt.kafka.topics import TopicAdmin
from connectrt.model.entities import ConnectorTaskId
from connectrt.storage.connector_offsets import ConnectorOffsetBackingStore
from connectrt.storage.kafka_offsets import KafkaOffsetBackingStore
from connectrt.storage.offsets import OffsetBackingStore


class WorkerClients(Protocol):
    """What building a task's offset stores needs of the Worker: its config, its global offset store
    and the client settings it gives a task's producer and admin client."""

    @property
    def config(self) -> WorkerConfig: ...

    @property
    def offset_store(self) -> OffsetBackingStore: ...

    def producer_props(self, conn: Mapping[str, str], task_id: ConnectorTaskId) -> dict[str, Any]: ...

    def admin_props(self, conn: Mapping[str, str]) -> dict[str, Any]: ...


_CONNECTION_PREFIXES = ("security.", "sasl.", "ssl.", "client.dns.lookup")


def connector_offsets_topic_store(
    worker: WorkerClients,
    conn: Mapping[str, str],
    task_id: ConnectorTaskId,
    *,
    exactly_once: bool,
    producer_props: Mapping[str, Any] | None = None,
    read_only: bool | None = None,
) -> tuple[str, KafkaOffsetBackingStore | None]:
    """The connector's offsets topic and, when it is not the worker's global topic on the worker's
    cluster, a (not yet started) store for it on the connector's cluster. ``offsets.storage.topic``
    names it (default: the worker's ``offset.storage.topic``); the cluster is the one the connector's
    producer writes to (``producer.override.bootstrap.servers``). The topic is created when missing,
    with the worker's ``offset.storage.*`` partitions and replication factor. With exactly-once
    support the store reads with ``read_committed`` and, unless ``read_only=False``, only reads: the
    task's transactional producer writes."""
    config = worker.config
    props = dict(producer_props) if producer_props is not None else worker.producer_props(conn, task_id)
    worker_topic = str(config.get("offset.storage.topic") or "")
    topic = str(conn.get("offsets.storage.topic") or "").strip() or worker_topic
    same_cluster = str(props.get("bootstrap.servers")) == config.bootstrap_servers
    if topic == worker_topic and same_cluster:
        return topic, None
    client = {
        k: v for k, v in props.items() if k == "bootstrap.servers" or k.startswith(_CONNECTION_PREFIXES)
    }
    store = KafkaOffsetBackingStore(
        topic,
        client,
        TopicAdmin(make_admin(worker.admin_props(conn))),
        partitions=int(config.get("offset.storage.partitions")),
        replication_factor=int(config.get("offset.storage.replication.factor")),
        client_id=f"connector-offsets-{task_id}",
        exactly_once=exactly_once,
        read_only=exactly_once if read_only is None else read_only,
    )
    return topic, store


def regular_task_offset_store(
    worker: WorkerClients, conn: Mapping[str, str], task_id: ConnectorTaskId
) -> ConnectorOffsetBackingStore | None:
    """For a source task without exactly-once support in distributed mode: the connector's own
    offsets topic (started) in front of the worker's, or None when it has none."""
    if not str(conn.get("offsets.storage.topic") or "").strip():
        return None
    _, store = connector_offsets_topic_store(worker, conn, task_id, exactly_once=False)
    if store is None:
        return None
    combined = ConnectorOffsetBackingStore(store, worker.offset_store)
    combined.start()
    return combined
