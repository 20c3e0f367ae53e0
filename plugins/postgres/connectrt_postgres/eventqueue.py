"""The bounded queue between the database reader thread and ``poll()`` (Debezium's ChangeEventQueue).

It holds SourceRecords and runs of the native path (:class:`~connectrt_postgres.native_stream.NativeRun`),
and counts a run as the records it stands for: ``max.queue.size`` and ``max.batch.size`` are in records.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from connectrt.api.records import SourceRecord


def _weight(item: Any) -> int:
    """How many records an item of the queue stands for (a run: its length)."""
    return 1 if isinstance(item, SourceRecord) else len(item)


class ChangeEventQueue:
    def __init__(self, max_records: int) -> None:
        self.max_records = max_records
        self._batches: deque[tuple[list[Any], int]] = deque()  # (records and runs, how many records)
        self._size = 0
        self._cond = threading.Condition()
        self._closed = False

    def put(
        self, records: list[Any], stopped: threading.Event, on_wait: Callable[[], None] | None = None
    ) -> bool:
        """Add records (and runs), waiting while the queue is full (calling ``on_wait`` now and then, e.g. to
        keep a replication connection alive); False when ``stopped`` was set meanwhile."""
        if not records:
            return True
        size = sum(map(_weight, records))
        with self._cond:
            while self._size >= self.max_records and not stopped.is_set() and not self._closed:
                self._cond.wait(0.2)
                if on_wait is not None and self._size >= self.max_records:
                    self._cond.release()
                    try:
                        on_wait()
                    finally:
                        self._cond.acquire()
            if stopped.is_set() or self._closed:
                return False
            self._batches.append((records, size))
            self._size += size
            self._cond.notify_all()
            return True

    def poll(self, max_records: int, timeout_s: float) -> list[Any]:
        """Up to ``max_records`` records (a run counting as its records, split when it does not fit), waiting
        up to ``timeout_s`` for the first."""
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while not self._batches and not self._closed:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return []
                self._cond.wait(remaining)
            out: list[Any] = []
            taken = 0
            batches = self._batches
            while batches and taken < max_records:
                batch, weight = batches[0]
                if taken + weight <= max_records:
                    batches.popleft()
                    out += batch
                    taken += weight
                    continue
                before = taken
                rest: Any = None
                k, n = 0, len(batch)
                while k < n and taken < max_records:
                    item = batch[k]
                    w = _weight(item)
                    k += 1
                    if taken + w > max_records:  # a run: its head now, the rest stays first in line
                        head, rest = item.split(max_records - taken)
                        out.append(head)
                        taken += len(head)
                        break
                    out.append(item)
                    taken += w
                if k == n and rest is None:
                    batches.popleft()
                else:
                    left = batch[k:] if rest is None else [rest, *batch[k:]]
                    batches[0] = (left, weight - (taken - before))
            self._size -= taken
            self._cond.notify_all()
            return out

    def wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def __len__(self) -> int:
        return self._size
