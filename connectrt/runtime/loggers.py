"""Worker log levels for ``/admin/loggers``, mapped onto Python's :mod:`logging` (Java's ``Loggers``).

Levels use Java's names: TRACE, DEBUG, INFO, WARN, ERROR, FATAL, OFF (and ALL), case-insensitive
on input. Python levels map as TRACE=5, DEBUG=10, INFO=20, WARN=30 (WARNING), ERROR=40,
FATAL=50 (CRITICAL), OFF=a level above every message, ALL=1.

Behaviour follows Kafka 4.2's log4j2 ``Loggers``:

- The root logger is called ``root`` (``""`` is accepted too, case-insensitively).
- :meth:`Loggers.all_levels` lists the root logger and every logger whose level was set
  explicitly (by logging configuration or through this API), sorted by name, each with its level
  and the time it was last modified through this API (``last_modified``, ms, or null). Loggers at
  OFF are left out, as in Java.
- :meth:`Loggers.level` answers for the root and for any logger that exists (its effective level).
- :meth:`Loggers.set_level` sets the level of the namespace's logger and of every existing logger
  whose name starts with the namespace (a plain prefix, as Java does), and returns the sorted
  names of the loggers whose level changed (a new logger starts at its parent's level, so setting
  it to that level changes nothing).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

ROOT_LOGGER_NAME = "root"

TRACE = 5
OFF = logging.CRITICAL + 100
ALL = 1

JAVA_LEVELS: dict[str, int] = {
    "OFF": OFF,
    "FATAL": logging.CRITICAL,
    "ERROR": logging.ERROR,
    "WARN": logging.WARNING,
    "INFO": logging.INFO,
    "DEBUG": logging.DEBUG,
    "TRACE": TRACE,
    "ALL": ALL,
}

if logging.getLevelName(TRACE) == f"Level {TRACE}":
    logging.addLevelName(TRACE, "TRACE")


def java_level_name(level: int) -> str:
    """The Java name of a Python level (levels between two Java levels take the lower one)."""
    for name in ("OFF", "FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE"):
        if level >= JAVA_LEVELS[name]:
            return name
    return "ALL"


def python_level(java_name: str) -> int | None:
    """The Python level of a Java level name (any case), or None when it is not a level."""
    return JAVA_LEVELS.get(java_name.strip().upper()) if java_name.strip() else None


def is_valid_level(java_name: str) -> bool:
    return python_level(java_name) is not None


@dataclass(frozen=True)
class LoggerLevel:
    """``{"level": "INFO", "last_modified": <ms>|null}``."""

    level: str
    last_modified: int | None

    def to_json(self) -> dict[str, Any]:
        return {"level": self.level, "last_modified": self.last_modified}


def _is_root_name(name: str) -> bool:
    return name == "" or name.lower() == ROOT_LOGGER_NAME


class Loggers:
    """Reads and changes this process's logger levels. Thread-safe."""

    def __init__(self, clock_ms: Callable[[], int] | None = None) -> None:
        self._clock_ms = clock_ms or (lambda: int(time.time() * 1000))
        self._last_modified: dict[str, int] = {}
        self._lock = threading.Lock()

    # --- reading -------------------------------------------------------------------------------
    @staticmethod
    def _existing_loggers() -> dict[str, logging.Logger]:
        manager = logging.Logger.manager
        return {
            name: logger
            for name, logger in list(manager.loggerDict.items())
            if isinstance(logger, logging.Logger)
        }

    def _level_of(self, name: str, logger: logging.Logger) -> LoggerLevel:
        return LoggerLevel(java_level_name(logger.getEffectiveLevel()), self._last_modified.get(name))

    def level(self, name: str) -> LoggerLevel | None:
        """The (effective) level of an existing logger, or None when there is no such logger."""
        if _is_root_name(name):
            return self._level_of(ROOT_LOGGER_NAME, logging.getLogger())
        logger = self._existing_loggers().get(name)
        if logger is None:
            return None
        return self._level_of(name, logger)

    def all_levels(self) -> dict[str, LoggerLevel]:
        """The root and every explicitly set logger, sorted by name (OFF ones left out)."""
        levels: dict[str, LoggerLevel] = {}
        root = logging.getLogger()
        if root.level < OFF:
            levels[ROOT_LOGGER_NAME] = self._level_of(ROOT_LOGGER_NAME, root)
        for name, logger in self._existing_loggers().items():
            if logger.level != logging.NOTSET and logger.level < OFF:
                levels[name] = self._level_of(name, logger)
        return dict(sorted(levels.items()))

    # --- changing ------------------------------------------------------------------------------
    def set_level(self, namespace: str, level: str) -> list[str]:
        """Set ``namespace`` and the loggers under it to ``level``; the sorted names that changed."""
        new_level = python_level(level)
        if new_level is None:
            raise ValueError(f"invalid log level '{level}'.")
        new_name = java_level_name(new_level)
        with self._lock:
            existing = self._existing_loggers()
            targets: dict[str, logging.Logger]
            if _is_root_name(namespace):
                targets = dict(existing)
                targets[ROOT_LOGGER_NAME] = logging.getLogger()
            else:
                targets = {name: lg for name, lg in existing.items() if name.startswith(namespace)}
                if namespace not in targets:
                    targets[namespace] = logging.getLogger(namespace)
            logging.getLogger(__name__).info(
                "Setting level of namespace %s and children to %s", namespace or ROOT_LOGGER_NAME, new_name
            )
            # Compare with the effective levels before the change (Java 4.2 creates the namespace's
            # logger first, so a new logger had its parent's level); a logger at OFF had no level
            # listed, so it always counts as changed, as in Java.
            before = {
                name: java_level_name(lg.getEffectiveLevel()) if lg.getEffectiveLevel() < OFF else ""
                for name, lg in targets.items()
            }
            now = self._clock_ms()
            changed: list[str] = []
            for name, logger in targets.items():
                logger.setLevel(new_level)
                if before[name] != new_name:
                    self._last_modified[name] = now
                    changed.append(name)
            return sorted(changed)


_DEFAULT: Loggers | None = None
_DEFAULT_LOCK = threading.Lock()


def default_loggers() -> Loggers:
    """The process-wide :class:`Loggers` (Python logging is process-wide, so is ``last_modified``).

    The herder applies cluster-scope level changes through this same instance.
    """
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = Loggers()
        return _DEFAULT
