"""connectrt-sql: a SQL warehouse sink (SQLAlchemy 2 Core) that accepts the Debezium JDBC sink's and
the Confluent JDBC sink's configs unchanged.

``PLUGINS`` is what the ``connectrt.plugins`` entry point registers; each class answers to its Java
class name through ``ALIASES``.
"""

from __future__ import annotations

from connectrt_sql.connector import ConfluentJdbcSinkConnector, JdbcSinkConnector
from connectrt_sql.task import ConfluentJdbcSinkTask, JdbcSinkTask

PLUGINS: list[type] = [JdbcSinkConnector, ConfluentJdbcSinkConnector]

__all__ = ["PLUGINS", "ConfluentJdbcSinkConnector", "ConfluentJdbcSinkTask", "JdbcSinkConnector", "JdbcSinkTask"]
