"""connectrt-postgres: a PostgreSQL CDC source compatible with Debezium's PostgresConnector.

``PLUGINS`` is what the ``connectrt.plugins`` entry point registers; each class answers to its
Debezium class name through ``ALIASES``.
"""

from __future__ import annotations

from connectrt_postgres.connector import PostgresConnector
from connectrt_postgres.extract_new_record_state import ExtractNewRecordState
from connectrt_postgres.task import PostgresConnectorTask

PLUGINS: list[type] = [PostgresConnector, ExtractNewRecordState]

__all__ = ["PLUGINS", "ExtractNewRecordState", "PostgresConnector", "PostgresConnectorTask"]
