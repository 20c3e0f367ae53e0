"""connectrt-bigquery: a BigQuery sink compatible with Confluent's (ex-WePay) BigQuerySinkConnector.

``PLUGINS`` is what the ``connectrt.plugins`` entry point registers; the connector answers to its
Java class name ``com.wepay.kafka.connect.bigquery.BigQuerySinkConnector`` through ``ALIASES``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connectrt_bigquery.connector import BigQuerySinkConnector

if TYPE_CHECKING:
    from connectrt_bigquery.task import BigQuerySinkTask

PLUGINS: list[type] = [BigQuerySinkConnector]

__all__ = ["PLUGINS", "BigQuerySinkConnector", "BigQuerySinkTask"]


def __getattr__(name: str) -> Any:
    """The task class, imported on first use (it brings google-cloud-bigquery; loading the plugin does not)."""
    if name == "BigQuerySinkTask":
        from connectrt_bigquery.task import BigQuerySinkTask

        return BigQuerySinkTask
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
