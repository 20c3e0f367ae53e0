"""Debezium transaction metadata (``provide.transaction.metadata=true``).

Matches Debezium 3.6.1 (``TransactionMonitor``, ``TransactionContext``,
``AbstractTransactionStructMaker``, ``PostgresTransactionMonitor``), checked against recorded output
(``tests/data/debezium/transactions.jsonl``):

- a BEGIN record when a transaction starts and an END record when it commits, on topic
  ``<topic.prefix>.<topic.transaction>``, key ``TransactionMetadataKey{id}``, value
  ``TransactionMetadataValue{status, id, event_count, data_collections, ts_ms}``, no headers;
- every data event's ``transaction`` block: ``{id, total_order, data_collection_order}`` (1-based);
- the id is ``"<xid>:<lsn>"`` where the LSN is the connector's position when the struct is made:
  the BEGIN frame's LSN for BEGIN, the change's LSN for a data event, the commit LSN for END (so
  the three differ; Debezium's ``PostgresTransactionMonitor.adjustTxId``);
- ``ts_ms`` is the commit time; ``data_collections`` lists ``schema.table`` counts in Java HashMap
  order; ``event_count`` and ``data_collections`` are null in BEGIN;
- the offsets of streamed records carry ``transaction_id`` (the bare xid) and
  ``transaction_data_collection_order_<schema.table>`` counts while a transaction is open (END's
  offset still has them); a restart inside a transaction continues its counters and emits no
  second BEGIN.

Tombstones are not counted and share the delete's offset. A transactional logical-decoding message
counts under ``LOGICAL_DECODING_MESSAGE`` (Debezium names it by an object's default Java
``toString()``, which changes from run to run). The monitor is a :class:`StreamProcessor`
subclass, so with the feature off (the default) the stream pays nothing for it.
"""

from __future__ import annotations

from typing import Any

from connectrt.api.data import Schema, SchemaBuilder
from connectrt.api.records import SourceRecord

from connectrt_postgres.offsets import java_ordered
from connectrt_postgres.pgoutput import Begin, Commit, Delete, Insert, LogicalMessage, Truncate, Update
from connectrt_postgres.schemas import TRANSACTION_SCHEMA, TableSchema, adjust_name, make_struct, topic_name
from connectrt_postgres.streaming import StreamProcessor
from connectrt_postgres.types import java_hashmap_order

OFFSET_TRANSACTION_ID = "transaction_id"
OFFSET_COUNT_PREFIX = "transaction_data_collection_order_"
MESSAGE_COLLECTION = "LOGICAL_DECODING_MESSAGE"

_BLOCK_FIELDS = ("id", "total_order", "data_collection_order")
_VALUE_FIELDS = ("status", "id", "event_count", "data_collections", "ts_ms")

EVENT_COUNT_SCHEMA: Schema = (
    SchemaBuilder.struct()
    .name("event.collection")
    .version(1)
    .optional()
    .field("data_collection", Schema.STRING_SCHEMA)
    .field("event_count", Schema.INT64_SCHEMA)
    .build()
)


def transaction_schemas(name_adjustment: str = "none") -> tuple[Schema, Schema]:
    """The TransactionMetadataKey and TransactionMetadataValue schemas."""
    key = (
        SchemaBuilder.struct()
        .name(adjust_name("io.debezium.connector.common.TransactionMetadataKey", name_adjustment, True))
        .version(1)
        .field("id", Schema.STRING_SCHEMA)
        .build()
    )
    value = (
        SchemaBuilder.struct()
        .name(adjust_name("io.debezium.connector.common.TransactionMetadataValue", name_adjustment, True))
        .version(1)
        .field("status", Schema.STRING_SCHEMA)
        .field("id", Schema.STRING_SCHEMA)
        .field("event_count", Schema.OPTIONAL_INT64_SCHEMA)
        .field("data_collections", SchemaBuilder.array(EVENT_COUNT_SCHEMA).optional().build())
        .field("ts_ms", Schema.INT64_SCHEMA)
        .build()
    )
    return key, value


class TransactionContext:
    """The open transaction: its xid and event counts per data collection (Debezium's
    ``TransactionContext``), stored in and restored from the source offset."""

    __slots__ = ("counts", "total", "xid")

    def __init__(self) -> None:
        self.xid: str | None = None
        self.counts: dict[str, int] = {}
        self.total = 0

    @classmethod
    def load(cls, offset: dict[str, Any] | None) -> TransactionContext:
        context = cls()
        if not offset:
            return context
        xid = offset.get(OFFSET_TRANSACTION_ID)
        context.xid = str(xid) if xid is not None else None
        for key, value in offset.items():
            if key.startswith(OFFSET_COUNT_PREFIX) and isinstance(value, int):
                context.counts[key[len(OFFSET_COUNT_PREFIX) :]] = value
        context.total = sum(context.counts.values())
        return context

    def begin(self, xid: str) -> None:
        self.xid = xid
        self.counts = {}
        self.total = 0

    def end(self) -> None:
        self.xid = None
        self.counts = {}
        self.total = 0

    def event(self, collection: str) -> int:
        self.total += 1
        order = self.counts.get(collection, 0) + 1
        self.counts[collection] = order
        return order

    def store(self, offset: dict[str, Any]) -> dict[str, Any]:
        """``offset`` with this context's keys, in Java HashMap order like the rest of the map."""
        if self.xid is None and not self.counts:
            return offset
        out = dict(offset)
        if self.xid is not None:
            out[OFFSET_TRANSACTION_ID] = self.xid
        for collection, count in self.counts.items():
            out[OFFSET_COUNT_PREFIX + collection] = count
        return java_ordered(out)


class TransactionalStreamProcessor(StreamProcessor):
    """A StreamProcessor that also emits BEGIN/END records and fills the ``transaction`` blocks."""

    def configure_transactions(
        self, topic_suffix: str, delimiter: str, name_adjustment: str, stored: dict[str, Any] | None
    ) -> None:
        self.tx_topic = topic_name(self.events.settings.prefix, topic_suffix, delimiter=delimiter)
        self.tx_key_schema, self.tx_value_schema = transaction_schemas(name_adjustment)
        self.tx = TransactionContext.load(stored)
        self.tx_skipping = False

    # --- records ---------------------------------------------------------------------------------
    def _tx_id(self) -> str:
        return f"{self.tx.xid}:{self.offset.lsn}"

    def _tx_record(self, status: str, event_count: int | None, collections: list[Any] | None) -> SourceRecord:
        tx_id = self._tx_id()
        key = make_struct(self.tx_key_schema, ("id",), (tx_id,))
        value = make_struct(
            self.tx_value_schema,
            _VALUE_FIELDS,
            (status, tx_id, event_count, collections, self.commit_ts // 1000),
        )
        return SourceRecord(
            self.events.partition,
            self.tx.store(self.offset.to_dict()),
            self.tx_topic,
            None,
            self.tx_key_schema,
            key,
            self.tx_value_schema,
            value,
        )

    def _tag(self, records: list[SourceRecord], collection: str) -> None:
        """Count the events among ``records`` (just appended) and fill their transaction blocks."""
        tx = self.tx
        if tx.xid is None:
            return
        offset: dict[str, Any] | None = None
        for record in records:
            value = record.value
            if value is None:  # a tombstone: the delete's offset, not counted
                if offset is not None:
                    record.source_offset = offset
                continue
            order = tx.event(collection)
            block = make_struct(TRANSACTION_SCHEMA, _BLOCK_FIELDS, (self._tx_id(), tx.total, order))
            dict.__setitem__(value, "transaction", block)
            offset = tx.store(self.offset.to_dict())
            record.source_offset = offset

    # --- StreamProcessor hooks -------------------------------------------------------------------
    def _begin(self, msg: Begin, lsn: int, out: list[SourceRecord]) -> None:
        super()._begin(msg, lsn, out)
        self.tx_skipping = self.resume is not None and self.resume.skipping_txn
        if self.tx_skipping:
            return
        self._position(lsn, "BEGIN")
        xid = str(msg.xid)
        if self.tx.xid == xid:
            return  # restored from the offset: a restart inside this transaction continues its counters
        self.tx.begin(xid)
        out.append(self._tx_record("BEGIN", None, None))

    def _commit(self, msg: Commit, lsn: int, out: list[SourceRecord]) -> None:
        if self.tx_skipping:
            self.tx_skipping = False
            super()._commit(msg, lsn, out)
            return
        start = len(out)
        super()._commit(msg, lsn, out)
        if self.tx.xid is not None:
            counts = self.tx.counts
            collections = [
                make_struct(EVENT_COUNT_SCHEMA, ("data_collection", "event_count"), (name, counts[name]))
                for name in java_hashmap_order(list(counts))
            ]
            out.insert(start, self._tx_record("END", self.tx.total, collections))  # before the heartbeat
        self.tx.end()

    def _insert(self, ts: TableSchema, msg: Insert, lsn: int, out: list[SourceRecord]) -> None:
        start = len(out)
        super()._insert(ts, msg, lsn, out)
        self._tag(out[start:], ts.table.id.schema + "." + ts.table.id.table)

    def _update(self, ts: TableSchema, msg: Update, lsn: int, out: list[SourceRecord]) -> None:
        start = len(out)
        super()._update(ts, msg, lsn, out)
        self._tag(out[start:], ts.table.id.schema + "." + ts.table.id.table)

    def _delete(self, ts: TableSchema, msg: Delete, lsn: int, out: list[SourceRecord]) -> None:
        start = len(out)
        super()._delete(ts, msg, lsn, out)
        self._tag(out[start:], ts.table.id.schema + "." + ts.table.id.table)

    def _truncate(self, msg: Truncate, lsn: int, out: list[SourceRecord]) -> None:
        start = len(out)
        super()._truncate(msg, lsn, out)
        for record in out[start:]:
            source = record.value["source"]
            self._tag([record], f"{source['schema']}.{source['table']}")

    def idle(self, out: list[SourceRecord]) -> None:
        """A heartbeat inside a transaction carries its context too (Debezium's offset does)."""
        start = len(out)
        super().idle(out)
        if self.tx.xid is not None:
            for record in out[start:]:
                record.source_offset = self.tx.store(dict(record.source_offset or {}))

    def _message(self, msg: LogicalMessage, lsn: int, out: list[SourceRecord]) -> None:
        start = len(out)
        super()._message(msg, lsn, out)
        if msg.transactional:
            self._tag(out[start:], MESSAGE_COLLECTION)
