"""Names and property keys of Confluent's AvroData, and its name scrubbing (``scrub.invalid.names``)."""

from __future__ import annotations

NAMESPACE = "io.confluent.connect.avro"
DEFAULT_SCHEMA_NAME = "ConnectDefault"
DEFAULT_SCHEMA_FULL_NAME = NAMESPACE + "." + DEFAULT_SCHEMA_NAME
MAP_ENTRY_TYPE_NAME = "MapEntry"
KEY_FIELD = "key"
VALUE_FIELD = "value"

CONNECT_NAME_PROP = "connect.name"
CONNECT_DOC_PROP = "connect.doc"
CONNECT_RECORD_DOC_PROP = "connect.record.doc"
CONNECT_VERSION_PROP = "connect.version"
CONNECT_DEFAULT_VALUE_PROP = "connect.default"
CONNECT_PARAMETERS_PROP = "connect.parameters"
CONNECT_INTERNAL_TYPE_NAME = "connect.internal.type"
CONNECT_TYPE_PROP = "connect.type"
AVRO_RECORD_DOC_PROP = NAMESPACE + ".record.doc"
AVRO_ENUM_DOC_PREFIX_PROP = NAMESPACE + ".enum.doc."
AVRO_FIELD_DOC_PREFIX_PROP = NAMESPACE + ".field.doc."
AVRO_FIELD_DEFAULT_FLAG_PROP = NAMESPACE + ".field.default"
AVRO_ENUM_DEFAULT_PREFIX_PROP = NAMESPACE + ".enum.default."
AVRO_TYPE_UNION = NAMESPACE + ".Union"
AVRO_TYPE_ENUM = NAMESPACE + ".Enum"
AVRO_TYPE_ANYTHING = NAMESPACE + ".Anything"

AVRO_PROP = "avro"
AVRO_LOGICAL_TYPE_PROP = "logicalType"
AVRO_LOGICAL_TIMESTAMP_MILLIS = "timestamp-millis"
AVRO_LOGICAL_TIME_MILLIS = "time-millis"
AVRO_LOGICAL_DATE = "date"
AVRO_LOGICAL_DECIMAL = "decimal"
AVRO_LOGICAL_DECIMAL_SCALE_PROP = "scale"
AVRO_LOGICAL_DECIMAL_PRECISION_PROP = "precision"
CONNECT_AVRO_FIXED_SIZE_PROP = "connect.fixed.size"
CONNECT_AVRO_DECIMAL_PRECISION_PROP = "connect.decimal.precision"
CONNECT_AVRO_DECIMAL_PRECISION_DEFAULT = 64

CONNECT_TYPE_INT8 = "int8"
CONNECT_TYPE_INT16 = "int16"


def _name_ok(name: str) -> bool:
    return all(c.isascii() and (c.isalnum() or c == "_") for c in name) and not name[0].isdigit()


def _url_encode(text: str) -> str:
    """Java's ``URLEncoder.encode(text, "UTF-8")``: letters, digits and ``.-*_`` kept, space as ``+``."""
    out = []
    for c in text:
        if (c.isascii() and c.isalnum()) or c in ".-*_":
            out.append(c)
        elif c == " ":
            out.append("+")
        else:
            out.extend(f"%{b:02X}" for b in c.encode("utf-8"))
    return "".join(out)


def scrub_name(name: str | None, scrub: bool) -> str | None:
    """A valid Avro name for ``name`` when scrubbing is on: URL-encode, then every character that is not
    a letter, digit or ``_`` becomes ``_``; a leading digit gets an ``x`` in front (Confluent's doScrubName)."""
    if not scrub or not name or _name_ok(name):
        return name
    encoded = _url_encode(name)
    if encoded[0].isdigit():
        encoded = "x" + encoded
    return "".join(c if c.isascii() and (c.isalnum() or c == "_") else "_" for c in encoded)


def split_name(full_name: str | None, scrub: bool) -> tuple[str | None, str | None]:
    """(namespace, name) of a dotted full name, each part scrubbed when asked."""
    if not full_name:
        return None, full_name
    parts = [scrub_name(p, scrub) or "" for p in full_name.split(".")]
    if len(parts) <= 1:
        return None, parts[0]
    return ".".join(parts[:-1]), parts[-1]


def scrub_full_name(name: str | None, scrub: bool) -> str | None:
    if name is None or not scrub:
        return name
    namespace, short = split_name(name, scrub)
    return short if namespace is None else f"{namespace}.{short}"
