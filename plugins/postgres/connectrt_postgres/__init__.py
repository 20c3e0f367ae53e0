"""connectrt-postgres: a PostgreSQL CDC source compatible with Debezium's PostgresConnector.

``PLUGINS`` is what the ``connectrt.plugins`` entry point registers; each class answers to its
Debezium class name through ``ALIASES``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connectrt_postgres.connector import PostgresConnector
from connectrt_postgres.extract_new_record_state import ExtractNewRecordState

if TYPE_CHECKING:
    from connectrt_postgres.task import PostgresConnectorTask

PLUGINS: list[type] = [PostgresConnector, ExtractNewRecordState]

__all__ = ["PLUGINS", "ExtractNewRecordState", "PostgresConnector", "PostgresConnectorTask"]


def __getattr__(name: str) -> Any:
    """The task class, imported on first use (it brings psycopg and the compiled extension; loading the
    plugin does not)."""
    if name == "PostgresConnectorTask":
        from connectrt_postgres.task import PostgresConnectorTask

        return PostgresConnectorTask
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
