"""StringConverter (``org.apache.kafka.connect.storage.StringConverter``): values as text in a charset."""

from __future__ import annotations

import codecs
from collections.abc import Callable, Mapping
from typing import Any

from connectrt.api.data import Schema
from connectrt.api.plugin import Converter, HeaderConverter
from connectrt.api.records import Headers
from connectrt.api.values import SchemaAndValue, java_str
from connectrt.config.configdef import ConfigDef, ConfigException, Importance, Type, Width
from connectrt.converters._common import KEY, TYPE_CONFIG, VERSION, converter_config_def, with_converter_type

ENCODING_CONFIG = "converter.encoding"
ENCODING_DEFAULT = "UTF-8"


def string_converter_config_def() -> ConfigDef:
    """Java's ``StringConverterConfig.configDef()``."""
    return converter_config_def().define(
        ENCODING_CONFIG, Type.STRING, ENCODING_DEFAULT, None, Importance.HIGH,
        "The name of the Java character set to use for encoding strings as byte arrays.",
        None, -1, Width.MEDIUM, "Encoding",
    )  # fmt: skip


_CONFIG_DEF = string_converter_config_def()


def _bom_aware_decoder(default: str, boms: dict[bytes, str]) -> Callable[[bytes], str]:
    def decode(data: bytes) -> str:
        for bom, codec in boms.items():
            if data.startswith(bom):
                return data[len(bom) :].decode(codec, "replace")
        return data.decode(default, "replace")

    return decode


def charset(name: str) -> tuple[Callable[[str], bytes], Callable[[bytes], str]]:
    """Encode and decode functions behaving like Java's ``Charset.forName(name)`` (replacing bad input)."""
    upper = name.strip().upper()
    if upper in ("UTF-16", "UTF16"):  # Java: big-endian with a byte-order mark; reads either order
        return (
            lambda s: b"\xfe\xff" + s.encode("utf-16-be", "replace"),
            _bom_aware_decoder("utf-16-be", {b"\xfe\xff": "utf-16-be", b"\xff\xfe": "utf-16-le"}),
        )
    if upper in ("UTF-32", "UTF32"):  # Java: big-endian without a byte-order mark
        return (
            lambda s: s.encode("utf-32-be", "replace"),
            _bom_aware_decoder(
                "utf-32-be", {b"\x00\x00\xfe\xff": "utf-32-be", b"\xff\xfe\x00\x00": "utf-32-le"}
            ),
        )
    try:
        codec = codecs.lookup(name.strip()).name
    except LookupError:
        raise ConfigException(f"Unsupported encoding {name}")
    return (lambda s: s.encode(codec, "replace")), (lambda b: b.decode(codec, "replace"))


class StringConverter(Converter, HeaderConverter):
    """Writes ``str(value)`` the way Java's ``toString()`` would; reads an optional string."""

    ALIASES = ("org.apache.kafka.connect.storage.StringConverter",)
    VERSION = VERSION

    def __init__(self) -> None:
        self.configure({}, False)

    def config(self) -> ConfigDef:
        return _CONFIG_DEF

    def configure(self, configs: Mapping[str, Any], is_key: bool | None = None) -> None:
        full = with_converter_type(configs, is_key)
        values = _CONFIG_DEF.parse(full)
        side = "key" if values[TYPE_CONFIG] == KEY else "value"
        # Java hands the configs to StringSerializer/StringDeserializer with "(de)serializer.encoding" set to
        # converter.encoding, where "key./value.(de)serializer.encoding" still take precedence.
        encode_name = full.get(f"{side}.serializer.encoding") or values[ENCODING_CONFIG]
        decode_name = full.get(f"{side}.deserializer.encoding") or values[ENCODING_CONFIG]
        self.encoding: str = values[ENCODING_CONFIG]
        self._encode = charset(str(encode_name))[0]
        self._decode = charset(str(decode_name))[1]

    def from_connect_data(
        self, topic: str, schema: Schema | None, value: Any, headers: Headers | None = None
    ) -> bytes | None:
        if value is None:
            return None
        return self._encode(value if type(value) is str else java_str(value, schema))

    def to_connect_data(
        self, topic: str, value: bytes | None, headers: Headers | None = None
    ) -> SchemaAndValue:
        return SchemaAndValue(Schema.OPTIONAL_STRING_SCHEMA, None if value is None else self._decode(value))

    def from_connect_header(
        self, topic: str, header_key: str, schema: Schema | None, value: Any
    ) -> bytes | None:
        return self.from_connect_data(topic, schema, value)

    def to_connect_header(self, topic: str, header_key: str, value: bytes | None) -> SchemaAndValue:
        return self.to_connect_data(topic, value)
