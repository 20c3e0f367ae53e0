"""Connect schemas → SQL column types per dialect, and Connect values → the values written.

:func:`column_spec` looks at a field's schema (type, logical or Debezium semantic name, parameters)
and the target dialect and returns the SQLAlchemy type used when a table is created or evolved,
plus a function turning the record's value into what the database driver (or COPY, or Arrow) takes.
Temporal values without a zone are written in ``use.time.zone`` / ``db.timezone`` (UTC by default);
decimals stay exact (``numeric(p,s)``; DuckDB ``DECIMAL(p,s)``).
"""

from __future__ import annotations

import datetime as _dt
import decimal
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa
from connectrt.api.data import DataException, Schema, SchemaType
from sqlalchemy.types import TypeEngine, UserDefinedType

Convert = Callable[[Any], Any]

EPOCH = _dt.datetime(1970, 1, 1)
EPOCH_DATE = _dt.date(1970, 1, 1)
DEFAULT_DECIMAL_PRECISION = 38
_EXACT = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)


class RawType(UserDefinedType[Any]):
    """A column type spelled as it is (``interval``, ``bit varying``, ``point``, ``timetz``...)."""

    cache_ok = True

    def __init__(self, spec: str) -> None:
        self.spec = spec

    def get_col_spec(self, **kw: Any) -> str:
        return self.spec


@dataclass(frozen=True)
class ColumnSpec:
    sql_type: TypeEngine[Any]
    convert: Convert | None
    """None when the Connect value is written as it is."""


def _tz(name: str) -> _dt.tzinfo:
    if name.upper() in ("UTC", "Z", "GMT"):
        return _dt.UTC
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise DataException(f"Unknown time zone '{name}' in use.time.zone / db.timezone.") from None


def _naive(tz: _dt.tzinfo) -> Callable[[_dt.datetime], _dt.datetime]:
    if tz is _dt.UTC:
        return lambda d: d.replace(tzinfo=None)
    return lambda d: d.astimezone(tz).replace(tzinfo=None)


def _time_of(micros: int) -> _dt.time | str:
    if micros == 86_400_000_000:
        return "24:00:00"  # PostgreSQL's end of day; Python's time cannot hold it
    s, us = divmod(micros, 1_000_000)
    return _dt.time(s // 3600, (s // 60) % 60, s % 60, us)


def _zoned_timestamp(text: str) -> _dt.datetime:
    head, dot, frac = text.partition(".")
    if dot:
        digits = len(frac) - len(frac.lstrip("0123456789"))
        frac = frac[: min(digits, 6)] + frac[digits:]
        text = f"{head}.{frac}"
    return _dt.datetime.fromisoformat(text)


def _variable_scale(value: Any) -> decimal.Decimal | None:
    if value is None:
        return None
    unscaled = int.from_bytes(value["value"], "big", signed=True)
    return decimal.Decimal(unscaled).scaleb(-int(value["scale"]), context=_EXACT)


def _interval_text(micros: int) -> str:
    """PostgreSQL interval input that prints back as the source did (``-00:00:01``, not ``-1 days +23:59:59``)."""
    sign = "-" if micros < 0 else ""
    days, rest = divmod(abs(micros), 86_400_000_000)
    s, us = divmod(rest, 1_000_000)
    return f"{sign}{days} days {sign}{s // 3600:02d}:{(s // 60) % 60:02d}:{s % 60:02d}.{us:06d}"


def _bits(length: int) -> Convert:
    def convert(b: bytes) -> str:
        v = int.from_bytes(b, "little")
        return format(v, f"0{length}b") if length < 1 << 20 else format(v, "b")

    return convert


def _json_default(v: Any) -> Any:
    if isinstance(v, decimal.Decimal):
        return str(v)
    if isinstance(v, bytes):
        return v.hex()
    raise TypeError


def json_text(v: Any) -> str:
    return orjson.dumps(v, default=_json_default).decode()


def _nullable(fn: Convert) -> Convert:
    def convert(v: Any) -> Any:
        return None if v is None else fn(v)

    return convert


_INTS: dict[SchemaType, TypeEngine[Any]] = {
    SchemaType.INT8: sa.SmallInteger(),
    SchemaType.INT16: sa.SmallInteger(),
    SchemaType.INT32: sa.Integer(),
    SchemaType.INT64: sa.BigInteger(),
}


def column_spec(schema: Schema, dialect: str, time_zone: str = "UTC", key: bool = False) -> ColumnSpec:
    """The column type and value conversion of a field with ``schema`` in a ``dialect`` database."""
    spec = _semantic(schema, dialect, _tz(time_zone))
    if spec is None:
        spec = _plain(schema, dialect, key)
    if dialect == "sqlite" and (spec.convert is not None or schema.name):
        # sqlite3 binds int/float/str/bytes only: decimals, temporals and JSON become text.
        convert = _chain(spec.convert, _sqlite_value) if spec.convert is not None else _sqlite_value
        return ColumnSpec(spec.sql_type, _nullable(convert))
    return ColumnSpec(spec.sql_type, _nullable(spec.convert) if spec.convert is not None else None)


def _chain(a: Convert, b: Convert) -> Convert:
    return lambda v: b(a(v))


def _sqlite_value(v: Any) -> Any:
    """sqlite3 binds int/float/str/bytes/None only."""
    if isinstance(v, (str, int, float, bytes)) or v is None:
        return v
    if isinstance(v, decimal.Decimal):
        return str(v)
    if isinstance(v, (_dt.datetime, _dt.date, _dt.time)):
        return v.isoformat(" ") if isinstance(v, _dt.datetime) else v.isoformat()
    if isinstance(v, _dt.timedelta):
        return (v.days * 86_400 + v.seconds) * 1_000_000 + v.microseconds
    return json_text(v)


def _semantic(schema: Schema, dialect: str, tz: _dt.tzinfo) -> ColumnSpec | None:
    name = schema.name
    if not name:
        return None
    pg, duck = dialect == "postgresql", dialect == "duckdb"
    naive = _naive(tz)
    if name == "org.apache.kafka.connect.data.Decimal":
        scale = int((schema.parameters or {}).get("scale", "0"))
        precision = (schema.parameters or {}).get("connect.decimal.precision")
        p = int(precision) if precision else (None if pg else DEFAULT_DECIMAL_PRECISION)
        return ColumnSpec(sa.Numeric(p, scale if p is not None else None, asdecimal=True), None)
    if name == "io.debezium.data.VariableScaleDecimal":
        return ColumnSpec(
            sa.Numeric() if pg else sa.Double(), _variable_scale if pg else _chain(_variable_scale, float)
        )
    if name in ("org.apache.kafka.connect.data.Date", "io.debezium.time.Date"):
        if name.startswith("org."):
            return ColumnSpec(sa.Date(), None)
        return ColumnSpec(sa.Date(), lambda d: EPOCH_DATE + _dt.timedelta(days=d))
    if name == "org.apache.kafka.connect.data.Time":
        return ColumnSpec(sa.Time(), None)
    if name in ("io.debezium.time.Time", "io.debezium.time.MicroTime", "io.debezium.time.NanoTime"):
        factor = {"io.debezium.time.Time": 1000, "io.debezium.time.MicroTime": 1}.get(name)
        convert = (lambda v: _time_of(v * factor)) if factor else (lambda v: _time_of(v // 1000))
        return ColumnSpec(sa.Time(), convert)
    if name == "org.apache.kafka.connect.data.Timestamp":
        return ColumnSpec(sa.DateTime(), naive)
    if name in (
        "io.debezium.time.Timestamp",
        "io.debezium.time.MicroTimestamp",
        "io.debezium.time.NanoTimestamp",
    ):
        unit = {"io.debezium.time.Timestamp": 1000, "io.debezium.time.MicroTimestamp": 1}.get(name)
        if tz is _dt.UTC:
            micros: Convert = (
                (lambda v: EPOCH + _dt.timedelta(microseconds=v * unit))
                if unit
                else (lambda v: EPOCH + _dt.timedelta(microseconds=v // 1000))
            )
        else:

            def micros(v: Any, _u: int | None = unit) -> _dt.datetime:
                us = v * _u if _u else v // 1000
                return naive((EPOCH + _dt.timedelta(microseconds=us)).replace(tzinfo=_dt.UTC))

        return ColumnSpec(sa.DateTime(), micros)
    if name == "io.debezium.time.ZonedTimestamp":
        return ColumnSpec(sa.DateTime(timezone=True), _zoned_timestamp)
    if name == "io.debezium.time.ZonedTime":
        return ColumnSpec(
            RawType("TIME WITH TIME ZONE") if pg else RawType("TIMETZ") if duck else sa.Text(), None
        )
    if name == "io.debezium.time.Year":
        return ColumnSpec(sa.Integer(), None)
    if name == "io.debezium.time.MicroDuration":
        if pg:
            return ColumnSpec(RawType("INTERVAL"), _interval_text)
        if duck:
            return ColumnSpec(RawType("INTERVAL"), lambda v: _dt.timedelta(microseconds=v))
        return ColumnSpec(sa.BigInteger(), None)
    if name == "io.debezium.time.Interval":
        return ColumnSpec(RawType("INTERVAL") if pg else sa.Text(), None)
    if name in ("io.debezium.data.Json", "io.debezium.data.Jsonb"):
        return ColumnSpec(RawType("JSONB") if pg else RawType("JSON") if duck else sa.Text(), None)
    if name == "io.debezium.data.Uuid":
        return ColumnSpec(sa.Uuid(as_uuid=False) if pg or duck else sa.Text(), None)
    if name == "io.debezium.data.Xml":
        return ColumnSpec(RawType("XML") if pg else sa.Text(), None)
    if name == "io.debezium.data.Bits":
        length = int((schema.parameters or {}).get("length", "0") or 0)
        spec = f"BIT VARYING({length})" if pg and 0 < length < 83886080 else "BIT VARYING"
        return ColumnSpec(RawType(spec) if pg else sa.Text(), _bits(length))
    if name == "io.debezium.data.geometry.Point":
        return ColumnSpec(RawType("POINT") if pg else sa.Text(), lambda p: f"({_num(p['x'])},{_num(p['y'])})")
    if name in (
        "io.debezium.data.Enum",
        "io.debezium.data.EnumSet",
        "io.debezium.data.Ltree",
        "io.debezium.data.Tsvector",
    ):
        return ColumnSpec(sa.Text(), None)
    return None


def _num(x: float) -> str:
    return repr(x) if x != int(x) else str(int(x))


def _plain(schema: Schema, dialect: str, key: bool) -> ColumnSpec:
    t = schema.type
    if t in _INTS:
        return ColumnSpec(_INTS[t], None)
    if t is SchemaType.FLOAT32:
        return ColumnSpec(sa.REAL(), None)
    if t is SchemaType.FLOAT64:
        return ColumnSpec(sa.Double(), None)
    if t is SchemaType.BOOLEAN:
        return ColumnSpec(sa.Boolean(), None)
    if t is SchemaType.STRING:
        return ColumnSpec(sa.String(255) if key and dialect in ("mysql", "mariadb") else sa.Text(), None)
    if t is SchemaType.BYTES:
        return ColumnSpec(sa.LargeBinary(), None)
    if t is SchemaType.ARRAY and dialect in ("postgresql", "duckdb") and schema.value_schema is not None:
        element = column_spec(schema.value_schema, dialect)
        if not isinstance(element.sql_type, (RawType, sa.JSON)) and schema.value_schema.type not in (
            SchemaType.ARRAY,
            SchemaType.MAP,
            SchemaType.STRUCT,
        ):
            econv = element.convert
            return ColumnSpec(
                sa.ARRAY(element.sql_type), (lambda v: [econv(x) for x in v]) if econv else None
            )
    # Maps, structs and other arrays: JSON text.
    json_type: TypeEngine[Any] = (
        RawType("JSONB")
        if dialect == "postgresql"
        else (RawType("JSON") if dialect == "duckdb" else sa.Text())
    )
    return ColumnSpec(json_type, json_text)
