"""The two JDBC sink connector classes users name in their configs.

``io.debezium.connector.jdbc.JdbcSinkConnector`` takes the Debezium JDBC sink's keys,
``io.confluent.connect.jdbc.JdbcSinkConnector`` the Confluent JDBC sink's; both run
:class:`~connectrt_sql.task.JdbcSinkTask` over SQLAlchemy 2 Core.

This module imports no database library: a worker loads it with every installed plugin at start, and
SQLAlchemy, the drivers and pyarrow come in with the task class (:meth:`JdbcSinkConnector.task_class`)
or when a URL is parsed (validate, start).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from connectrt.api.connector import SinkConnector, Task, TaskConfig
from connectrt.config.configdef import ConfigDef, ConfigValue

from connectrt_sql.config import (
    CONFLUENT,
    CONFLUENT_VERSION,
    DEBEZIUM,
    DEBEZIUM_VERSION,
    config_def,
    parse_settings,
    validate_config,
)

log = logging.getLogger(__name__)


class JdbcSinkConnector(SinkConnector):
    """Debezium's JDBC sink: writes change events (or flat rows) to a SQL database."""

    ALIASES = ("io.debezium.connector.jdbc.JdbcSinkConnector",)
    VERSION = DEBEZIUM_VERSION
    FLAVOUR = DEBEZIUM

    def __init__(self) -> None:
        self.props: dict[str, str] = {}

    def config(self) -> ConfigDef:
        return config_def(self.FLAVOUR)

    def validate(self, connector_configs: Mapping[str, str]) -> list[ConfigValue]:
        return validate_config(self.FLAVOUR, connector_configs)

    def start(self, props: Mapping[str, str]) -> None:
        self.props = dict(props)
        self.settings = parse_settings(self.FLAVOUR, self.props)

    def task_class(self) -> type[Task]:
        from connectrt_sql.task import JdbcSinkTask

        return JdbcSinkTask

    def task_configs(self, max_tasks: int) -> list[TaskConfig]:
        tasks = max_tasks
        if self.settings.url.embedded_path is not None and max_tasks > 1:
            # A DuckDB or SQLite file has one writer: more tasks would only wait for its lock.
            log.info(
                "%s is a single-writer database file: running 1 task instead of %d",
                self.settings.url.display,
                max_tasks,
            )
            tasks = 1
        return [dict(self.props) for _ in range(tasks)]

    def stop(self) -> None:
        """Nothing runs in the connector itself."""


class ConfluentJdbcSinkConnector(JdbcSinkConnector):
    """Confluent's JDBC sink: writes flat records (e.g. after ExtractNewRecordState) to a SQL database."""

    ALIASES = ("io.confluent.connect.jdbc.JdbcSinkConnector",)
    VERSION = CONFLUENT_VERSION
    FLAVOUR = CONFLUENT

    def task_class(self) -> type[Task]:
        from connectrt_sql.task import ConfluentJdbcSinkTask

        return ConfluentJdbcSinkTask
