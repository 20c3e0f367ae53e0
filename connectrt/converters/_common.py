"""Pieces every converter shares: the version, Java's ``converter.type`` config and a small LRU cache."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Mapping
from importlib import metadata
from typing import Any, Generic, TypeVar

from connectrt.api.plugin import KAFKA_CONNECT_VERSION
from connectrt.config.configdef import NO_DEFAULT_VALUE, ConfigDef, Importance, Type, ValidString


def _package_version() -> str:
    try:
        return metadata.version("connectrt")
    except metadata.PackageNotFoundError:  # a source tree without metadata
        return "unknown"


#: The version of connectrt's own converters (AvroConverter).
PACKAGE_VERSION = _package_version()
#: The version Kafka's converters (JsonConverter, StringConverter, ...) report: the Kafka version, as Java's.
VERSION = KAFKA_CONNECT_VERSION

TYPE_CONFIG = "converter.type"
KEY, VALUE, HEADER = "key", "value", "header"


def converter_config_def() -> ConfigDef:
    """A ConfigDef holding ``converter.type`` (Java's ``ConverterConfig.newConfigDef()``)."""
    return ConfigDef().define(
        TYPE_CONFIG,
        Type.STRING,
        NO_DEFAULT_VALUE,
        ValidString.in_(KEY, VALUE, HEADER),
        Importance.LOW,
        "How this converter will be used.",
    )


def with_converter_type(configs: Mapping[str, Any], is_key: bool | None) -> dict[str, Any]:
    """``configs`` with ``converter.type`` set as Java's ``configure(configs, isKey)`` does.

    ``is_key=None`` is the HeaderConverter ``configure(configs)`` call: the type given in the configs is kept,
    and ``header`` is assumed when there is none (Java's worker always passes it for header converters).
    """
    result = dict(configs)
    if is_key is not None:
        result[TYPE_CONFIG] = KEY if is_key else VALUE
    else:
        result.setdefault(TYPE_CONFIG, HEADER)
    return result


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRUCache(Generic[K, V]):
    """A bounded map that forgets the least recently used entry (Java's ``LRUCache``)."""

    __slots__ = ("_data", "_last", "max_size")

    def __init__(self, max_size: int) -> None:
        self.max_size = max_size
        self._data: OrderedDict[K, V] = OrderedDict()
        self._last: tuple[Any, V | None] = (None, None)  # one tuple, so a reader never sees half an update

    def get(self, key: K) -> V | None:
        last = self._last
        if key is last[0]:  # a batch of records usually shares one schema object
            return last[1]
        value = self._data.get(key)
        if value is not None:
            self._data.move_to_end(key)
            self._last = (key, value)
        return value

    def put(self, key: K, value: V) -> None:
        if self.max_size <= 0:
            return
        self._data[key] = value
        self._data.move_to_end(key)
        if len(self._data) > self.max_size:
            evicted, _ = self._data.popitem(last=False)
            if evicted is self._last[0]:
                self._last = (None, None)

    def __len__(self) -> int:
        return len(self._data)
