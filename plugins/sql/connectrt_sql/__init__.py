"""connectrt-sql: a SQL warehouse sink (SQLAlchemy 2 Core) that accepts the Debezium JDBC sink's and
the Confluent JDBC sink's configs unchanged.

``PLUGINS`` is what the ``connectrt.plugins`` entry point registers; each class answers to its Java
class name through ``ALIASES``. Loading it imports no database library (see :mod:`connectrt_sql.connector`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connectrt_sql.connector import ConfluentJdbcSinkConnector, JdbcSinkConnector

if TYPE_CHECKING:
    from connectrt_sql.task import ConfluentJdbcSinkTask, JdbcSinkTask

PLUGINS: list[type] = [JdbcSinkConnector, ConfluentJdbcSinkConnector]

__all__ = [
    "PLUGINS",
    "ConfluentJdbcSinkConnector",
    "ConfluentJdbcSinkTask",
    "JdbcSinkConnector",
    "JdbcSinkTask",
]


def __getattr__(name: str) -> Any:
    """The task classes, imported on first use (they bring SQLAlchemy; loading the plugin does not)."""
    if name in ("JdbcSinkTask", "ConfluentJdbcSinkTask"):
        from connectrt_sql import task

        return getattr(task, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
