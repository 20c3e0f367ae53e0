"""S3SinkConnector (``io.confluent.connect.s3.S3SinkConnector``): every task gets the connector's config.

This module imports neither boto3 nor a format library: a worker loads it with every installed plugin at
start, and they come in with the task class (:meth:`S3SinkConnector.task_class`).
"""

from __future__ import annotations

from collections.abc import Mapping

from connectrt.api import SinkConnector, Task, TaskConfig
from connectrt.config.configdef import ConfigDef, ConfigValue

from connectrt_s3.config import CONFIG_DEF, CONFLUENT_VERSION, S3SinkConfig, validate


class S3SinkConnector(SinkConnector):
    """Writes Kafka records to S3 objects, named and rotated as Confluent's S3 sink does."""

    ALIASES = ("io.confluent.connect.s3.S3SinkConnector",)
    VERSION = CONFLUENT_VERSION

    def __init__(self) -> None:
        self.props: dict[str, str] = {}

    def version(self) -> str:
        return CONFLUENT_VERSION

    def config(self) -> ConfigDef:
        return CONFIG_DEF

    def start(self, props: Mapping[str, str]) -> None:
        S3SinkConfig(props)
        self.props = dict(props)

    def task_class(self) -> type[Task]:
        from connectrt_s3.task import S3SinkTask

        return S3SinkTask

    def task_configs(self, max_tasks: int) -> list[TaskConfig]:
        return [{**self.props, "task.id": str(i)} for i in range(max_tasks)]

    def stop(self) -> None:
        """Nothing runs in the connector itself."""

    def validate(self, connector_configs: Mapping[str, str]) -> list[ConfigValue]:
        return validate(connector_configs)
