"""Task configs as Java Connect stores them.

Java's ``AbstractHerder.reverseTransform``: a connector generates its task configs from its resolved
config, so before they are compared and stored, every key whose value in the connector's raw config
holds a ``${provider:path:key}`` placeholder gets that raw value back. The config topic (and every
answer) then holds placeholders, never what a provider resolved.

Java serializes a task config from the ``java.util.HashMap`` that method builds, so the keys of a
``task-<connector>-<n>`` record come in that map's iteration order;
:func:`~connectrt.config.java_hash.java_hash_map_order` gives the same order, so the records are
byte-identical to Java's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from connectrt.config.java_hash import java_hash_map_order, java_string_hash
from connectrt.config.providers import PATTERN

__all__ = ["java_hash_map_order", "java_string_hash"]


def has_placeholder(value: object) -> bool:
    return isinstance(value, str) and PATTERN.search(value) is not None


def reverse_transform(
    raw_connector_config: Mapping[str, str | None], task_configs: Sequence[Mapping[str, str]]
) -> list[dict[str, str]]:
    """The task configs with the connector's placeholders put back, keys in Java's stored order."""
    raw = {k: v for k, v in raw_connector_config.items() if v is not None and has_placeholder(v)}
    out: list[dict[str, str]] = []
    for config in task_configs:
        restored = dict(config)
        for key, value in raw.items():
            if key in restored:
                restored[key] = value
        out.append(java_hash_map_order(restored))
    return out
