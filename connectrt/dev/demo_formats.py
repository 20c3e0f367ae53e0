"""The CDC demo's wire formats (``--format``): which converters the connectors get, which dev services
they need, and how the demo decodes the change events it counts.

``json`` is the workers' default (JsonConverter with schemas: the connector configs stay as they are);
``avro`` sets Confluent's AvroConverter for keys and values, with the schemas in the dev schema registry
(Apicurio Registry's Confluent API)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

FORMATS = ("json", "avro")
JSON_CONVERTER = "org.apache.kafka.connect.json.JsonConverter"
AVRO_CONVERTER = "io.confluent.connect.avro.AvroConverter"
REGISTRY_ENV = "CONNECTRT_SCHEMA_REGISTRY_URL"


def service_kinds(fmt: str) -> tuple[str, ...]:
    """The dev services the demo needs with this format."""
    return ("kafka", "postgres", "s3", "registry") if fmt == "avro" else ("kafka", "postgres", "s3")


def describe(fmt: str, env: Mapping[str, str]) -> str:
    if fmt == "avro":
        return f"AvroConverter, schemas in {env.get(REGISTRY_ENV, 'the schema registry')}"
    return "JsonConverter with schemas"


def converter_config(fmt: str, env: Mapping[str, str]) -> dict[str, str]:
    """The keys a connector config gets for this format (none for json: the workers' default)."""
    if fmt != "avro":
        return {}
    url = env[REGISTRY_ENV]
    return {
        "key.converter": AVRO_CONVERTER,
        "key.converter.schema.registry.url": url,
        "value.converter": AVRO_CONVERTER,
        "value.converter.schema.registry.url": url,
    }


def with_converters(spec: dict[str, Any], fmt: str, env: Mapping[str, str]) -> dict[str, Any]:
    """A connector spec (``name`` and ``config``) with this format's converters."""
    return {"name": spec["name"], "config": {**spec["config"], **converter_config(fmt, env)}}


class EventDecoder:
    """Decodes a change event's value bytes to its payload, a dict (Debezium's envelope): JSON's
    ``payload`` field, or the Struct the AvroConverter reads with the schema the registry holds."""

    def __init__(self, fmt: str, env: Mapping[str, str]) -> None:
        self.avro: Any = None
        if fmt == "avro":
            from connectrt.converters.avro_converter import AvroConverter

            self.avro = AvroConverter()
            self.avro.configure({"schema.registry.url": env[REGISTRY_ENV]}, False)

    def decode(self, topic: str, raw: bytes) -> Any:
        if self.avro is not None:
            return self.avro.to_connect_data(topic, raw).value
        event = json.loads(raw)
        return event.get("payload", event) if isinstance(event, dict) else event

    def close(self) -> None:
        if self.avro is not None:
            self.avro.close()
