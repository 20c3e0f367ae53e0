"""AvroConverter's settings: Confluent's ``AbstractKafkaSchemaSerDeConfig`` keys (7.9 names, defaults and
documentation) that the converter honours, plus the AvroData keys of :mod:`connectrt.converters.avro`.

Java's AvroConverter shows an empty ConfigDef; this one is complete so ``PUT .../config/validate`` reports a
missing ``schema.registry.url`` or a strategy that does not exist before a task fails on it.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from connectrt.config.configdef import (
    NO_DEFAULT_VALUE,
    CaseInsensitiveValidString,
    ConfigDef,
    ConfigException,
    Importance,
    Password,
    Range,
    Type,
    Validator,
)
from connectrt.converters._common import TYPE_CONFIG, converter_config_def
from connectrt.converters.avro.config import AvroDataConfig, avro_data_config_def
from connectrt.converters.schema_registry.client import RetryPolicy
from connectrt.converters.schema_registry.strategies import TOPIC_NAME_STRATEGY, ValidStrategy

SCHEMA_REGISTRY_URL_CONFIG = "schema.registry.url"
MAX_SCHEMAS_PER_SUBJECT_CONFIG = "max.schemas.per.subject"
AUTO_REGISTER_SCHEMAS = "auto.register.schemas"
USE_LATEST_VERSION = "use.latest.version"
LATEST_COMPATIBILITY_STRICT = "latest.compatibility.strict"
LATEST_CACHE_SIZE = "latest.cache.size"
LATEST_CACHE_TTL = "latest.cache.ttl.sec"
BASIC_AUTH_CREDENTIALS_SOURCE = "basic.auth.credentials.source"
USER_INFO_CONFIG = "basic.auth.user.info"
SCHEMA_REGISTRY_USER_INFO_CONFIG = "schema.registry.basic.auth.user.info"  # deprecated name, wins when set
BEARER_AUTH_CREDENTIALS_SOURCE = "bearer.auth.credentials.source"
BEARER_AUTH_TOKEN_CONFIG = "bearer.auth.token"
KEY_SUBJECT_NAME_STRATEGY = "key.subject.name.strategy"
VALUE_SUBJECT_NAME_STRATEGY = "value.subject.name.strategy"
HTTP_CONNECT_TIMEOUT_MS = "http.connect.timeout.ms"
HTTP_READ_TIMEOUT_MS = "http.read.timeout.ms"
MAX_RETRIES_CONFIG = "max.retries"
RETRIES_WAIT_MS_CONFIG = "retries.wait.ms"
RETRIES_MAX_WAIT_MS_CONFIG = "retries.max.wait.ms"
SASL_JAAS_CONFIG = "sasl.jaas.config"
REQUEST_HEADER_PREFIX = "request.header."

CREDENTIAL_SOURCES = ("URL", "USER_INFO", "SASL_INHERIT")
MAX_URLS = 32
MAX_REQUEST_HEADERS = 32
_HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$")
_JAAS_OPTION = re.compile(r'(\w+)\s*=\s*"((?:[^"\\]|\\.)*)"')


class _ValidUrls(Validator):
    def ensure_valid(self, name: str, value: Any) -> None:
        if value is None:
            return
        if not value:
            raise ConfigException(
                name, value, "Give at least one schema registry URL, e.g. http://localhost:8081."
            )
        if len(value) > MAX_URLS:
            raise ConfigException(name, f"[{len(value)} URLs]", f"At most {MAX_URLS} URLs are accepted.")
        for url in value:
            parts = urlsplit(url) if len(url) <= 2048 else None
            if (
                parts is None
                or parts.scheme not in ("http", "https")
                or not parts.hostname
                or any(c in url for c in "\r\n\t ")
            ):
                shown = _without_user_info(url)[:200]
                raise ConfigException(
                    name,
                    shown,
                    "Each URL must be an http:// or https:// URL with a host, e.g. http://localhost:8081.",
                )

    def __str__(self) -> str:
        return "http(s) URLs"


def avro_converter_config_def() -> ConfigDef:
    d = converter_config_def()
    d.define(
        SCHEMA_REGISTRY_URL_CONFIG, Type.LIST, NO_DEFAULT_VALUE, _ValidUrls(), Importance.HIGH,
        "Comma-separated list of URLs for schema registry instances that can be used to register or look up "
        "schemas.",
    )  # fmt: skip
    d.define(
        MAX_SCHEMAS_PER_SUBJECT_CONFIG, Type.INT, 1000, Range.at_least(1), Importance.LOW,
        "Maximum number of schemas to create or cache locally.",
    )  # fmt: skip
    d.define(
        AUTO_REGISTER_SCHEMAS, Type.BOOLEAN, True, None, Importance.MEDIUM,
        "Specify if the Serializer should attempt to register the Schema with Schema Registry",
    )  # fmt: skip
    d.define(
        USE_LATEST_VERSION, Type.BOOLEAN, False, None, Importance.LOW,
        "Specify if the Serializer should use the latest subject version for serialization",
    )  # fmt: skip
    d.define(
        LATEST_COMPATIBILITY_STRICT, Type.BOOLEAN, True, None, Importance.LOW,
        "Whether to check for backward compatibility between the latest subject version and  the Schema of the "
        "object to be serialized",
    )  # fmt: skip
    d.define(
        LATEST_CACHE_SIZE, Type.INT, 1000, Range.at_least(1), Importance.LOW,
        "The maximum size for caches holding latest schemas",
    )  # fmt: skip
    d.define(
        LATEST_CACHE_TTL, Type.INT, -1, Range.at_least(-1), Importance.LOW,
        "The TTL for caches holding latest schemas, or -1 for no TTL",
    )  # fmt: skip
    d.define(
        BASIC_AUTH_CREDENTIALS_SOURCE, Type.STRING, "URL", CaseInsensitiveValidString.in_(*CREDENTIAL_SOURCES),
        Importance.MEDIUM,
        "Specify how to pick the credentials for Basic Auth header. The supported values are URL, USER_INFO and "
        "SASL_INHERIT",
    )  # fmt: skip
    d.define(
        BEARER_AUTH_CREDENTIALS_SOURCE, Type.STRING, "STATIC_TOKEN", CaseInsensitiveValidString.in_("STATIC_TOKEN"),
        Importance.MEDIUM, "Specify how to pick the credentials for Bearer Auth header. ",
    )  # fmt: skip
    d.define(
        SCHEMA_REGISTRY_USER_INFO_CONFIG, Type.PASSWORD, "", None, Importance.MEDIUM,
        "Specify the user info for Basic Auth in the form of {username}:{password}",
    )  # fmt: skip
    d.define(
        USER_INFO_CONFIG, Type.PASSWORD, "", None, Importance.MEDIUM,
        "Specify the user info for Basic Auth in the form of {username}:{password}",
    )  # fmt: skip
    d.define(
        BEARER_AUTH_TOKEN_CONFIG, Type.PASSWORD, "", None, Importance.MEDIUM,
        "Specify the Bearer token to be used for authentication",
    )  # fmt: skip
    d.define(
        KEY_SUBJECT_NAME_STRATEGY, Type.CLASS, TOPIC_NAME_STRATEGY, ValidStrategy(), Importance.MEDIUM,
        "Determines how to construct the subject name under which the key schema is registered with the schema "
        "registry. By default, <topic>-key is used as subject.",
    )  # fmt: skip
    d.define(
        VALUE_SUBJECT_NAME_STRATEGY, Type.CLASS, TOPIC_NAME_STRATEGY, ValidStrategy(), Importance.MEDIUM,
        "Determines how to construct the subject name under which the value schema is registered with the "
        "schema registry. By default, <topic>-value is used as subject.",
    )  # fmt: skip
    d.define(
        HTTP_CONNECT_TIMEOUT_MS, Type.INT, 60000, Range.at_least(1), Importance.LOW,
        "Specify the http connection timeout in milliseconds for schema registry client",
    )  # fmt: skip
    d.define(
        HTTP_READ_TIMEOUT_MS, Type.INT, 60000, Range.at_least(1), Importance.LOW,
        "Specify the http read timeout in milliseconds for schema registry client",
    )  # fmt: skip
    d.define(
        MAX_RETRIES_CONFIG, Type.INT, 3, Range.between(0, 100), Importance.LOW,
        "The maximum number of retries for a request",
    )  # fmt: skip
    d.define(
        RETRIES_WAIT_MS_CONFIG, Type.INT, 1000, Range.at_least(0), Importance.LOW,
        "The maximum time to wait for the first retry. When jitter is applied, the actual wait may be less.",
    )  # fmt: skip
    d.define(
        RETRIES_MAX_WAIT_MS_CONFIG, Type.INT, 20000, Range.at_least(0), Importance.LOW,
        "The maximum time to wait for any retry.",
    )  # fmt: skip
    for key in avro_data_config_def().config_keys().values():
        d.define(key.name, key.type, key.default_value, key.validator, key.importance, key.documentation)
    return d


_CONFIG_DEF = avro_converter_config_def()


@dataclass(frozen=True)
class AvroConverterConfig:
    """The parsed settings of one AvroConverter (the secrets stay :class:`Password` objects)."""

    converter_type: str
    urls: list[str]
    auth_header: Password | None
    retry: RetryPolicy
    connect_timeout_ms: int
    read_timeout_ms: int
    max_schemas_per_subject: int
    auto_register: bool
    use_latest_version: bool
    latest_compatibility_strict: bool
    latest_cache_size: int
    latest_cache_ttl_seconds: int
    key_strategy: str
    value_strategy: str
    avro_data: AvroDataConfig
    request_headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, configs: Mapping[str, Any]) -> AvroConverterConfig:
        v = _CONFIG_DEF.parse(configs)
        urls = [str(u) for u in v[SCHEMA_REGISTRY_URL_CONFIG]]
        return cls(
            converter_type=v[TYPE_CONFIG],
            urls=[_without_user_info(u) for u in urls],
            auth_header=_auth_header(v, urls, configs),
            retry=RetryPolicy(
                v[MAX_RETRIES_CONFIG], v[RETRIES_WAIT_MS_CONFIG], v[RETRIES_MAX_WAIT_MS_CONFIG]
            ),
            connect_timeout_ms=v[HTTP_CONNECT_TIMEOUT_MS],
            read_timeout_ms=v[HTTP_READ_TIMEOUT_MS],
            max_schemas_per_subject=v[MAX_SCHEMAS_PER_SUBJECT_CONFIG],
            auto_register=v[AUTO_REGISTER_SCHEMAS],
            use_latest_version=v[USE_LATEST_VERSION],
            latest_compatibility_strict=v[LATEST_COMPATIBILITY_STRICT],
            latest_cache_size=v[LATEST_CACHE_SIZE],
            latest_cache_ttl_seconds=v[LATEST_CACHE_TTL],
            key_strategy=v[KEY_SUBJECT_NAME_STRATEGY],
            value_strategy=v[VALUE_SUBJECT_NAME_STRATEGY],
            avro_data=AvroDataConfig.from_configs(configs),
            request_headers=_request_headers(configs),
        )


def _secret(value: Any) -> str:
    return value.value if isinstance(value, Password) else str(value or "")


def _basic(user_info: str) -> Password:
    return Password("Basic " + base64.b64encode(user_info.encode("utf-8")).decode("ascii"))


def _auth_header(v: Mapping[str, Any], urls: list[str], raw: Mapping[str, Any]) -> Password | None:
    """The Authorization header value (a Password, so it never prints), as Java's credential providers pick it."""
    basic_set = BASIC_AUTH_CREDENTIALS_SOURCE in raw
    bearer_set = BEARER_AUTH_CREDENTIALS_SOURCE in raw
    if basic_set and bearer_set:
        raise ConfigException(
            f"Only one of '{BASIC_AUTH_CREDENTIALS_SOURCE}' and '{BEARER_AUTH_CREDENTIALS_SOURCE}' may be specified"
        )
    if bearer_set:
        token = _secret(v[BEARER_AUTH_TOKEN_CONFIG])
        if not token:
            raise ConfigException(
                f"{BEARER_AUTH_TOKEN_CONFIG} must be provided when {BEARER_AUTH_CREDENTIALS_SOURCE} is STATIC_TOKEN"
            )
        _check_header_value(BEARER_AUTH_TOKEN_CONFIG, token)
        return Password("Bearer " + token)
    source = str(v[BASIC_AUTH_CREDENTIALS_SOURCE]).upper()
    if source == "USER_INFO":
        user_info = _secret(v[SCHEMA_REGISTRY_USER_INFO_CONFIG]) or _secret(v[USER_INFO_CONFIG])
        if not user_info:
            raise ConfigException(
                "UserInfo must be provided when basic.auth.credentials.source is set to USER_INFO"
            )
        return _basic(user_info)
    if source == "SASL_INHERIT":
        jaas = _secret(raw.get(SASL_JAAS_CONFIG))
        options = {k: bytes(val, "utf-8").decode("unicode_escape") for k, val in _JAAS_OPTION.findall(jaas)}
        if "username" not in options or "password" not in options:
            raise ConfigException(
                "Provided SASL Login module doesn't provide username and password: set sasl.jaas.config on the "
                'converter (e.g. value.converter.sasl.jaas.config) with username="..." password="..."'
            )
        return _basic(f"{options['username']}:{options['password']}")
    info = urlsplit(urls[0]) if urls else None
    if info is not None and info.username is not None:
        return _basic(f"{unquote(info.username)}:{unquote(info.password or '')}")
    return None


def _check_header_value(name: str, value: str) -> None:
    if any(c in value for c in "\r\n\0") or len(value) > 8192:
        raise ConfigException(f"The value of {name} must be one line of at most 8192 characters.")


def _request_headers(configs: Mapping[str, Any]) -> dict[str, str]:
    """``request.header.<Name>=<value>`` settings (Java's requestHeaders), each checked to be a valid header."""
    headers = {}
    for key, value in configs.items():
        if not key.startswith(REQUEST_HEADER_PREFIX):
            continue
        name = key[len(REQUEST_HEADER_PREFIX) :]
        if not _HEADER_NAME.match(name):
            raise ConfigException(
                key, "[hidden]", "A request header name may hold only letters, digits and -_."
            )
        text = _secret(value)
        _check_header_value(key, text)
        headers[name] = text
    if len(headers) > MAX_REQUEST_HEADERS:
        raise ConfigException(f"At most {MAX_REQUEST_HEADERS} request.header.* settings are accepted.")
    return headers


def _without_user_info(url: str) -> str:
    """The URL with any ``user:password@`` removed (it is used for the Authorization header only)."""
    if "@" not in url:
        return url
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[1]
    return parts._replace(netloc=netloc).geturl()
