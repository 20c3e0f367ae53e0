"""librdkafka's log lines through Python logging.

Without a ``logger`` setting, librdkafka prints every line to stderr from its own threads (an
unreachable broker gives about 20 ``FAIL`` lines a second). Every client made by
:mod:`connectrt.kafka.clients` gets :data:`LIBRDKAFKA_LOG` instead: lines go to the Python logger
``librdkafka`` (so the worker's format, level and secret redaction apply), connection failures as
WARNING (Java's clients log them as WARN), and a line a client repeats is logged once per
:attr:`LibrdkafkaLog.REPEAT_S` seconds, with the count of the repeats left out.

confluent-kafka hands a client's log lines to its ``logger`` when the client is polled.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from typing import Any

LOGGER_NAME = "librdkafka"

# The varying tail of a librdkafka connection error: "(after 0ms in state CONNECT)",
# "(after 3ms in state APIVERSION_QUERY, 4 identical error(s) suppressed)".
_VARYING = re.compile(r"\s*\(after \d+ms in state [A-Z_]+(, \d+ identical error\(s\) suppressed)?\)")
# librdkafka facilities that report a failed connection or request to a broker.
_CONNECTION_FACILITIES = frozenset({"FAIL", "REQTMOUT", "BROKERFAIL", "ERROR"})


def without_noise(text: str) -> str:
    """A librdkafka message without its varying ``(after Nms in state X)`` part."""
    return _VARYING.sub("", text)


class LibrdkafkaLog:
    """The object confluent-kafka's ``logger`` setting calls (``log(level, fmt, *args)``)."""

    REPEAT_S = 60.0
    MAX_KEYS = 1000

    def __init__(self, logger: logging.Logger, quiet: bool = False) -> None:
        self.logger = logger
        self.quiet = quiet  # every line at DEBUG: for clients whose failures the caller reports itself
        self._lock = threading.Lock()
        self._last: dict[tuple[str, str, str], list[float | int]] = {}

    def log(self, level: int, fmt: str, *args: Any) -> None:
        if len(args) != 3:  # not the (facility, client name, message) confluent-kafka passes
            self.logger.log(logging.DEBUG if self.quiet else level, fmt, *args)
            return
        facility, client, message = (str(a) for a in args)
        if self.quiet:
            level = logging.DEBUG
        elif level >= logging.ERROR and facility in _CONNECTION_FACILITIES:
            level = logging.WARNING
        if not self.logger.isEnabledFor(level):
            return
        text = without_noise(message)
        key = (client, facility, text)
        now = time.monotonic()
        with self._lock:
            seen = self._last.get(key)
            if seen is not None and now - seen[0] < self.REPEAT_S:
                seen[1] = int(seen[1]) + 1
                return
            repeats = int(seen[1]) if seen is not None else 0
            if len(self._last) >= self.MAX_KEYS:
                self._last.clear()
            self._last[key] = [now, 0]
        if repeats:
            self.logger.log(
                level,
                "%s [%s] %s (%d more time(s) in the last %.0f s)",
                facility,
                client,
                text,
                repeats,
                self.REPEAT_S,
            )
        else:
            self.logger.log(level, "%s [%s] %s", facility, client, text)


#: Every client's logger.
LIBRDKAFKA_LOG = LibrdkafkaLog(logging.getLogger(LOGGER_NAME))
#: For probes whose failure the caller reports in its own words (the start-up cluster id lookup).
QUIET_LIBRDKAFKA_LOG = LibrdkafkaLog(logging.getLogger(LOGGER_NAME), quiet=True)
