"""BigQuerySinkConnector: the class configs name as ``com.wepay.kafka.connect.bigquery.BigQuerySinkConnector``.

This module imports no Google library: a worker loads it with every installed plugin at start, and
google-cloud-bigquery, grpc and protobuf come in with the task class (:meth:`BigQuerySinkConnector.task_class`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectrt.api.connector import SinkConnector, Task, TaskConfig
from connectrt.config.configdef import ConfigDef, ConfigValue

from connectrt_bigquery import config as c


class BigQuerySinkConnector(SinkConnector):
    """Writes records to BigQuery tables: insertAll, Storage Write API, or upsert/delete by MERGE."""

    ALIASES = ("com.wepay.kafka.connect.bigquery.BigQuerySinkConnector",)
    VERSION = c.VERSION

    def __init__(self) -> None:
        self.props: dict[str, str] = {}

    def version(self) -> str:
        return c.VERSION

    def config(self) -> ConfigDef:
        return c.CONFIG_DEF

    def start(self, props: Mapping[str, str]) -> None:
        self.props = dict(props)
        c.parse_config(self.props)

    def task_class(self) -> type[Task]:
        from connectrt_bigquery.task import BigQuerySinkTask

        return BigQuerySinkTask

    def task_configs(self, max_tasks: int) -> list[TaskConfig]:
        return [{**self.props, c.TASK_ID: str(i)} for i in range(max_tasks)]

    def stop(self) -> None:
        """Nothing runs in the connector itself."""

    def validate(self, connector_configs: Mapping[str, str]) -> list[ConfigValue]:
        results = c.CONFIG_DEF.validate_all(connector_configs)
        # Cross-key checks run on what parsed (a key in error reads as unset), as Java's validators do.
        parsed: dict[str, Any] = {name: value.value for name, value in results.items()}
        for name, message in c.validate_values(parsed, connector_configs):
            if not results[name].errors:  # Java's MultiPropertyValidator skips keys already in error
                results[name].add_error(message)
        return list(results.values())
