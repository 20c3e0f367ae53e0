"""Connect's data model: Schema, SchemaBuilder, Field, Struct and the logical types.

Values are plain Python objects: int, float, bool, str, bytes, list, dict; a schemaful struct value
is a :class:`Struct` (a dict in schema field order that knows its schema). Logical types use
``decimal.Decimal`` (Decimal), ``datetime.date`` (Date), ``datetime.time`` (Time) and timezone-aware
``datetime.datetime`` in UTC (Timestamp), as Java uses BigDecimal and java.util.Date.

Schemas are immutable and hashable, so they can key the caches that SMTs and converters keep.
"""

from __future__ import annotations

import builtins
import datetime as _dt
import decimal as _decimal
from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any


class DataException(Exception):
    """Raised when a value does not match its schema or cannot be converted (Java's DataException)."""


class SchemaType(str, Enum):
    INT8 = "int8"
    INT16 = "int16"
    INT32 = "int32"
    INT64 = "int64"
    FLOAT32 = "float32"
    FLOAT64 = "float64"
    BOOLEAN = "boolean"
    STRING = "string"
    BYTES = "bytes"
    ARRAY = "array"
    MAP = "map"
    STRUCT = "struct"

    @property
    def is_primitive(self) -> bool:
        return self not in (SchemaType.ARRAY, SchemaType.MAP, SchemaType.STRUCT)

    def __str__(self) -> str:
        return self.name


_INT_RANGES: dict[SchemaType, tuple[int, int]] = {
    SchemaType.INT8: (-(2**7), 2**7 - 1),
    SchemaType.INT16: (-(2**15), 2**15 - 1),
    SchemaType.INT32: (-(2**31), 2**31 - 1),
    SchemaType.INT64: (-(2**63), 2**63 - 1),
}


class Field:
    """A named, indexed field of a struct schema."""

    __slots__ = ("index", "name", "schema")

    def __init__(self, name: str, index: int, schema: Schema) -> None:
        self.name = name
        self.index = index
        self.schema = schema

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Field)
            and self.name == other.name
            and self.index == other.index
            and self.schema == other.schema
        )

    def __hash__(self) -> int:
        return hash((self.name, self.index, self.schema))

    def __repr__(self) -> str:
        return f"Field(name={self.name}, index={self.index}, schema={self.schema!r})"


class Schema:
    """An immutable Connect schema (Java's ConnectSchema)."""

    __slots__ = (
        "_field_map",
        "_hash",
        "default",
        "doc",
        "fields",
        "key_schema",
        "name",
        "optional",
        "parameters",
        "type",
        "value_schema",
        "version",
    )

    # Filled in below the class body.
    INT8_SCHEMA: Schema
    INT16_SCHEMA: Schema
    INT32_SCHEMA: Schema
    INT64_SCHEMA: Schema
    FLOAT32_SCHEMA: Schema
    FLOAT64_SCHEMA: Schema
    BOOLEAN_SCHEMA: Schema
    STRING_SCHEMA: Schema
    BYTES_SCHEMA: Schema
    OPTIONAL_INT8_SCHEMA: Schema
    OPTIONAL_INT16_SCHEMA: Schema
    OPTIONAL_INT32_SCHEMA: Schema
    OPTIONAL_INT64_SCHEMA: Schema
    OPTIONAL_FLOAT32_SCHEMA: Schema
    OPTIONAL_FLOAT64_SCHEMA: Schema
    OPTIONAL_BOOLEAN_SCHEMA: Schema
    OPTIONAL_STRING_SCHEMA: Schema
    OPTIONAL_BYTES_SCHEMA: Schema

    def __init__(
        self,
        type: SchemaType,
        optional: bool = False,
        default: Any = None,
        name: str | None = None,
        version: int | None = None,
        doc: str | None = None,
        parameters: Mapping[str, str] | None = None,
        fields: Iterable[Field] | None = None,
        key_schema: Schema | None = None,
        value_schema: Schema | None = None,
    ) -> None:
        self.type = type
        self.optional = optional
        self.default = default
        self.name = name
        self.version = version
        self.doc = doc
        self.parameters: dict[str, str] | None = dict(parameters) if parameters is not None else None
        self.fields: tuple[Field, ...] | None = tuple(fields or ()) if type is SchemaType.STRUCT else None
        self._field_map = {f.name: f for f in self.fields} if self.fields is not None else None
        self.key_schema = key_schema
        self.value_schema = value_schema
        self._hash: int | None = None

    # --- accessors -------------------------------------------------------------------------
    def field(self, name: str) -> Field | None:
        if self._field_map is None:
            raise DataException("Cannot look up fields on non-struct type")
        return self._field_map.get(name)

    def field_names(self) -> list[str]:
        if self.fields is None:
            raise DataException("Cannot list fields on non-struct type")
        return [f.name for f in self.fields]

    @property
    def is_optional(self) -> bool:
        return self.optional

    # --- value semantics -------------------------------------------------------------------
    def _key(self) -> tuple[Any, ...]:
        default = self.default
        if isinstance(default, (dict, list)):
            default = repr(default)
        return (
            self.type,
            self.optional,
            default,
            self.name,
            self.version,
            self.doc,
            tuple(sorted(self.parameters.items())) if self.parameters is not None else None,
            self.fields,
            self.key_schema,
            self.value_schema,
        )

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        return isinstance(other, Schema) and self._key() == other._key()

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(self._key())
        return self._hash

    def __repr__(self) -> str:
        parts = [f"type={self.type.name}"]
        if self.optional:
            parts.append("optional")
        if self.name:
            parts.append(f"name={self.name}")
        if self.fields:
            parts.append("fields=[" + ", ".join(f"{f.name}:{f.schema!r}" for f in self.fields) + "]")
        return "Schema{" + ", ".join(parts) + "}"

    # --- validation ------------------------------------------------------------------------
    def validate_value(self, value: Any, field_name: str | None = None) -> None:
        validate_value(self, value, field_name)


def _primitive(t: SchemaType, optional: bool) -> Schema:
    return Schema(t, optional=optional)


Schema.INT8_SCHEMA = _primitive(SchemaType.INT8, False)
Schema.INT16_SCHEMA = _primitive(SchemaType.INT16, False)
Schema.INT32_SCHEMA = _primitive(SchemaType.INT32, False)
Schema.INT64_SCHEMA = _primitive(SchemaType.INT64, False)
Schema.FLOAT32_SCHEMA = _primitive(SchemaType.FLOAT32, False)
Schema.FLOAT64_SCHEMA = _primitive(SchemaType.FLOAT64, False)
Schema.BOOLEAN_SCHEMA = _primitive(SchemaType.BOOLEAN, False)
Schema.STRING_SCHEMA = _primitive(SchemaType.STRING, False)
Schema.BYTES_SCHEMA = _primitive(SchemaType.BYTES, False)
Schema.OPTIONAL_INT8_SCHEMA = _primitive(SchemaType.INT8, True)
Schema.OPTIONAL_INT16_SCHEMA = _primitive(SchemaType.INT16, True)
Schema.OPTIONAL_INT32_SCHEMA = _primitive(SchemaType.INT32, True)
Schema.OPTIONAL_INT64_SCHEMA = _primitive(SchemaType.INT64, True)
Schema.OPTIONAL_FLOAT32_SCHEMA = _primitive(SchemaType.FLOAT32, True)
Schema.OPTIONAL_FLOAT64_SCHEMA = _primitive(SchemaType.FLOAT64, True)
Schema.OPTIONAL_BOOLEAN_SCHEMA = _primitive(SchemaType.BOOLEAN, True)
Schema.OPTIONAL_STRING_SCHEMA = _primitive(SchemaType.STRING, True)
Schema.OPTIONAL_BYTES_SCHEMA = _primitive(SchemaType.BYTES, True)


class SchemaBuilder:
    """Fluent builder for :class:`Schema` (Java's SchemaBuilder)."""

    def __init__(self, type: SchemaType) -> None:
        self.type = type
        self._optional = False
        self._default: Any = None
        self._name: str | None = None
        self._version: int | None = None
        self._doc: str | None = None
        self._parameters: dict[str, str] | None = None
        self._fields: dict[str, Field] = {}
        self._key_schema: Schema | None = None
        self._value_schema: Schema | None = None

    # factories ------------------------------------------------------------------------------
    @classmethod
    def int8(cls) -> SchemaBuilder:
        return cls(SchemaType.INT8)

    @classmethod
    def int16(cls) -> SchemaBuilder:
        return cls(SchemaType.INT16)

    @classmethod
    def int32(cls) -> SchemaBuilder:
        return cls(SchemaType.INT32)

    @classmethod
    def int64(cls) -> SchemaBuilder:
        return cls(SchemaType.INT64)

    @classmethod
    def float32(cls) -> SchemaBuilder:
        return cls(SchemaType.FLOAT32)

    @classmethod
    def float64(cls) -> SchemaBuilder:
        return cls(SchemaType.FLOAT64)

    @classmethod
    def bool(cls) -> SchemaBuilder:
        return cls(SchemaType.BOOLEAN)

    @classmethod
    def string(cls) -> SchemaBuilder:
        return cls(SchemaType.STRING)

    @classmethod
    def bytes(cls) -> SchemaBuilder:
        return cls(SchemaType.BYTES)

    @classmethod
    def struct(cls) -> SchemaBuilder:
        return cls(SchemaType.STRUCT)

    @classmethod
    def array(cls, value_schema: Schema) -> SchemaBuilder:
        b = cls(SchemaType.ARRAY)
        b._value_schema = value_schema
        return b

    @classmethod
    def map(cls, key_schema: Schema, value_schema: Schema) -> SchemaBuilder:
        b = cls(SchemaType.MAP)
        b._key_schema = key_schema
        b._value_schema = value_schema
        return b

    @classmethod
    def from_schema(cls, schema: Schema, *, copy_fields: builtins.bool = True) -> SchemaBuilder:
        """A builder holding everything of ``schema`` (Java's SchemaUtil.copySchemaBasics + fields)."""
        b = cls(schema.type)
        b._optional = schema.optional
        b._default = schema.default
        b._name = schema.name
        b._version = schema.version
        b._doc = schema.doc
        b._parameters = dict(schema.parameters) if schema.parameters is not None else None
        b._key_schema = schema.key_schema
        b._value_schema = schema.value_schema
        if copy_fields and schema.fields is not None:
            for f in schema.fields:
                b.field(f.name, f.schema)
        return b

    # setters --------------------------------------------------------------------------------
    def optional(self) -> SchemaBuilder:
        self._optional = True
        return self

    def required(self) -> SchemaBuilder:
        self._optional = False
        return self

    def default_value(self, value: Any) -> SchemaBuilder:
        self._default = value
        return self

    def name(self, name: str | None) -> SchemaBuilder:
        self._name = name
        return self

    def version(self, version: int | None) -> SchemaBuilder:
        self._version = version
        return self

    def doc(self, doc: str | None) -> SchemaBuilder:
        self._doc = doc
        return self

    def parameter(self, key: str, value: str) -> SchemaBuilder:
        if self._parameters is None:
            self._parameters = {}
        self._parameters[key] = value
        return self

    def parameters(self, params: Mapping[str, str]) -> SchemaBuilder:
        if self._parameters is None:
            self._parameters = {}
        self._parameters.update(params)
        return self

    def field(self, name: str, schema: Schema) -> SchemaBuilder:
        if self.type is not SchemaType.STRUCT:
            raise DataException("Cannot create fields on type " + self.type.name)
        if not name:
            raise DataException("fieldName cannot be null.")
        if name in self._fields:
            raise DataException("Cannot create field because of field name duplication " + name)
        self._fields[name] = Field(name, len(self._fields), schema)
        return self

    @property
    def fields(self) -> list[Field]:
        return list(self._fields.values())

    def build(self) -> Schema:
        schema = Schema(
            self.type,
            optional=self._optional,
            default=None,
            name=self._name,
            version=self._version,
            doc=self._doc,
            parameters=self._parameters,
            fields=self._fields.values() if self.type is SchemaType.STRUCT else None,
            key_schema=self._key_schema,
            value_schema=self._value_schema,
        )
        if self._default is not None:
            validate_value(schema, self._default)
            schema.default = self._default
        return schema


class Struct(dict[str, Any]):
    """A structured record value: a dict holding every field of its schema, in schema order."""

    __slots__ = ("schema",)

    def __init__(self, schema: Schema, values: Mapping[str, Any] | None = None) -> None:
        if schema.type is not SchemaType.STRUCT:
            raise DataException("Not a struct schema: " + repr(schema))
        super().__init__()
        self.schema = schema
        assert schema.fields is not None
        if values is None:
            for f in schema.fields:
                dict.__setitem__(self, f.name, None)
        else:
            for f in schema.fields:
                dict.__setitem__(self, f.name, values.get(f.name))

    def put(self, name: str, value: Any) -> Struct:
        field = self.schema.field(name)
        if field is None:
            raise DataException(f"{name} is not a valid field name")
        validate_value(field.schema, value, name)
        dict.__setitem__(self, name, value)
        return self

    def __setitem__(self, name: str, value: Any) -> None:
        if self.schema.field(name) is None:
            raise DataException(f"{name} is not a valid field name")
        dict.__setitem__(self, name, value)

    def get_checked(self, name: str) -> Any:
        """The value of a field, or its schema default when null (Java's Struct.get)."""
        field = self.schema.field(name)
        if field is None:
            raise DataException(f"{name} is not a valid field name")
        value = dict.__getitem__(self, name)
        if value is None and field.schema.default is not None:
            return field.schema.default
        return value

    def get_without_default(self, name: str) -> Any:
        if self.schema.field(name) is None:
            raise DataException(f"{name} is not a valid field name")
        return dict.__getitem__(self, name)

    def validate(self) -> None:
        assert self.schema.fields is not None
        for f in self.schema.fields:
            validate_value(f.schema, dict.__getitem__(self, f.name), f.name)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Struct):
            return self.schema == other.schema and dict.__eq__(self, other)
        return False

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__ = None  # type: ignore[assignment,unused-ignore]

    def __repr__(self) -> str:
        return "Struct{" + ",".join(f"{k}={v!r}" for k, v in self.items() if v is not None) + "}"

    def copy(self) -> Struct:
        return Struct(self.schema, self)


# --- logical types ---------------------------------------------------------------------------

EPOCH_DATE = _dt.date(1970, 1, 1)
EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)


_EXACT = _decimal.Context(prec=_decimal.MAX_PREC, Emax=_decimal.MAX_EMAX, Emin=_decimal.MIN_EMIN)


class Decimal:
    LOGICAL_NAME = "org.apache.kafka.connect.data.Decimal"
    SCALE_FIELD = "scale"

    @staticmethod
    def builder(scale: int) -> SchemaBuilder:
        return (
            SchemaBuilder.bytes()
            .name(Decimal.LOGICAL_NAME)
            .parameter(Decimal.SCALE_FIELD, str(scale))
            .version(1)
        )

    @staticmethod
    def schema(scale: int, optional: bool = False) -> Schema:
        b = Decimal.builder(scale)
        if optional:
            b.optional()
        return b.build()

    @staticmethod
    def scale(schema: Schema) -> int:
        params = schema.parameters or {}
        if Decimal.SCALE_FIELD not in params:
            raise DataException("Invalid Decimal schema: scale parameter not found.")
        return int(params[Decimal.SCALE_FIELD])

    @staticmethod
    def from_logical(schema: Schema, value: _decimal.Decimal) -> bytes:
        scale = Decimal.scale(schema)
        exponent = value.as_tuple().exponent
        if not isinstance(exponent, int) or -exponent != scale:
            raise DataException(
                f"Decimal value has mismatching scale for given Decimal schema. "
                f"Schema has scale {scale}, value has scale {-exponent if isinstance(exponent, int) else exponent}."
            )
        unscaled = int(value.scaleb(scale, _EXACT))
        return unscaled.to_bytes(
            max(1, (unscaled + (unscaled < 0)).bit_length() // 8 + 1), "big", signed=True
        )

    @staticmethod
    def to_logical(schema: Schema, value: bytes) -> _decimal.Decimal:
        unscaled = int.from_bytes(value, "big", signed=True)
        return _decimal.Decimal(f"{unscaled}E{-Decimal.scale(schema)}")


class Date:
    LOGICAL_NAME = "org.apache.kafka.connect.data.Date"

    @staticmethod
    def builder() -> SchemaBuilder:
        return SchemaBuilder.int32().name(Date.LOGICAL_NAME).version(1)

    SCHEMA: Schema

    @staticmethod
    def from_logical(schema: Schema, value: _dt.date) -> int:
        if isinstance(value, _dt.datetime):
            if value.time() != _dt.time(0) and value.tzinfo is not None:
                raise DataException(
                    "Kafka Connect Date type should not have any time fields set to non-zero values."
                )
            value = value.date()
        return (value - EPOCH_DATE).days

    @staticmethod
    def to_logical(schema: Schema, value: int) -> _dt.date:
        return EPOCH_DATE + _dt.timedelta(days=value)


class Time:
    LOGICAL_NAME = "org.apache.kafka.connect.data.Time"

    @staticmethod
    def builder() -> SchemaBuilder:
        return SchemaBuilder.int32().name(Time.LOGICAL_NAME).version(1)

    SCHEMA: Schema

    @staticmethod
    def from_logical(schema: Schema, value: _dt.time) -> int:
        return ((value.hour * 60 + value.minute) * 60 + value.second) * 1000 + value.microsecond // 1000

    @staticmethod
    def to_logical(schema: Schema, value: int) -> _dt.time:
        if value < 0 or value >= 86_400_000:
            raise DataException(
                "Time values must use number of milliseconds greater than 0 and less than 86400000"
            )
        ms = value % 1000
        s = value // 1000
        return _dt.time(s // 3600, (s // 60) % 60, s % 60, ms * 1000)


class Timestamp:
    LOGICAL_NAME = "org.apache.kafka.connect.data.Timestamp"

    @staticmethod
    def builder() -> SchemaBuilder:
        return SchemaBuilder.int64().name(Timestamp.LOGICAL_NAME).version(1)

    SCHEMA: Schema

    @staticmethod
    def from_logical(schema: Schema, value: _dt.datetime) -> int:
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.UTC)
        delta = value - EPOCH
        return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000

    @staticmethod
    def to_logical(schema: Schema, value: int) -> _dt.datetime:
        return EPOCH + _dt.timedelta(milliseconds=value)


Date.SCHEMA = Date.builder().build()
Time.SCHEMA = Time.builder().build()
Timestamp.SCHEMA = Timestamp.builder().build()

LOGICAL_TYPES: dict[str, Any] = {
    Decimal.LOGICAL_NAME: Decimal,
    Date.LOGICAL_NAME: Date,
    Time.LOGICAL_NAME: Time,
    Timestamp.LOGICAL_NAME: Timestamp,
}


# --- validation ------------------------------------------------------------------------------

_PY_TYPES: dict[SchemaType, tuple[type, ...]] = {
    SchemaType.INT8: (int,),
    SchemaType.INT16: (int,),
    SchemaType.INT32: (int,),
    SchemaType.INT64: (int,),
    SchemaType.FLOAT32: (float, int),
    SchemaType.FLOAT64: (float, int),
    SchemaType.BOOLEAN: (bool,),
    SchemaType.STRING: (str,),
    SchemaType.BYTES: (bytes, bytearray, memoryview),
    SchemaType.ARRAY: (list, tuple),
    SchemaType.MAP: (dict,),
    SchemaType.STRUCT: (Struct,),
}

_LOGICAL_PY_TYPES: dict[str, tuple[type, ...]] = {
    Decimal.LOGICAL_NAME: (_decimal.Decimal,),
    Date.LOGICAL_NAME: (_dt.date,),
    Time.LOGICAL_NAME: (_dt.time,),
    Timestamp.LOGICAL_NAME: (_dt.datetime,),
}


def validate_value(schema: Schema, value: Any, field_name: str | None = None) -> None:
    """Check ``value`` against ``schema`` (Java's ConnectSchema.validateValue)."""
    _validate(schema, value, field_name)


def _validate(schema: Schema, obj: object, field_name: str | None) -> None:
    value: Any = obj
    where = f' for field: "{field_name}"' if field_name else ""
    if value is None:
        if not schema.optional:
            location = f'field: "{field_name}"' if field_name else "value"
            raise DataException(
                f"Invalid value: null used for required {location}, schema type: {schema.type.name}"
            )
        return
    expected = _LOGICAL_PY_TYPES.get(schema.name or "") or _PY_TYPES[schema.type]
    if not isinstance(obj, expected) or (
        isinstance(obj, bool) and schema.type is not SchemaType.BOOLEAN and bool not in expected
    ):
        raise DataException(
            f"Invalid Java object for schema with type {schema.type.name}: {type(value).__name__}{where}"
        )
    if schema.type in _INT_RANGES and not schema.name:
        lo, hi = _INT_RANGES[schema.type]
        if not lo <= value <= hi:
            raise DataException(f"Value {value} out of range for {schema.type.name}{where}")
    if schema.type is SchemaType.STRUCT:
        if value.schema != schema:
            raise DataException("Struct schemas do not match.")
        value.validate()
    elif schema.type is SchemaType.ARRAY:
        assert schema.value_schema is not None
        for item in value:
            validate_value(schema.value_schema, item, "entry")
    elif schema.type is SchemaType.MAP:
        assert schema.key_schema is not None and schema.value_schema is not None
        for k, v in value.items():
            validate_value(schema.key_schema, k, "key")
            validate_value(schema.value_schema, v, "value")


def infer_schema(value: Any) -> Schema | None:
    """The schema of a primitive or Struct value, or None when it cannot be inferred."""
    if isinstance(value, Struct):
        return value.schema
    if isinstance(value, bool):
        return Schema.BOOLEAN_SCHEMA
    if isinstance(value, str):
        return Schema.STRING_SCHEMA
    if isinstance(value, int):
        return Schema.INT64_SCHEMA
    if isinstance(value, float):
        return Schema.FLOAT64_SCHEMA
    if isinstance(value, (bytes, bytearray)):
        return Schema.BYTES_SCHEMA
    return None
