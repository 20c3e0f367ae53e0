"""AvroDataConfig: the settings of the Connect↔Avro mapping (Confluent's AvroDataConfig keys and defaults)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connectrt.config.configdef import ConfigDef, Importance, Type

ENHANCED_AVRO_SCHEMA_SUPPORT_CONFIG = "enhanced.avro.schema.support"
SCRUB_INVALID_NAMES_CONFIG = "scrub.invalid.names"
CONNECT_META_DATA_CONFIG = "connect.meta.data"
ALLOW_OPTIONAL_MAP_KEYS_CONFIG = "allow.optional.map.keys"
FLATTEN_SINGLETON_UNIONS_CONFIG = "flatten.singleton.unions"
IGNORE_DEFAULT_FOR_NULLABLES_CONFIG = "ignore.default.for.nullables"
SCHEMAS_CACHE_SIZE_CONFIG = "schemas.cache.config"


def avro_data_config_def() -> ConfigDef:
    """The keys AvroConverter and the storage sinks pass through to AvroData, with Confluent's defaults."""
    d = ConfigDef()
    d.define(
        IGNORE_DEFAULT_FOR_NULLABLES_CONFIG, Type.BOOLEAN, False, None, Importance.MEDIUM,
        "Whether to ignore the default for nullable fields when the value is null",
    )  # fmt: skip
    d.define(
        SCHEMAS_CACHE_SIZE_CONFIG, Type.INT, 1000, None, Importance.LOW, "Size of the converted schemas cache"
    )
    d.define(
        ENHANCED_AVRO_SCHEMA_SUPPORT_CONFIG, Type.BOOLEAN, False, None, Importance.MEDIUM,
        "Toggle for enabling/disabling enhanced avro schema support: Enum symbol preservation and Package Name "
        "awareness",
    )  # fmt: skip
    d.define(
        SCRUB_INVALID_NAMES_CONFIG, Type.BOOLEAN, False, None, Importance.MEDIUM,
        "Whether to scrub invalid names by replacing invalid characters with valid ones",
    )  # fmt: skip
    d.define(
        CONNECT_META_DATA_CONFIG, Type.BOOLEAN, True, None, Importance.LOW,
        "Toggle for enabling/disabling connect converter to add its meta data to the output schema or not",
    )  # fmt: skip
    d.define(
        ALLOW_OPTIONAL_MAP_KEYS_CONFIG, Type.BOOLEAN, False, None, Importance.LOW,
        "Allow optional string map key when converting from Connect Schema to Avro Schema.",
    )  # fmt: skip
    d.define(
        FLATTEN_SINGLETON_UNIONS_CONFIG, Type.BOOLEAN, True, None, Importance.LOW,
        "Whether to flatten singleton unions",
    )  # fmt: skip
    return d


_CONFIG_DEF = avro_data_config_def()


@dataclass(frozen=True)
class AvroDataConfig:
    """How Connect schemas map to Avro and back; the defaults are Confluent's AvroDataConfig defaults."""

    enhanced_avro_schema_support: bool = False
    scrub_invalid_names: bool = False
    connect_meta_data: bool = True
    allow_optional_map_keys: bool = False
    flatten_singleton_unions: bool = True
    ignore_default_for_nullables: bool = False
    schemas_cache_size: int = 1000

    @classmethod
    def from_configs(cls, configs: Mapping[str, Any]) -> AvroDataConfig:
        """Parse the Java config keys (``enhanced.avro.schema.support=true`` ...); unknown keys are ignored."""
        v = _CONFIG_DEF.parse({k: configs[k] for k in _CONFIG_DEF.names() if k in configs})
        return cls(
            enhanced_avro_schema_support=v[ENHANCED_AVRO_SCHEMA_SUPPORT_CONFIG],
            scrub_invalid_names=v[SCRUB_INVALID_NAMES_CONFIG],
            connect_meta_data=v[CONNECT_META_DATA_CONFIG],
            allow_optional_map_keys=v[ALLOW_OPTIONAL_MAP_KEYS_CONFIG],
            flatten_singleton_unions=v[FLATTEN_SINGLETON_UNIONS_CONFIG],
            ignore_default_for_nullables=v[IGNORE_DEFAULT_FOR_NULLABLES_CONFIG],
            schemas_cache_size=max(1, v[SCHEMAS_CACHE_SIZE_CONFIG]),
        )
