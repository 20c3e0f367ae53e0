"""Developer tooling on the top floor, beside connectrt.cli: local Kafka, PostgreSQL, S3, schema
registry and BigQuery emulator services (`connectrt dev`) and the CDC demo (`connectrt demo`)."""
