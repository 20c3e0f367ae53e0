# The compiled module (native/src, Rust): see connectrt_s3/native.py.
from typing import Any

ABI: int

class Plan:
    def __init__(self, fields: list[tuple[bytes, int, bool]], keys: list[bytes]) -> None: ...

class Slot:
    room: int
    count: int
    last_offset: int
    def __init__(self, plan: Plan, prefixes: list[bytes], json: bool, room: int) -> None: ...
    def take_lines(self) -> bytes: ...
    def take_columns(self) -> tuple[list[tuple[bytes | None, bytes, bytes | None, int]], int]: ...

def take(messages: list[Any], start: int, host: Any, any_key: bool) -> int: ...
