"""A REST conversation about the built-in plugins named after Java plugins other than Kafka's own:
Debezium's PostgreSQL source (3.6.1) and JDBC sink (3.4.0), sent to a Java worker with those plugins
on its ``plugin.path`` and to connectrt, to list where the plugins' config definitions and
validation differ (``python -m tests.compat.plugin_diff``, which also records Java's answers with
``--record``). ``test_plugin_fidelity`` replays the steps against connectrt in CI and allows only the
differences ``plugin_fidelity.DELIBERATE`` lists.
"""

from __future__ import annotations

from collections.abc import Iterator

from tests.compat.rest_scenario import Step

POSTGRES = "io.debezium.connector.postgresql.PostgresConnector"
JDBC_SINK = "io.debezium.connector.jdbc.JdbcSinkConnector"
EXTRACT_NEW_RECORD_STATE = "io.debezium.transforms.ExtractNewRecordState"


def _postgres(**extra: str) -> dict[str, str]:
    return {
        "connector.class": POSTGRES,
        "name": "pg",
        "tasks.max": "1",
        "plugin.name": "pgoutput",
        "database.hostname": "127.0.0.1",
        "database.port": "29432",
        "database.user": "connectrt",
        "database.password": "connectrt",
        "database.dbname": "connectrt",
        "topic.prefix": "pgcompat",
        "slot.name": "pgcompat",
        **extra,
    }


def _jdbc(**extra: str) -> dict[str, str]:
    return {
        "connector.class": JDBC_SINK,
        "name": "jdbc",
        "tasks.max": "1",
        "topics": "pgcompat.public.t",
        "connection.url": "jdbc:postgresql://127.0.0.1:29432/connectrt",
        "connection.username": "connectrt",
        "connection.password": "connectrt",
        **extra,
    }


def steps() -> Iterator[Step]:
    for plugin in (POSTGRES, JDBC_SINK, EXTRACT_NEW_RECORD_STATE):
        yield Step(f"plugin-config:{plugin}", "GET", f"/connector-plugins/{plugin}/config")
    cases = [
        ("postgres-valid", POSTGRES, _postgres()),
        ("postgres-no-prefix", POSTGRES, {k: v for k, v in _postgres().items() if k != "topic.prefix"}),
        (
            "postgres-bad-values",
            POSTGRES,
            _postgres(**{"plugin.name": "decoderbufs", "snapshot.mode": "sometimes", "database.port": "x"}),
        ),
        (
            "postgres-unwrap",
            POSTGRES,
            _postgres(**{"transforms": "unwrap", "transforms.unwrap.type": EXTRACT_NEW_RECORD_STATE}),
        ),
        ("jdbc-valid", JDBC_SINK, _jdbc()),
        ("jdbc-bad-values", JDBC_SINK, _jdbc(**{"insert.mode": "merge", "primary.key.mode": "sometimes"})),
        # what one value alone does (above, a value that does not parse hides the plugin's own checks)
        ("postgres-decoderbufs", POSTGRES, _postgres(**{"plugin.name": "decoderbufs"})),
        ("postgres-custom-snapshot", POSTGRES, _postgres(**{"snapshot.mode": "custom"})),
        (
            "postgres-unwrap-bad-mode",
            POSTGRES,
            _postgres(
                **{
                    "transforms": "unwrap",
                    "transforms.unwrap.type": EXTRACT_NEW_RECORD_STATE,
                    "transforms.unwrap.delete.tombstone.handling.mode": "sometimes",
                }
            ),
        ),
        ("jdbc-upsert-no-key", JDBC_SINK, _jdbc(**{"insert.mode": "upsert"})),
        ("jdbc-no-url", JDBC_SINK, {k: v for k, v in _jdbc().items() if k != "connection.url"}),
    ]
    for case, plugin, config in cases:
        yield Step(f"validate:{case}", "PUT", f"/connector-plugins/{plugin}/config/validate", config)
