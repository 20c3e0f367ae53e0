"""A source connector's own offsets topic in front of the worker's global one (Java's
ConnectorOffsetBackingStore), for connectors with ``offsets.storage.topic`` in distributed mode.

Reads look in the connector's topic first and fall back to the worker's for partitions it has no
offset for; writes go to the connector's topic, then to the worker's (spec/connect.md §2.2).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

import orjson

from connectrt.model.entities import ConnectorTaskId
from connectrt.storage.offsets import Callback, OffsetBackingStore

if TYPE_CHECKING:
    from connectrt.runtime.worker import Worker
    from connectrt.storage.kafka_offsets import KafkaOffsetBackingStore

log = logging.getLogger(__name__)


class ConnectorOffsetBackingStore(OffsetBackingStore):
    """``primary`` is the connector's store (started and stopped with this one); ``secondary`` the
    worker's global store (owned by the worker)."""

    def __init__(self, primary: OffsetBackingStore, secondary: OffsetBackingStore | None) -> None:
        self.primary = primary
        self.secondary = secondary

    def start(self) -> None:
        self.primary.start()

    def stop(self) -> None:
        self.primary.stop()

    def get(self, keys: Sequence[bytes]) -> dict[bytes, bytes | None]:
        out = self.primary.get(keys)
        missing = [k for k in keys if out.get(k) is None]
        if missing and self.secondary is not None:
            out.update({k: v for k, v in self.secondary.get(missing).items() if v is not None})
        return out

    def set(self, values: Mapping[bytes, bytes | None], callback: Callback | None = None) -> Future[None]:
        """Write to the connector's topic, then to the worker's; done when both are (a failure of the
        second write is logged, not reported: the connector's topic is the one its tasks read first)."""
        done: Future[None] = Future()
        secondary = self.secondary

        def finish(error: BaseException | None) -> None:
            if error is None:
                done.set_result(None)
            else:
                done.set_exception(error)
            if callback is not None:
                callback(error)

        def secondary_done(error: BaseException | None) -> None:
            if error is not None:
                log.warning("Failed to write offsets to the worker's global offsets topic: %s", error)
            finish(None)

        def after_primary(error: BaseException | None) -> None:
            if error is not None or secondary is None:
                finish(error)
                return
            try:
                secondary.set(values, secondary_done)
            except Exception as e:
                secondary_done(e)

        self.primary.set(values, after_primary)
        return done

    def connector_partitions(self, connector: str) -> list[dict[str, Any]]:
        seen: dict[bytes, dict[str, Any]] = {}
        for store in (self.primary, self.secondary):
            if store is None:
                continue
            for p in store.connector_partitions(connector):
                seen.setdefault(orjson.dumps(p, option=orjson.OPT_SORT_KEYS), p)
        return list(seen.values())


_CONNECTION_PREFIXES = ("security.", "sasl.", "ssl.", "client.dns.lookup")


def connector_offsets_topic_store(
    worker: Worker, conn: Mapping[str, str], task_id: ConnectorTaskId, *, exactly_once: bool,
    producer_props: Mapping[str, Any] | None = None, read_only: bool | None = None,
) -> tuple[str, KafkaOffsetBackingStore | None]:
    """The connector's offsets topic and, when it is not the worker's global topic on the worker's
    cluster, a (not yet started) store for it on the connector's cluster. ``offsets.storage.topic``
    names it (default: the worker's ``offset.storage.topic``); the cluster is the one the connector's
    producer writes to (``producer.override.bootstrap.servers``). The topic is created when missing,
    with the worker's ``offset.storage.*`` partitions and replication factor. With exactly-once
    support the store reads with ``read_committed`` and, unless ``read_only=False``, only reads: the
    task's transactional producer writes."""
    from connectrt.kafka.clients import make_admin
    from connectrt.kafka.topics import TopicAdmin
    from connectrt.storage.kafka_offsets import KafkaOffsetBackingStore

    config = worker.config
    props = dict(producer_props) if producer_props is not None else worker._producer_props(conn, task_id)
    worker_topic = str(config.get("offset.storage.topic") or "")
    topic = str(conn.get("offsets.storage.topic") or "").strip() or worker_topic
    same_cluster = str(props.get("bootstrap.servers")) == config.bootstrap_servers
    if topic == worker_topic and same_cluster:
        return topic, None
    client = {k: v for k, v in props.items() if k == "bootstrap.servers" or k.startswith(_CONNECTION_PREFIXES)}
    store = KafkaOffsetBackingStore(
        topic, client, TopicAdmin(make_admin(worker._admin_props(conn))),
        partitions=int(config.get("offset.storage.partitions")),
        replication_factor=int(config.get("offset.storage.replication.factor")),
        client_id=f"connector-offsets-{task_id}", exactly_once=exactly_once,
        read_only=exactly_once if read_only is None else read_only,
    )
    return topic, store


def regular_task_offset_store(
    worker: Worker, conn: Mapping[str, str], task_id: ConnectorTaskId
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
