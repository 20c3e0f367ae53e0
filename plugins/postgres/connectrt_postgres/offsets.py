"""Source offsets in Debezium's form, and where a restarted stream resumes.

The partition is ``{"server": <topic.prefix>}``. The offset map has Debezium's keys (``lsn``,
``txId``, ``ts_usec``, ``lsn_proc``, ``lsn_commit``, ``messageType``, and while a snapshot runs
``snapshot``, ``last_snapshot_record``, ``snapshot_completed``), in the order a Java HashMap
iterates them, so offsets written by Java Debezium resume here and the other way round.
``lsn_events_processed`` (Debezium 3.7) counts events already emitted at the same LSN.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from connectrt_postgres.types import java_hashmap_order

_ORDER_CACHE: dict[tuple[str, ...], tuple[str, ...]] = {}


def java_ordered(values: dict[str, Any]) -> dict[str, Any]:
    keys = tuple(values)
    order = _ORDER_CACHE.get(keys)
    if order is None:
        order = tuple(java_hashmap_order(list(keys)))
        _ORDER_CACHE[keys] = order
    return {k: values[k] for k in order}


DML_TYPES = ("INSERT", "UPDATE", "DELETE", "TRUNCATE", "MESSAGE")


def _int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return None


@dataclass
class OffsetState:
    """The connector's position: what each emitted record's offset says."""

    lsn: int | None = None
    tx_id: int | None = None
    ts_usec: int | None = None
    lsn_proc: int | None = None
    lsn_commit: int | None = None
    message_type: str | None = None
    events_at_lsn: int = 0
    xmin: int | None = None
    snapshot: str | None = None  # "INITIAL" while an initial snapshot runs
    last_snapshot_record: bool = False
    snapshot_completed: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, offset: dict[str, Any] | None) -> OffsetState | None:
        if not offset:
            return None
        lsn_proc = _int(offset.get("lsn_proc"))
        lsn_commit = _int(offset.get("lsn_commit"))
        snapshot = offset.get("snapshot")
        if snapshot is True or snapshot == "true":
            snapshot = "INITIAL"
        return cls(
            lsn=_int(offset.get("lsn")),
            tx_id=_int(offset.get("txId")),
            ts_usec=_int(offset.get("ts_usec")),
            lsn_proc=lsn_proc,
            lsn_commit=lsn_commit if lsn_commit is not None else lsn_proc,
            message_type=offset.get("messageType") if isinstance(offset.get("messageType"), str) else None,
            events_at_lsn=_int(offset.get("lsn_events_processed")) or 0,
            xmin=_int(offset.get("xmin")),
            snapshot=snapshot if isinstance(snapshot, str) else None,
            last_snapshot_record=bool(offset.get("last_snapshot_record", False)),
            snapshot_completed=bool(offset.get("snapshot_completed", False)),
        )

    @property
    def snapshot_in_progress(self) -> bool:
        """An initial snapshot started but never finished (so it must be redone)."""
        return self.snapshot is not None and not self.last_snapshot_record and not self.snapshot_completed

    def to_dict(self) -> dict[str, Any]:
        if (
            self.snapshot is None
            and self.xmin is None
            and self.events_at_lsn <= 1
            and self.lsn_proc is not None
            and self.message_type is not None
            and self.tx_id is not None
            and self.lsn is not None
            and self.ts_usec is not None
        ):
            # The usual streaming offsets, already in Java HashMap order.
            if self.lsn_commit is not None:
                return {
                    "lsn_proc": self.lsn_proc,
                    "messageType": self.message_type,
                    "lsn_commit": self.lsn_commit,
                    "lsn": self.lsn,
                    "txId": self.tx_id,
                    "ts_usec": self.ts_usec,
                }
            return {
                "lsn_proc": self.lsn_proc,
                "messageType": self.message_type,
                "lsn": self.lsn,
                "txId": self.tx_id,
                "ts_usec": self.ts_usec,
            }
        out: dict[str, Any] = {}
        if self.ts_usec is not None:
            out["ts_usec"] = self.ts_usec
        if self.tx_id is not None:
            out["txId"] = self.tx_id
        if self.lsn is not None:
            out["lsn"] = self.lsn
        if self.xmin is not None:
            out["xmin"] = self.xmin
        if self.snapshot is not None:
            out["snapshot"] = self.snapshot
            out["last_snapshot_record"] = self.last_snapshot_record
            out["snapshot_completed"] = self.snapshot_completed
        if self.lsn_proc is not None:
            out["lsn_proc"] = self.lsn_proc
        if self.lsn_commit is not None:
            out["lsn_commit"] = self.lsn_commit
        if self.message_type is not None:
            out["messageType"] = self.message_type
        if self.events_at_lsn > 1:
            out["lsn_events_processed"] = self.events_at_lsn
        return java_ordered(out)

    def sequence(self) -> str:
        """source.sequence: ``["<lsn_commit>","<lsn>"]`` as decimal strings (or null)."""
        commit = "null" if self.lsn_commit is None else f'"{self.lsn_commit}"'
        lsn = "null" if self.lsn is None else f'"{self.lsn}"'
        return f"[{commit},{lsn}]"

    @property
    def start_lsn(self) -> int | None:
        """Where START_REPLICATION begins for this offset (Debezium: lsn_proc, else lsn)."""
        return self.lsn_proc if self.lsn_proc is not None else self.lsn


class ResumeFilter:
    """Skips what an earlier run already emitted when streaming restarts from an offset.

    Transactions arrive in commit order. A transaction whose commit record lies before the stored
    ``lsn_commit`` was completely emitted; in the transaction the offset stopped in (same xid,
    last message a change), changes up to the stored ``lsn`` were emitted - at that very LSN only
    ``lsn_events_processed`` of them when known (COPY writes many rows at one LSN), else all.
    Once a later transaction begins, nothing more is skipped.
    """

    def __init__(self, offset: OffsetState) -> None:
        self.commit_lsn = offset.lsn_commit
        self.partial_xid = (
            offset.tx_id if offset.message_type in DML_TYPES and offset.lsn_proc is not None else None
        )
        self.partial_lsn = offset.lsn if offset.lsn is not None else -1
        self.partial_count = offset.events_at_lsn
        self.active = offset.lsn_proc is not None or offset.lsn_commit is not None
        self.skipping_txn = False
        self.in_partial = False
        self.seen_at_lsn = 0

    def begin(self, final_lsn: int, xid: int) -> None:
        """A transaction starts; ``final_lsn`` is its commit record's LSN."""
        if not self.active:
            return
        self.seen_at_lsn = 0
        if self.commit_lsn is not None and final_lsn < self.commit_lsn:
            self.skipping_txn = True
            self.in_partial = False
            return
        self.skipping_txn = False
        if self.partial_xid is not None and xid == self.partial_xid:
            self.in_partial = True
            return
        self.in_partial = False
        self.active = False  # a transaction that was never started: everything from here is new

    def skip_change(self, lsn: int) -> bool:
        """Whether the change at ``lsn`` in the current transaction was already emitted."""
        if not self.active:
            return False
        if self.skipping_txn:
            return True
        if not self.in_partial:
            return False
        if lsn < self.partial_lsn:
            return True
        if lsn == self.partial_lsn:
            self.seen_at_lsn += 1
            if self.partial_count <= 0 or self.seen_at_lsn <= self.partial_count:
                return True
        self.in_partial = False
        self.active = False
        return False

    def skip_commit(self, end_lsn: int) -> bool:
        """Whether this COMMIT closes an already-emitted transaction (then nothing is dispatched)."""
        if not self.active:
            return False
        if self.skipping_txn:
            self.skipping_txn = False
            return True
        if self.in_partial:
            # Every change of the partial transaction had been emitted; its commit had not.
            self.in_partial = False
            self.active = False
        return False
