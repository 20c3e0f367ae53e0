"""The offsets REST operations: read, alter and reset a connector's offsets (Java's Worker offsets
methods and SinkUtils/OffsetUtils validation), for source (offset store) and sink (consumer group)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import orjson
from confluent_kafka import ConsumerGroupTopicPartitions, KafkaException, TopicPartition

from connectrt.kafka.clients import make_admin
from connectrt.model.entities import ConnectorOffset, ConnectorOffsets, Message
from connectrt.model.errors import BadRequestException, ConnectRestException
from connectrt.storage.offsets import OffsetBackingStore, offset_key

log = logging.getLogger(__name__)

KAFKA_TOPIC = "kafka_topic"
KAFKA_PARTITION = "kafka_partition"
KAFKA_OFFSET = "kafka_offset"


def stopped_message(name: str) -> str:
    return (
        "Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the "
        f"specified connector by issuing a 'PUT' request to the '/connectors/{name}/stop' endpoint"
    )


def success_message(altered: bool, handled_by_connector: bool) -> Message:
    verb = "altered" if altered else "reset"
    if handled_by_connector:
        return Message(f"The offsets for this connector have been {verb} successfully")
    return Message(
        f"The Connect framework-managed offsets for this connector have been {verb} successfully. However, if "
        f"this connector manages offsets externally, they will need to be manually {verb} in the system that the "
        "connector uses."
    )


def require_offsets(body_offsets: Any) -> list[dict[str, Any]]:
    if not body_offsets:
        raise BadRequestException("Partitions / offsets need to be provided for an alter offsets request")
    return list(body_offsets)


# --- source ----------------------------------------------------------------------------------


def source_offsets(store: OffsetBackingStore, name: str) -> ConnectorOffsets:
    partitions = store.connector_partitions(name)
    raw = store.get([offset_key(name, p) for p in partitions])
    out = []
    for p in partitions:
        v = raw.get(offset_key(name, p))
        if v is not None:
            out.append(ConnectorOffset(p, orjson.loads(v)))
    return ConnectorOffsets(out)


def _check_source_map(what: str, value: Any) -> None:
    if not isinstance(value, Mapping):
        raise BadRequestException(f"Source {what} must be a map (JSON object)")
    for k, v in value.items():
        if not isinstance(k, str):
            raise BadRequestException(f"Source {what} keys must be strings")
        if isinstance(v, (dict, list)):
            raise BadRequestException(
                f"Source {what} values must be primitives (strings, numbers, booleans or null); the value for "
                f"'{k}' is not"
            )


def alter_source_offsets(
    store: OffsetBackingStore, name: str, entries: list[dict[str, Any]]
) -> dict[bytes, bytes | None]:
    values: dict[bytes, bytes | None] = {}
    for entry in entries:
        partition = entry.get("partition")
        if partition is None:
            raise BadRequestException("Source partitions may not be null")
        _check_source_map("partition", partition)
        offset = entry.get("offset")
        if offset is not None:
            _check_source_map("offset", offset)
        values[offset_key(name, partition)] = orjson.dumps(offset) if offset is not None else None
    store.set(values).result(timeout=30)
    return values


def reset_source_offsets(store: OffsetBackingStore, name: str) -> None:
    partitions = store.connector_partitions(name)
    store.set({offset_key(name, p): None for p in partitions}).result(timeout=30)


# --- sink ------------------------------------------------------------------------------------


def _as_int(value: Any, message: str) -> int:
    if isinstance(value, bool):
        raise BadRequestException(message)
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise BadRequestException(message)


def parse_sink_offsets(entries: list[dict[str, Any]]) -> dict[tuple[str, int], int | None]:
    out: dict[tuple[str, int], int | None] = {}
    for entry in entries:
        partition = entry.get("partition")
        if not partition:
            raise BadRequestException("The partition for a sink connector offset cannot be null or missing")
        if KAFKA_TOPIC not in partition or KAFKA_PARTITION not in partition:
            raise BadRequestException(
                f"The partition for a sink connector offset must contain the keys '{KAFKA_TOPIC}' and "
                f"'{KAFKA_PARTITION}'"
            )
        topic = partition[KAFKA_TOPIC]
        if not isinstance(topic, str) or not topic:
            raise BadRequestException("Kafka topic names must be valid strings that may not be null or empty")
        p = _as_int(
            partition[KAFKA_PARTITION],
            "Failed to parse the following Kafka partition value in the provided offsets: '"
            f"{partition[KAFKA_PARTITION]}'. Partition values for sink connectors need to be integers.",
        )
        offset = entry.get("offset")
        if offset is None:
            out[(topic, p)] = None
            continue
        if not isinstance(offset, Mapping) or KAFKA_OFFSET not in offset:
            raise BadRequestException(
                f"The offset for a sink connector should either be null or contain the key '{KAFKA_OFFSET}'"
            )
        out[(topic, p)] = _as_int(
            offset[KAFKA_OFFSET],
            "Failed to parse the following Kafka offset value in the provided offsets: '"
            f"{offset[KAFKA_OFFSET]}'. Offset values for sink connectors need to be integers.",
        )
    return out


def zombie_sink_message(operation: str, connector: str) -> str:
    """Java's ``Worker`` message when a sink connector's consumer group still has live members."""
    return (
        f"Failed to {operation} consumer group offsets for connector {connector} either because its tasks "
        f"haven't stopped completely yet or the connector was resumed before the request to {operation} its "
        "offsets could be successfully completed. If the connector is in a stopped state, this operation can "
        "be safely retried. If it doesn't eventually succeed, the Connect cluster may need to be restarted to "
        "get rid of the zombie sink tasks."
    )


class SinkOffsets:
    """Consumer-group offsets of a sink connector (group ``connect-<name>`` unless overridden)."""

    def __init__(
        self, admin_props: Mapping[str, Any], group: str, timeout_s: float = 30.0, connector: str = ""
    ) -> None:
        self.admin_props = dict(admin_props)
        self.group = group
        self.timeout_s = timeout_s
        self.connector = connector

    def get(self) -> ConnectorOffsets:
        admin = make_admin(self.admin_props)
        fut = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(self.group)])[self.group]
        try:
            result = fut.result(timeout=self.timeout_s)
        except KafkaException as e:
            if "GROUP_ID_NOT_FOUND" in str(e):
                return ConnectorOffsets([])
            raise ConnectRestException(f"Failed to retrieve consumer group offsets for sink connector: {e}")
        out = [
            ConnectorOffset({KAFKA_TOPIC: tp.topic, KAFKA_PARTITION: tp.partition}, {KAFKA_OFFSET: tp.offset})
            for tp in sorted(result.topic_partitions or [], key=lambda t: (t.topic, t.partition))
            if tp.offset >= 0
        ]
        return ConnectorOffsets(out)

    def _ensure_no_members(self, operation: str) -> None:
        """Java's Worker fails an alter/reset (500) while the group still has members: tasks that
        have not stopped yet, or zombies. ``operation`` is "alter" or "reset"."""
        admin = make_admin(self.admin_props)
        fut = admin.describe_consumer_groups([self.group])[self.group]
        try:
            desc = fut.result(timeout=self.timeout_s)
        except KafkaException:
            return
        if desc.members:
            raise ConnectRestException(zombie_sink_message(operation, self.connector or self.group))

    def alter(self, offsets: Mapping[tuple[str, int], int | None]) -> None:
        self._ensure_no_members("alter")
        to_set = [TopicPartition(t, p, o) for (t, p), o in offsets.items() if o is not None]
        to_delete = [(t, p) for (t, p), o in offsets.items() if o is None]
        if to_set:
            admin = make_admin(self.admin_props)
            fut = admin.alter_consumer_group_offsets([ConsumerGroupTopicPartitions(self.group, to_set)])[
                self.group
            ]
            fut.result(timeout=self.timeout_s)
        if to_delete:
            self._delete_offsets(to_delete)

    def _delete_offsets(self, partitions: list[tuple[str, int]]) -> None:
        from kafka.admin import KafkaAdminClient
        from kafka.structs import TopicPartition as KTopicPartition

        from connectrt.kafka.python_client import kafka_python_client_configs

        client = KafkaAdminClient(**kafka_python_client_configs(self.admin_props))
        try:
            client.delete_group_offsets(self.group, [KTopicPartition(t, p) for t, p in partitions])
        finally:
            client.close()

    def reset(self) -> None:
        self._ensure_no_members("reset")
        admin = make_admin(self.admin_props)
        fut = admin.delete_consumer_groups([self.group], request_timeout=self.timeout_s)[self.group]
        try:
            fut.result(timeout=self.timeout_s)
        except KafkaException as e:
            if "GROUP_ID_NOT_FOUND" not in str(e):
                raise ConnectRestException(f"Failed to reset consumer group offsets for sink connector: {e}")
