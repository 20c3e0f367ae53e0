"""Filter: drops every record; meant to be used with a predicate (Java's Filter)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectrt.api.plugin import Transformation
from connectrt.config.configdef import ConfigDef
from connectrt.transforms.util import VERSION, R

CONFIG_DEF = ConfigDef()


class Filter(Transformation[R]):
    """Drops all records, filtering them from subsequent transformations in the chain.

    This is intended to be used conditionally to filter out records matching (or not matching) a
    particular Predicate.
    """

    ALIASES = ("org.apache.kafka.connect.transforms.Filter",)
    VERSION = VERSION

    def configure(self, configs: Mapping[str, Any]) -> None:
        pass

    def apply(self, record: R) -> R | None:
        return None

    def config(self) -> ConfigDef:
        return CONFIG_DEF
