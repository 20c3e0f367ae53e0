"""Process, REST and Kafka helpers of the CDC benchmark (run.py)."""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from _common import Worker, read_rss_kib
from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition

PREFIX = "cdcbench"  # every name the benchmark creates in PostgreSQL and Kafka starts with this


# --- process tree RSS --------------------------------------------------------------------------


def descendants(pid: int) -> list[int]:
    out: list[int] = []
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            tids = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for tid in tids:
            try:
                with open(f"/proc/{p}/task/{tid}/children") as f:
                    kids = [int(c) for c in f.read().split()]
            except (OSError, ValueError):
                continue
            out += kids
            todo += kids
    return out


class TreeRssSampler:
    """Peak RSS of a process and its descendants: max of the summed VmRSS (every ``interval_s``) and VmHWM."""

    def __init__(self, pid: int, interval_s: float = 0.1) -> None:
        self.pid = pid
        self.interval_s = interval_s
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"rss-{pid}", daemon=True)

    def start(self) -> TreeRssSampler:
        self._thread.start()
        return self

    def sample(self) -> None:
        rss, hwm = read_rss_kib(self.pid)
        total = rss + sum(read_rss_kib(c)[0] for c in descendants(self.pid))
        self.peak_kib = max(self.peak_kib, total, hwm)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval_s)

    def stop(self) -> int:
        self.sample()
        self._stop.set()
        self._thread.join(2)
        return self.peak_kib


# --- REST --------------------------------------------------------------------------------------


def rest(method: str, url: str, body: Any = None, timeout_s: float = 30.0) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout_s) as resp:
            raw = resp.read()
            return int(resp.status), json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return int(e.code), json.loads(raw) if raw else None
        except ValueError:
            return int(e.code), raw.decode(errors="replace")


# --- Kafka -------------------------------------------------------------------------------------


class EndOffsets:
    """The end offset of a 1-partition topic: the records acknowledged so far."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"{PREFIX}-watermarks"})
        self.tp = TopicPartition(topic, 0)

    def __call__(self) -> int:
        # A topic created a moment ago may not be in the broker's metadata yet: retry for a while.
        deadline = time.monotonic() + 30
        while True:
            try:
                return int(self.consumer.get_watermark_offsets(self.tp, timeout=10, cached=False)[1])
            except KafkaException as e:
                unknown = (KafkaError._UNKNOWN_PARTITION, KafkaError.UNKNOWN_TOPIC_OR_PART)
                if e.args[0].code() not in unknown or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def close(self) -> None:
        self.consumer.close()


def wait_for_count(
    count: Callable[[], int],
    target: int,
    worker: Worker,
    timeout_s: float,
    interval_s: float = 0.02,
    on_reach: dict[int, float] | None = None,
    check: Callable[[], None] | None = None,
) -> float:
    """Polls until ``count() >= target``; returns the perf_counter time it got there. Fails on a stall.

    ``on_reach`` maps intermediate counts to None-yet; each is set to the time the count first reached it.
    """
    last, last_change = -1, time.perf_counter()
    while True:
        n = count()
        now = time.perf_counter()
        if on_reach is not None:
            for mark in on_reach:
                if on_reach[mark] != on_reach[mark] and n >= mark:  # NaN: not reached yet
                    on_reach[mark] = now
        if n >= target:
            return now
        if check is not None:
            check()
        if n != last:
            last, last_change = n, now
        elif now - last_change > timeout_s:
            raise RuntimeError(
                f"{worker.label}: stuck at {n:,} of {target:,} records for {timeout_s:.0f} s:\n"
                f"{worker.tail()}"
            )
        if not worker.alive():
            raise RuntimeError(f"{worker.label} worker exited ({worker.returncode()}):\n{worker.tail()}")
        time.sleep(interval_s)
