# The compiled module (native/src, Rust): see connectrt_postgres/native.py.
from typing import Any

ABI: int
KINDS: list[int]

class TablePlan:
    def __init__(
        self,
        ncols: int,
        fields: list[tuple[int, int, int, bytes, bytes]],
        keys: list[tuple[int | None, tuple[int, int, int, bytes, bytes]]],
        key_prefix: bytes,
        key_suffix: bytes,
        value_prefix: bytes,
        value_suffix: bytes,
        source_table: bytes,
    ) -> None: ...

class StreamConfig:
    def __init__(
        self,
        source_head: bytes,
        source_snapshot_db: bytes,
        skip_create: bool,
        skip_update: bool,
        skip_delete: bool,
        tombstones: bool,
        stop_at_commit: bool,
    ) -> None: ...

def process(
    config: StreamConfig,
    frames: list[tuple[int, bytes]],
    start: int,
    plans: dict[int, TablePlan],
    ignored: Any,
    state: dict[str, Any],
    fixed_now_ns: int = 0,
) -> tuple[int, dict[str, Any], list[tuple[Any, ...]], int]: ...
def convert_value(kind: int, param: int, text: bytes) -> bytes | None: ...
def snapshot_rows(
    plan: TablePlan,
    data: bytes,
    source_before: bytes,
    source_after: bytes,
    marker: bytes,
    first_marker: bytes | None = None,
    fixed_now_ns: int = 0,
) -> list[tuple[bytes | None, bytes | None, bytes, int]]: ...
