"""Base classes of every pluggable component: Converter, HeaderConverter, Transformation, Predicate.

A plugin class may declare ``ALIASES``: the Java fully qualified class names (and other names) under
which connector configs may refer to it, e.g.
``ALIASES = ("org.apache.kafka.connect.json.JsonConverter",)``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from enum import Enum
from typing import Any, ClassVar, Generic, TypeVar

from connectrt.api.data import Schema
from connectrt.api.records import ConnectRecord, Headers
from connectrt.config.configdef import ConfigDef

R = TypeVar("R", bound=ConnectRecord)


#: The Kafka Connect release connectrt's built-in plugins implement: FileStream, the SMTs, predicates and
#: converters that carry ``org.apache.kafka`` names report it as their version, as Java's own do (so a
#: config from Java pinning ``*.plugin.version`` to it keeps working, and the REST API lists the same).
KAFKA_CONNECT_VERSION = "4.2.1"


class Versioned:
    """Anything with a version string; ``GET /connector-plugins`` shows it."""

    VERSION: ClassVar[str] = "undefined"

    def version(self) -> str:
        return self.VERSION


class Plugin(Versioned):
    ALIASES: ClassVar[tuple[str, ...]] = ()

    def config(self) -> ConfigDef:
        """The ConfigDef describing this plugin's configuration."""
        return ConfigDef()

    def close(self) -> None:
        """Release resources."""


class Converter(Plugin, ABC):
    """Converts between Connect data and the bytes stored in Kafka."""

    @abstractmethod
    def configure(self, configs: Mapping[str, Any], is_key: bool) -> None: ...

    @abstractmethod
    def from_connect_data(
        self, topic: str, schema: Schema | None, value: Any, headers: Headers | None = None
    ) -> bytes | None: ...

    @abstractmethod
    def to_connect_data(
        self, topic: str, value: bytes | None, headers: Headers | None = None
    ) -> tuple[Schema | None, Any]: ...


class HeaderConverter(Plugin, ABC):
    """Converts header values between Connect data and bytes."""

    @abstractmethod
    def configure(self, configs: Mapping[str, Any]) -> None: ...

    @abstractmethod
    def from_connect_header(
        self, topic: str, header_key: str, schema: Schema | None, value: Any
    ) -> bytes | None: ...

    @abstractmethod
    def to_connect_header(
        self, topic: str, header_key: str, value: bytes | None
    ) -> tuple[Schema | None, Any]: ...


class Transformation(Plugin, ABC, Generic[R]):
    """A single message transform: returns the new record, or None to drop it."""

    @abstractmethod
    def configure(self, configs: Mapping[str, Any]) -> None: ...

    @abstractmethod
    def apply(self, record: R) -> R | None: ...


class Predicate(Plugin, ABC, Generic[R]):
    """Decides whether a transform applies to a record."""

    @abstractmethod
    def configure(self, configs: Mapping[str, Any]) -> None: ...

    @abstractmethod
    def test(self, record: R) -> bool: ...


class PluginType(str, Enum):
    """Lower-case names as ``GET /connector-plugins`` shows them."""

    SINK = "sink"
    SOURCE = "source"
    TRANSFORMATION = "transformation"
    PREDICATE = "predicate"
    CONVERTER = "converter"
    HEADER_CONVERTER = "header_converter"
    CONFIG_PROVIDER = "config_provider"
    REST_EXTENSION = "rest_extension"
    CONNECTOR_CLIENT_CONFIG_OVERRIDE_POLICY = "connector_client_config_override_policy"
    UNKNOWN = "unknown"
