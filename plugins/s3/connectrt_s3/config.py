"""S3SinkConnector configuration: Confluent's keys, defaults and validators (storage-common + S3 sink).

``CONFIG_DEF`` is what ``GET /connector-plugins/S3SinkConnector/config`` shows; :class:`S3SinkConfig` is the
parsed view the task works with. Class-valued keys (``format.class``, ``partitioner.class``,
``storage.class``, ``timestamp.extractor`` ...) are matched against the Java class names and short names this
plugin implements; nothing named in a config is ever imported.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectrt.config.configdef import ConfigException, ConfigValue, Password

from connectrt_s3.config_def import CONFIG_DEF, DEFAULT_CREDENTIALS_PROVIDERS, MIN_PART_SIZE
from connectrt_s3.names import FORMATS, format_name

CONFLUENT_VERSION = "12.1.0"
__all__ = ["CONFIG_DEF", "DEFAULT_CREDENTIALS_PROVIDERS", "MIN_PART_SIZE", "S3SinkConfig", "validate"]


class S3SinkConfig:
    """The parsed connector config, with the cross-field checks Confluent does at start."""

    def __init__(self, props: Mapping[str, str]) -> None:
        self.originals = dict(props)
        self.values = CONFIG_DEF.parse(props)
        errors = cross_field_errors(self.values)
        if errors:
            raise ConfigException(errors[0][1])
        if self.long("rotate.schedule.interval.ms") > 0 and not self.string("timezone"):
            raise ConfigException("timezone configuration must be set when using rotate.schedule.interval.ms")
        self.name = props.get("name", "S3-sink")

    def get(self, key: str) -> Any:
        return self.values[key]

    def string(self, key: str) -> str:
        value = self.values[key]
        if isinstance(value, Password):
            return value.value
        return "" if value is None else str(value)

    def integer(self, key: str) -> int:
        return int(self.values[key])

    def long(self, key: str) -> int:
        return int(self.values[key])

    def flag(self, key: str) -> bool:
        return bool(self.values[key])

    def strings(self, key: str) -> list[str]:
        return list(self.values[key] or [])

    @property
    def tombstone_write_enabled(self) -> bool:
        return self.string("behavior.on.null.values").lower() == "write"

    @property
    def conditional_writes(self) -> bool:
        """Confluent's shouldEnableConditionalWrites()."""
        return (
            self.flag("enable.conditional.writes")
            and self.long("rotate.schedule.interval.ms") != -1
            and not self.flag("store.kafka.headers")
            and not self.flag("store.kafka.keys")
        )

    @property
    def bytearray_separator(self) -> bytes:
        raw = self.originals.get("format.bytearray.separator")
        # As Java: the value as given (a .properties file has already turned \n into a newline); default "\n".
        return b"\n" if raw is None else raw.encode("utf-8")


_COMPRESSIBLE = ("JsonFormat", "ByteArrayFormat")


def cross_field_errors(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Confluent's S3SinkConnectorValidator checks, as (key, message) pairs."""
    errors: list[tuple[str, str]] = []
    compression = values.get("s3.compression.type")
    if compression and compression != "none":
        checks: list[tuple[str, str, tuple[str, ...]]] = [
            ("data", "format.class", ("format.class", "s3.compression.type"))
        ]
        if values.get("store.kafka.keys"):
            checks.append(
                (
                    "keys",
                    "keys.format.class",
                    ("store.kafka.keys", "keys.format.class", "s3.compression.type"),
                )
            )
        if values.get("store.kafka.headers"):
            checks.append(
                (
                    "headers",
                    "headers.format.class",
                    ("store.kafka.headers", "headers.format.class", "s3.compression.type"),
                )
            )
        for what, key, keys in checks:
            cls = values.get(key)
            if cls is not None and format_name(cls) not in _COMPRESSIBLE:
                message = f"Compression Type {compression} not valid for {what} format class: ( {cls} )."
                errors.extend((k, message) for k in keys)
    if str(values.get("behavior.on.null.values", "")).lower() == "write" and not values.get(
        "store.kafka.keys"
    ):
        message = "Writing Kafka record keys to storage is mandatory when tombstone writing is enabled."
        errors.extend((k, message) for k in ("store.kafka.keys", "behavior.on.null.values"))
    if values.get("s3.wan.mode") and values.get("s3.path.style.access.enabled"):
        message = (
            "Both accelerate mode and path style access are being enabled. These options are mutually exclusive "
            "and cannot be enabled together. Please disable one of them"
        )
        errors.extend((k, message) for k in ("s3.wan.mode", "s3.path.style.access.enabled"))
    if values.get("parquet.codec") is not None and str(values["parquet.codec"]).lower() == "lzo":
        errors.append(
            ("parquet.codec", "parquet.codec lzo is not supported by connectrt; use snappy, gzip or zstd.")
        )
    return errors


def validate(props: Mapping[str, str]) -> list[ConfigValue]:
    results = CONFIG_DEF.validate_all(props)
    if any(v.errors for v in results.values()):
        return list(results.values())
    for key, message in cross_field_errors(CONFIG_DEF.parse(props)):
        results[key].add_error(message)
    return list(results.values())


def known_formats() -> list[str]:
    return sorted(FORMATS)
