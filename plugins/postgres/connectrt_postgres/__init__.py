"""connectrt-postgres: a PostgreSQL CDC source compatible with Debezium's PostgresConnector.

``PLUGINS`` is what the ``connectrt.plugins`` entry point registers; each class answers to its
Debezium class name through ``ALIASES``.
"""

from __future__ import annotations

PLUGINS: list[type] = []

__all__ = ["PLUGINS"]
