"""Java's ``Values.parseString``: a tokenizer and a recursive parser that infers schemas."""

from __future__ import annotations

import decimal as _decimal
import math
from typing import Any

from connectrt.api.data import DataException, Decimal, Schema, SchemaType
from connectrt.api.values._java import (
    LONG_MAX,
    LONG_MIN,
    NULL_SCHEMA_AND_VALUE,
    SchemaAndValue,
    big_decimal,
    is_blank,
    java_trim,
    parse_as_temporal,
    to_float32,
)

# --- tokenizer -------------------------------------------------------------------------------

_DELIMITERS = frozenset(':,{}[]"')


class _Parser:
    """Java's ``Values.Parser``: splits text on unescaped ``: , { } [ ] "``; marks are token indexes."""

    __slots__ = ("_i", "_next", "_prev", "original", "starts", "tokens")

    def __init__(self, original: str) -> None:
        self.original = original
        tokens: list[str] = []
        starts: list[int] = []
        start = 0
        escaped = False
        for i, c in enumerate(original):
            if c == "\\":
                escaped = not escaped
            elif c in _DELIMITERS:
                if not escaped:
                    if start < i:
                        tokens.append(original[start:i])
                        starts.append(start)
                    tokens.append(c)
                    starts.append(i)
                    start = i + 1
                escaped = False
            else:
                escaped = False
        if start < len(original):
            tokens.append(original[start:])
            starts.append(start)
        starts.append(len(original))
        self.tokens = tokens
        self.starts = starts
        self._i = 0
        self._next: int | None = None
        self._prev: str | None = None

    def position(self) -> int:
        return self.starts[self._i]

    def mark(self) -> int:
        return self._next if self._next is not None else self._i

    def rewind_to(self, mark: int) -> None:
        self._i = mark
        self._next = None
        self._prev = None

    def has_next(self) -> bool:
        return self._next is not None or self._i < len(self.tokens)

    def next(self) -> str:
        if self._next is not None:
            token = self.tokens[self._next]
            self._next = None
        elif self._i < len(self.tokens):
            token = self.tokens[self._i]
            self._i += 1
        else:
            token = ""
        self._prev = token
        return token

    def next_n(self, n: int) -> str | None:
        start = self.mark()
        for _ in range(n):
            if not self.has_next():
                self.rewind_to(start)
                return None
            self.next()
        return self.original[self.starts[start] : self.position()]

    def previous(self) -> str | None:
        return self._prev

    def can_consume(self, expected: str, ignore_whitespace: bool = True) -> bool:
        if self._is_next(expected, ignore_whitespace):
            self._next = None
            return True
        return False

    def _is_next(self, expected: str, ignore_whitespace: bool) -> bool:
        tokens = self.tokens
        if self._next is None:
            if self._i >= len(tokens):
                return False
            self._next = self._i
            self._i += 1
        if ignore_whitespace:
            while is_blank(tokens[self._next]) and self._i < len(tokens):
                self._next = self._i
                self._i += 1
            return java_trim(tokens[self._next]) == expected
        return tokens[self._next] == expected


# --- parsing ---------------------------------------------------------------------------------


class _ValueParser:
    def __init__(self, parser: _Parser) -> None:
        self.parser = parser

    def _single_token_literal(self, embedded: bool, literal: str) -> bool:
        p = self.parser
        start = p.mark()
        if p.can_consume(literal) and (embedded or not p.has_next()):
            return True
        p.rewind_to(start)
        return False

    def parse(self, embedded: bool) -> SchemaAndValue | None:
        p = self.parser
        if not p.has_next():
            return None
        if embedded and p.can_consume('"'):
            return self._parse_quoted_string()
        if self._single_token_literal(embedded, "null"):
            return None
        if self._single_token_literal(embedded, "true"):
            return SchemaAndValue(Schema.BOOLEAN_SCHEMA, True)
        if self._single_token_literal(embedded, "false"):
            return SchemaAndValue(Schema.BOOLEAN_SCHEMA, False)
        start = p.mark()
        try:
            if p.can_consume("["):
                return self._parse_array()
            if p.can_consume("{"):
                return self._parse_map()
        except DataException:
            p.rewind_to(start)
        token = p.next()
        if is_blank(token):
            return SchemaAndValue(Schema.STRING_SCHEMA, token)
        return self._parse_next_token(embedded, java_trim(token))

    def _parse_next_token(self, embedded: bool, token: str) -> SchemaAndValue:
        first = token[0]
        if first.isdecimal():
            temporal = self._parse_multiple_tokens_as_temporal(token)
            if temporal is not None:
                return temporal
        if first.isdecimal() or first in "+-":
            try:
                return _parse_as_number(token)
            except ValueError:
                pass
        if embedded:
            raise DataException("Failed to parse embedded value")
        return SchemaAndValue(Schema.STRING_SCHEMA, self.parser.original)

    def _parse_multiple_tokens_as_temporal(self, token: str) -> SchemaAndValue | None:
        # An unescaped time or timestamp spans 5 tokens, as ':' is a delimiter.
        p = self.parser
        position = p.mark()
        remainder = p.next_n(4)
        if remainder is not None:
            temporal = parse_as_temporal(token + remainder)
            if temporal is not None:
                return temporal
        p.rewind_to(position)
        return parse_as_temporal(token)

    def _parse_quoted_string(self) -> SchemaAndValue:
        p = self.parser
        parts: list[str] = []
        while p.has_next():
            if p.can_consume('"'):
                break
            parts.append(p.next())
        content = "".join(parts)
        temporal = parse_as_temporal(content)
        if temporal is not None:
            return temporal
        return SchemaAndValue(Schema.STRING_SCHEMA, content)

    def _parse_array(self) -> SchemaAndValue:
        p = self.parser
        result: list[Any] = []
        merger = _SchemaMerger()
        while p.has_next():
            if p.can_consume("]"):
                if merger.common is not None:
                    from connectrt.api.values._convert import convert_to

                    schema = Schema(SchemaType.ARRAY, value_schema=merger.common)
                    result = [convert_to(merger.common, None, v) for v in result]
                else:
                    schema = Schema(SchemaType.ARRAY)  # every element is null
                return SchemaAndValue(schema, result)
            if p.can_consume(","):
                raise DataException("Unable to parse an empty array element: " + p.original)
            element = self.parse(True)
            merger.merge(element)
            result.append(element.value if element is not None else None)
            position = p.mark()
            if p.can_consume("]"):
                p.rewind_to(position)
            elif not p.can_consume(","):
                raise DataException("Array elements missing ',' delimiter")
        if p.previous() == ",":
            raise DataException("Array is missing element after ',': " + p.original)
        raise DataException("Array is missing terminating ']': " + p.original)

    def _parse_map(self) -> SchemaAndValue:
        p = self.parser
        result: dict[Any, Any] = {}
        keys = _SchemaMerger()
        values = _SchemaMerger()
        while p.has_next():
            if p.can_consume("}"):
                if keys.common is not None and values.common is not None:
                    schema = Schema(SchemaType.MAP, key_schema=keys.common, value_schema=values.common)
                    result = _align_map(keys.common, values.common, result)
                elif keys.common is not None:
                    schema = Schema(SchemaType.MAP, key_schema=keys.common)
                    result = _align_map(keys.common, None, result)
                else:
                    schema = Schema(SchemaType.MAP)
                return SchemaAndValue(schema, result)
            if p.can_consume(","):
                raise DataException("Unable to parse a map entry with no key or value: " + p.original)
            key = self.parse(True)
            if key is None or key.value is None:
                raise DataException("Map entry may not have a null key: " + p.original)
            if not p.can_consume(":"):
                raise DataException(f"Map entry is missing ':' at {p.position()} in {p.original}")
            value = self.parse(True)
            _put(result, key.value, value.value if value is not None else None)
            p.can_consume(",")
            keys.merge(key)
            values.merge(value)
        if p.previous() == ",":
            raise DataException("Map is missing element after ',': " + p.original)
        raise DataException("Map is missing terminating '}': " + p.original)


def _put(result: dict[Any, Any], key: Any, value: Any) -> None:
    if isinstance(key, list):
        key = tuple(key)
    try:
        result[key] = value
    except TypeError:
        raise DataException(f"Map keys of type {type(key).__name__} are not supported")


def _align_map(key_schema: Schema, value_schema: Schema | None, entries: dict[Any, Any]) -> dict[Any, Any]:
    from connectrt.api.values._convert import convert_to

    aligned: dict[Any, Any] = {}
    for k, v in entries.items():
        _put(
            aligned, convert_to(key_schema, None, k), convert_to(value_schema, None, v) if value_schema else v
        )
    return aligned


def _parse_as_number(token: str) -> SchemaAndValue:
    d = big_decimal(token)
    exact = _parse_as_exact_decimal(d)
    if exact is not None:
        return exact
    exponent = d.as_tuple().exponent
    assert isinstance(exponent, int)
    double = float(d)
    single = to_float32(double)
    if not math.isinf(single) and exponent != 0:
        return SchemaAndValue(Schema.FLOAT32_SCHEMA, single)
    if not math.isinf(double) and exponent != 0:
        return SchemaAndValue(Schema.FLOAT64_SCHEMA, double)
    return SchemaAndValue(Decimal.schema(-exponent), d)


def _parse_as_exact_decimal(d: _decimal.Decimal) -> SchemaAndValue | None:
    magnitude = d.copy_abs()
    if magnitude > 10**19 or (magnitude < 1 and magnitude != 0):
        return None
    if d != d.to_integral_value():
        return None
    integral = int(d)
    if not LONG_MIN <= integral <= LONG_MAX:
        return None
    if -128 <= integral <= 127:
        return SchemaAndValue(Schema.INT8_SCHEMA, integral)
    if -32768 <= integral <= 32767:
        return SchemaAndValue(Schema.INT16_SCHEMA, integral)
    if -(2**31) <= integral < 2**31:
        return SchemaAndValue(Schema.INT32_SCHEMA, integral)
    return SchemaAndValue(Schema.INT64_SCHEMA, integral)


_WIDENING = {
    SchemaType.INT8: (),
    SchemaType.INT16: (SchemaType.INT8,),
    SchemaType.INT32: (SchemaType.INT8, SchemaType.INT16),
    SchemaType.INT64: (SchemaType.INT8, SchemaType.INT16, SchemaType.INT32),
    SchemaType.FLOAT32: (SchemaType.INT8, SchemaType.INT16, SchemaType.INT32, SchemaType.INT64),
    SchemaType.FLOAT64: (
        SchemaType.INT8,
        SchemaType.INT16,
        SchemaType.INT32,
        SchemaType.INT64,
        SchemaType.FLOAT32,
    ),
}
_NUMERIC_ORDER = list(_WIDENING)


def _merge_schemas(previous: Schema, new: Schema) -> Schema | None:
    """The schema able to hold values of both, or None (Java's Values.mergeSchemas)."""
    if previous.type is not new.type:
        if previous.type not in _WIDENING or new.type not in _WIDENING:
            return None
        if new.type in _WIDENING[previous.type]:
            return previous
        return new if _NUMERIC_ORDER.index(new.type) > _NUMERIC_ORDER.index(previous.type) else None
    if previous.optional == new.optional:
        return previous if previous.optional else new
    return None


class _SchemaMerger:
    __slots__ = ("common", "compatible")

    def __init__(self) -> None:
        self.common: Schema | None = None
        self.compatible = True

    def merge(self, latest: SchemaAndValue | None) -> None:
        if latest is not None and latest.schema is not None and self.compatible:
            if self.common is None:
                self.common = latest.schema
            else:
                self.common = _merge_schemas(self.common, latest.schema)
                self.compatible = self.common is not None


def parse_string(value: str | None) -> SchemaAndValue:
    """Infer the schema and value of a string (Java's ``Values.parseString``).

    Text that is not a literal, number, temporal value, array or map is returned unchanged as a string.
    ``"null"`` gives ``(None, None)`` (Java returns a null SchemaAndValue there).
    """
    if value is None:
        return NULL_SCHEMA_AND_VALUE
    if not value:
        return SchemaAndValue(Schema.STRING_SCHEMA, value)
    result = _ValueParser(_Parser(value)).parse(False)
    return result if result is not None else NULL_SCHEMA_AND_VALUE
