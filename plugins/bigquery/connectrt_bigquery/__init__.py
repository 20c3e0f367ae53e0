"""connectrt-bigquery: a BigQuery sink compatible with Confluent's (ex-WePay) BigQuerySinkConnector.

``PLUGINS`` is what the ``connectrt.plugins`` entry point registers; the connector answers to its
Java class name ``com.wepay.kafka.connect.bigquery.BigQuerySinkConnector`` through ``ALIASES``.
"""

from __future__ import annotations

from connectrt_bigquery.connector import BigQuerySinkConnector
from connectrt_bigquery.task import BigQuerySinkTask

PLUGINS: list[type] = [BigQuerySinkConnector]

__all__ = ["PLUGINS", "BigQuerySinkConnector", "BigQuerySinkTask"]
