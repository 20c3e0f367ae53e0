"""The bounded queue between the reader thread and poll()."""

from __future__ import annotations

import threading
import time

import pytest
from connectrt.api.records import SourceRecord

from connectrt_postgres.eventqueue import ChangeEventQueue

pytestmark = pytest.mark.unit


def _records(n: int) -> list[SourceRecord]:
    return [SourceRecord({"p": 1}, {"o": i}, "t") for i in range(n)]


def test_poll_takes_up_to_max_across_batches() -> None:
    q = ChangeEventQueue(100)
    stop = threading.Event()
    assert q.put(_records(3), stop) and q.put(_records(4), stop)
    got = q.poll(5, 0.1)
    assert [r.source_offset["o"] for r in got] == [0, 1, 2, 0, 1]  # type: ignore[index]
    assert len(q) == 2
    assert len(q.poll(5, 0.1)) == 2
    assert q.poll(5, 0.05) == []


def test_a_full_queue_blocks_the_writer_and_keeps_it_alive() -> None:
    q = ChangeEventQueue(5)
    stop = threading.Event()
    q.put(_records(5), stop)
    calls: list[float] = []
    done = threading.Event()

    def writer() -> None:
        q.put(_records(2), stop, on_wait=lambda: calls.append(time.monotonic()))
        done.set()

    threading.Thread(target=writer, daemon=True).start()
    time.sleep(0.6)
    assert not done.is_set() and calls
    assert len(q.poll(10, 0.1)) == 5
    assert done.wait(2)
    assert len(q) == 2


def test_stop_releases_a_blocked_writer() -> None:
    q = ChangeEventQueue(1)
    stop = threading.Event()
    q.put(_records(1), stop)
    result: list[bool] = []
    t = threading.Thread(target=lambda: result.append(q.put(_records(1), stop)), daemon=True)
    t.start()
    stop.set()
    t.join(2)
    assert result == [False]
