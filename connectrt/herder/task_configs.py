"""Task configs as Java Connect stores them.

Java's ``AbstractHerder.reverseTransform``: a connector generates its task configs from its resolved
config, so before they are compared and stored, every key whose value in the connector's raw config
holds a ``${provider:path:key}`` placeholder gets that raw value back. The config topic (and every
answer) then holds placeholders, never what a provider resolved.

Java serializes a task config from the ``java.util.HashMap`` that method builds, so the keys of a
``task-<connector>-<n>`` record come in that map's iteration order; :func:`java_hash_map_order`
gives the same order, so the records are byte-identical to Java's (JDK 17, Kafka 4's minimum; a
JDK 19+ ``HashMap`` copy is sized differently and may order some maps differently).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar

from connectrt.config.providers import PATTERN

V = TypeVar("V")

_MAXIMUM_CAPACITY = 1 << 30


def java_string_hash(text: str) -> int:
    """``String.hashCode()``: over UTF-16 code units, as a 32-bit unsigned value."""
    units = text.encode("utf-16-be", "surrogatepass")
    h = 0
    for i in range(0, len(units), 2):
        h = (31 * h + ((units[i] << 8) | units[i + 1])) & 0xFFFFFFFF
    return h


def _table_size_for(cap: int) -> int:
    n = 1
    while n < cap:
        n <<= 1
    return min(max(n, 1), _MAXIMUM_CAPACITY)


def java_hash_map_order(entries: Mapping[str, V]) -> dict[str, V]:
    """``entries`` in the iteration order of ``new HashMap<>(entries)`` (insertion order breaks ties
    within a bucket, as the linked bins keep it)."""
    size = len(entries)
    if size == 0:
        return {}
    capacity = _table_size_for(int(size / 0.75 + 1.0))  # HashMap(Map) pre-sizing on JDK 17
    mask = capacity - 1

    def bucket(key: str) -> int:
        h = java_string_hash(key)
        return (h ^ (h >> 16)) & mask

    return {k: entries[k] for k in sorted(entries, key=bucket)}


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
