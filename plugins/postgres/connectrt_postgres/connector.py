"""PostgresConnector: the connector class configs name as ``io.debezium.connector.postgresql.PostgresConnector``.

This module imports neither psycopg nor the compiled extension: a worker loads it with every installed
plugin at start, and they come in with the task class (:meth:`PostgresConnector.task_class`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from connectrt.api.connector import SourceConnector, Task, TaskConfig
from connectrt.config.configdef import ConfigDef, ConfigException, ConfigValue

from connectrt_postgres.config import CONFIG_DEF, DEBEZIUM_VERSION, validate_values

log = logging.getLogger(__name__)


class PostgresConnector(SourceConnector):
    """Captures row changes of a PostgreSQL database through a pgoutput logical replication slot."""

    ALIASES = ("io.debezium.connector.postgresql.PostgresConnector",)
    VERSION = DEBEZIUM_VERSION

    def __init__(self) -> None:
        self.props: dict[str, str] = {}

    def version(self) -> str:
        return DEBEZIUM_VERSION

    def config(self) -> ConfigDef:
        return CONFIG_DEF

    def start(self, props: Mapping[str, str]) -> None:
        self.props = dict(props)
        values = CONFIG_DEF.parse(self.props)
        errors = validate_values(values)
        if errors:
            raise ConfigException(errors[0][1])

    def task_class(self) -> type[Task]:
        from connectrt_postgres.task import PostgresConnectorTask

        return PostgresConnectorTask

    def task_configs(self, max_tasks: int) -> list[TaskConfig]:
        # One replication slot can be read by one session only, so there is always one task; its
        # config is the connector's, nothing added (Debezium's), so a Java worker reads it unchanged.
        return [dict(self.props)]

    def stop(self) -> None:
        """Nothing runs in the connector itself."""

    def validate(self, connector_configs: Mapping[str, str]) -> list[ConfigValue]:
        results = CONFIG_DEF.validate_all(connector_configs)
        try:
            parsed: dict[str, Any] = CONFIG_DEF.parse(connector_configs)
        except ConfigException:
            return list(results.values())
        for name, message in validate_values(parsed):
            results[name].add_error(message)
        return list(results.values())
