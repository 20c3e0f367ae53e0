"""Fixtures available to every test.

Services (session scoped; started on first use, reused if `connectrt dev up` already runs them,
and only what the session started is stopped at its end):
  kafka_bootstrap, pg_dsn, pg_params, s3_endpoint, s3_credentials, s3_client, dev_services,
  bigquery_emulator (.endpoint, .storage_endpoint, .project, .client()),
  schema_registry_url (Apicurio Registry's Confluent API; skipped without Java 21+)
Clients and names:
  unique_name (function: unique_name("orders"), .topic(), .table(), .slot(), .bucket(), ...),
  kafka_admin (session AdminClient), create_topic (function: creates, waits, deletes after),
  pg_conn (autocommit psycopg connection)
Clusters of a test's own (e.g. three brokers): private_dev_instance_factory, or the
`tests.fixtures.services.private_dev_instance` context manager.
Helpers to import: tests.fixtures.clients.new_topic / consume_all / quiet_logger,
tests.fixtures.names.unique_name.
"""

from tests.fixtures.clients import create_topic, kafka_admin, pg_conn, unique_name
from tests.fixtures.services import (
    bigquery_emulator,
    dev_services,
    kafka_bootstrap,
    pg_dsn,
    pg_params,
    private_dev_instance_factory,
    s3_client,
    s3_credentials,
    s3_endpoint,
    schema_registry_url,
)

__all__ = [
    "bigquery_emulator",
    "create_topic",
    "dev_services",
    "kafka_admin",
    "kafka_bootstrap",
    "pg_conn",
    "pg_dsn",
    "pg_params",
    "private_dev_instance_factory",
    "s3_client",
    "s3_credentials",
    "s3_endpoint",
    "schema_registry_url",
    "unique_name",
]
