"""A throughput throttle that never blocks a poll() for long (Kafka's ThroughputThrottler, reshaped)."""

from __future__ import annotations

import threading
import time

#: the longest a test task's poll() blocks, so stop() and pause take effect promptly
MAX_BLOCK_S = 0.1


class Throttle:
    """Keeps a sender at ``throughput`` records per second (negative: unlimited; 0: nothing)."""

    def __init__(
        self, throughput: float, stopping: threading.Event, max_block_s: float = MAX_BLOCK_S
    ) -> None:
        self.throughput = throughput
        self.stopping = stopping
        self.max_block_s = max_block_s
        self.start = time.monotonic()

    def ready(self, sent: int) -> bool:
        """Whether the next record may be sent, after ``sent`` since the start.

        Waits at most ``max_block_s`` (less if stop is requested); False means "not yet, poll again".
        """
        if self.throughput < 0:
            return True
        if self.throughput == 0:
            self.stopping.wait(self.max_block_s)
            return False
        due = self.start + sent / self.throughput
        delay = due - time.monotonic()
        if delay <= 0:
            return True
        if self.stopping.wait(min(delay, self.max_block_s)):
            return False
        return time.monotonic() >= due
