"""Schema registry support for the Avro converter: the REST client, its caches, subject name strategies,
the Confluent wire format and the converter's config (Confluent's serde keys)."""

from connectrt.converters.schema_registry.cached import CachedSchemaRegistry
from connectrt.converters.schema_registry.client import (
    RegisteredSchema,
    RestSchemaRegistry,
    RetryPolicy,
    SchemaRegistry,
    SchemaRegistryError,
    SchemaRegistryUnavailableError,
)
from connectrt.converters.schema_registry.config import AvroConverterConfig, avro_converter_config_def

__all__ = [
    "AvroConverterConfig",
    "CachedSchemaRegistry",
    "RegisteredSchema",
    "RestSchemaRegistry",
    "RetryPolicy",
    "SchemaRegistry",
    "SchemaRegistryError",
    "SchemaRegistryUnavailableError",
    "avro_converter_config_def",
]
