"""Java's ``String.hashCode`` and ``java.util.HashMap`` iteration order.

Java serializes some maps and sets straight from a ``HashMap``/``HashSet`` (task configs in the
config topic, validation entries, the valid values some validators list), so their order is the
hash table's; these functions give the same order, so what connectrt writes and answers is
byte-identical to Java's (JDK 17, Kafka 4's minimum; a JDK 19+ ``HashMap(Map)`` copy is sized
differently and may order some maps differently).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

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


def java_hash_map_order(entries: Mapping[str, V], presized: bool = True) -> dict[str, V]:
    """``entries`` in the iteration order of a ``java.util.HashMap`` holding them: ``new
    HashMap<>(entries)`` (``presized``), or a ``new HashMap<>()`` they were put into one by one,
    which grows from 16 buckets. Insertion order breaks ties within a bucket, as the linked bins keep
    it (through resizes too)."""
    size = len(entries)
    if size == 0:
        return {}
    if presized:
        capacity = _table_size_for(int(size / 0.75 + 1.0))  # HashMap(Map) pre-sizing on JDK 17
    else:
        capacity = 16
        while size > capacity * 0.75 and capacity < _MAXIMUM_CAPACITY:
            capacity <<= 1
    mask = capacity - 1

    def bucket(key: str) -> int:
        h = java_string_hash(key)
        return (h ^ (h >> 16)) & mask

    return {k: entries[k] for k in sorted(entries, key=bucket)}
