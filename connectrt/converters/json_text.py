"""JSON text as Jackson writes and reads it, on top of orjson.

Writing: orjson's output differs from Jackson's only in escapes: Jackson writes control characters as
``\\u001F`` (upper-case hex) and characters outside the BMP as a surrogate pair of escapes (``\\uD83D\\uDE00``);
:func:`java_escapes` rewrites those, and costs one scan of ASCII-only output.

Reading: Jackson (as Connect configures it) accepts leading zeros in numbers, numbers beyond float64 and
ignores anything after the first JSON value; :func:`loads` falls back to that when orjson refuses a document.
"""

from __future__ import annotations

import decimal as _decimal
import json
import re
from typing import Any

import orjson

from connectrt.api.data import DataException

MISSING: Any = object()  # Jackson's MissingNode: an empty (or blank) document
READ_ERROR = "Converting byte[] to Kafka Connect data failed due to serialization error: "

_LOWER_HEX_ESCAPE = re.compile(rb"(?<!\\)((?:\\\\)*)\\u00([01][0-9a-f])")
_ASTRAL = re.compile(rb"[\xf0-\xf4][\x80-\xbf]{3}")
_LEADING_ZEROS = re.compile(r'"(?:[^"\\]|\\.)*"|(?<![\w.+-])(-?)0+(?=[0-9])')


def _upper_hex(m: re.Match[bytes]) -> bytes:
    return m.group(1) + b"\\u00" + m.group(2).upper()


def _surrogates(m: re.Match[bytes]) -> bytes:
    code = ord(m.group(0).decode("utf-8")) - 0x10000
    return b"\\u%04X\\u%04X" % (0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF))


def java_escapes(out: bytes) -> bytes:
    """orjson output rewritten with Jackson's escapes."""
    if out.isascii():
        if (
            out.find(b"\\u00") >= 0
        ):  # not "in", which first tries b"..." as an int (a raised and cleared TypeError)
            return _LOWER_HEX_ESCAPE.sub(_upper_hex, out)
        return out
    if out.find(b"\\u00") >= 0:
        out = _LOWER_HEX_ESCAPE.sub(_upper_hex, out)
    return _ASTRAL.sub(_surrogates, out)


WRITE_ERROR = "Converting Kafka Connect data to byte[] failed due to serialization error: "


def dumps(tree: Any) -> bytes:
    """Serialize a JSON tree (which may hold orjson Fragments) as Jackson would."""
    try:
        return java_escapes(orjson.dumps(tree))
    except orjson.JSONEncodeError as e:
        raise DataException(WRITE_ERROR) from e


def _reject_constant(name: str) -> Any:
    raise ValueError(f"Non-standard token '{name}'")


def _fix_leading_zeros(text: str) -> str:
    return _LEADING_ZEROS.sub(lambda m: m.group(0) if m.group(0)[0] == '"' else m.group(1), text)


def _lenient(data: bytes, exact: bool) -> Any:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DataException(READ_ERROR) from e
    text = text.lstrip(" \t\r\n")
    if not text:
        return MISSING
    text = _fix_leading_zeros(text)
    decoder = json.JSONDecoder(
        parse_float=_decimal.Decimal if exact else float,
        parse_constant=_reject_constant,
    )
    try:
        return decoder.raw_decode(text)[0]
    except ValueError as e:
        raise DataException(READ_ERROR) from e


def loads(data: bytes) -> Any:
    """Parse a document as Connect's JsonDeserializer does; :data:`MISSING` for an empty one."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return _lenient(data, exact=False)


def loads_exact(data: bytes) -> Any:
    """Like :func:`loads`, but non-integral numbers become exact ``decimal.Decimal`` values."""
    return _lenient(data, exact=True)
