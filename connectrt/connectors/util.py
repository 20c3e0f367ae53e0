"""Small helpers shared by the built-in connectors: version, Java-style value strings, partitions."""

from __future__ import annotations

import datetime as _dt
import decimal as _decimal
import math
from collections.abc import Mapping
from typing import Any

from connectrt.api.connector import ConnectException
from connectrt.api.data import Struct
from connectrt.api.plugin import KAFKA_CONNECT_VERSION

#: The version every built-in connector (and its task) reports: the Kafka version, as Java's do.
VERSION = KAFKA_CONNECT_VERSION


def parse_bool(value: Any) -> bool:
    """Java's ``Boolean.parseBoolean``: true only for a case-insensitive "true"."""
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() == "true"


def partition_from_key(key: Any) -> dict[str, Any] | None:
    """A source partition map from an ``alter_offsets`` key.

    The runtime may key the offsets it passes by the partition dict itself (wrapped in something
    hashable) or by ``freeze(partition)``, a tuple of ``(key, value)`` pairs; both are accepted.
    """
    if key is None:
        return None
    if isinstance(key, Mapping):
        return dict(key)
    if isinstance(key, tuple) and all(isinstance(item, tuple) and len(item) == 2 for item in key):
        return {str(k): v for k, v in key}
    raise ConnectException(f"Source partitions must be JSON objects, but got {key!r}")


def is_long(value: Any) -> bool:
    """True for an integer that is not a boolean (Java's ``instanceof Long`` after JSON parsing)."""
    return isinstance(value, int) and not isinstance(value, bool)


# --- Java's String.valueOf for Connect values -----------------------------------------------------


def java_double(value: float) -> str:
    """``Double.toString``: plain decimal for 1e-3 <= |x| < 1e7, otherwise ``d.dddE±n``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0.0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    shortest = _decimal.Decimal(repr(value))  # the shortest digits that round-trip, as Java's
    sign, digit_tuple, exp = shortest.as_tuple()
    assert isinstance(exp, int)
    digits = "".join(map(str, digit_tuple)).rstrip("0") or "0"
    exp += len(digit_tuple) - len(digits)
    prefix = "-" if sign else ""
    if 1e-3 <= abs(value) < 1e7:
        text = format(shortest, "f")
        if "." in text:
            text = text.rstrip("0")
            return text + "0" if text.endswith(".") else text
        return text + ".0"
    sci_exp = len(digits) - 1 + exp
    return f"{prefix}{digits[0]}.{digits[1:] or '0'}E{sci_exp}"


def _java_date(value: _dt.datetime) -> str:
    # java.util.Date.toString in a UTC JVM: "Thu Jan 01 00:00:00 UTC 1970"
    if value.tzinfo is not None:
        value = value.astimezone(_dt.UTC)
    return value.strftime("%a %b %d %H:%M:%S UTC %Y")


def java_string(value: Any) -> str:
    """How Java's ``PrintStream.println(Object)`` prints a Connect value.

    bytes are decoded as UTF-8 rather than printed as a Java array identity (``[B@1b6d3586``),
    which carries no information.
    """
    if value is None:
        return "null"
    t = type(value)
    if t is str:
        return str(value)
    if t is bool:
        return "true" if value else "false"
    if t is int:
        return str(value)
    if t is float:
        return java_double(value)
    if isinstance(value, Struct):
        return "Struct{" + ",".join(f"{k}={java_string(v)}" for k, v in value.items() if v is not None) + "}"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{java_string(k)}={java_string(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(java_string(v) for v in value) + "]"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, _dt.datetime):
        return _java_date(value)
    if isinstance(value, _dt.date):
        return _java_date(_dt.datetime(value.year, value.month, value.day, tzinfo=_dt.UTC))
    if isinstance(value, _dt.time):
        return _java_date(
            _dt.datetime(
                1970, 1, 1, value.hour, value.minute, value.second, value.microsecond, tzinfo=_dt.UTC
            )
        )
    if isinstance(value, float):
        return java_double(value)
    return str(value)
