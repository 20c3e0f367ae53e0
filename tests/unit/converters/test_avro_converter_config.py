"""AvroConverter's settings: Java's keys and defaults, credentials that never show, and hostile values."""

from __future__ import annotations

import base64
import socket
import sys
import time
from typing import Any

import pytest

from connectrt.config.configdef import ConfigException, Password
from connectrt.converters import AvroConverter
from connectrt.converters.schema_registry.client import (
    RestSchemaRegistry,
    RetryPolicy,
    SchemaRegistryUnavailableError,
)
from connectrt.converters.schema_registry.config import AvroConverterConfig, avro_converter_config_def

pytestmark = pytest.mark.unit

URL = "http://registry.invalid:8081"


def parse(**configs: Any) -> AvroConverterConfig:
    return AvroConverterConfig.parse({"converter.type": "value", "schema.registry.url": URL, **configs})


def basic(user_info: str) -> str:
    return "Basic " + base64.b64encode(user_info.encode()).decode()


def test_keys_and_defaults_are_javas() -> None:
    keys = avro_converter_config_def().config_keys()
    defaults = {name: key.default_value for name, key in keys.items()}
    assert defaults["max.schemas.per.subject"] == 1000
    assert defaults["auto.register.schemas"] is True
    assert defaults["use.latest.version"] is False
    assert defaults["latest.compatibility.strict"] is True
    assert defaults["basic.auth.credentials.source"] == "URL"
    assert defaults["key.subject.name.strategy"] == "io.confluent.kafka.serializers.subject.TopicNameStrategy"
    assert (
        defaults["value.subject.name.strategy"] == "io.confluent.kafka.serializers.subject.TopicNameStrategy"
    )
    assert (defaults["max.retries"], defaults["retries.wait.ms"], defaults["retries.max.wait.ms"]) == (
        3,
        1000,
        20000,
    )
    assert defaults["http.connect.timeout.ms"] == defaults["http.read.timeout.ms"] == 60000
    assert defaults["enhanced.avro.schema.support"] is False and defaults["connect.meta.data"] is True
    assert defaults["scrub.invalid.names"] is False
    assert keys["basic.auth.user.info"].type.value == "PASSWORD"
    assert keys["schema.registry.basic.auth.user.info"].type.value == "PASSWORD"
    assert keys["bearer.auth.token"].type.value == "PASSWORD"
    assert keys["schema.registry.url"].type.value == "LIST"


def test_schema_registry_url_is_required() -> None:
    with pytest.raises(ConfigException, match='Missing required configuration "schema.registry.url"'):
        AvroConverter().configure({}, False)
    errors = {cv.name: cv.errors for cv in AvroConverter().config().validate({"converter.type": "value"})}
    assert errors["schema.registry.url"]


def test_url_list_and_avro_data_settings() -> None:
    cfg = parse(**{
        "schema.registry.url": "http://a:8081/apis/ccompat/v7/, https://b:8443",
        "enhanced.avro.schema.support": "true", "scrub.invalid.names": "true", "connect.meta.data": "false",
    })  # fmt: skip
    assert cfg.urls == ["http://a:8081/apis/ccompat/v7/", "https://b:8443"]
    assert cfg.avro_data.enhanced_avro_schema_support and cfg.avro_data.scrub_invalid_names
    assert not cfg.avro_data.connect_meta_data
    assert RestSchemaRegistry(cfg.urls).urls == ["http://a:8081/apis/ccompat/v7", "https://b:8443"]


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "javascript:alert(1)",
        "registry:8081",
        "http://",
        "http://a:8081/\r\nX-Injected: 1",
        "http://a b:8081",
        "http://" + "a" * 5000 + ":8081",
        ",".join(f"http://h{i}:8081" for i in range(100)),
        "",
    ],
)
def test_hostile_urls_are_refused(url: str) -> None:
    with pytest.raises(ConfigException) as err:
        parse(**{"schema.registry.url": url})
    assert "schema.registry.url" in str(err.value)
    assert len(str(err.value)) < 600


@pytest.mark.parametrize(
    "name",
    [
        "os.system",
        "builtins.__import__",
        "io.confluent.kafka.serializers.subject.TopicNameStrategy; import os",
        "TopicNameStrategy",
        "../../etc/passwd",
        "x" * 10000,
    ],
)
def test_strategies_are_java_class_names_never_imported(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    imported: list[str] = []
    real_import = __builtins__["__import__"] if isinstance(__builtins__, dict) else __builtins__.__import__

    def spy(module: str, *args: Any, **kwargs: Any) -> Any:
        imported.append(module)
        return real_import(module, *args, **kwargs)

    monkeypatch.setattr("builtins.__import__", spy)
    before = set(sys.modules)
    with pytest.raises(ConfigException) as err:
        parse(**{"value.subject.name.strategy": name})
    assert "could not be found" in str(err.value)
    assert len(str(err.value)) < 1000
    assert not any(m in name for m in imported if m) and set(sys.modules) == before


def test_user_info_becomes_a_basic_header_and_never_shows() -> None:
    cfg = parse(**{"basic.auth.credentials.source": "USER_INFO", "basic.auth.user.info": "fred:s3cr:et"})
    assert isinstance(cfg.auth_header, Password)
    assert cfg.auth_header.value == basic("fred:s3cr:et")
    assert "s3cr" not in repr(cfg) and "s3cr" not in str(cfg)
    deprecated = parse(**{
        "basic.auth.credentials.source": "user_info", "basic.auth.user.info": "a:b",
        "schema.registry.basic.auth.user.info": "old:pw",
    })  # fmt: skip
    assert deprecated.auth_header is not None and deprecated.auth_header.value == basic("old:pw")


def test_user_info_source_without_user_info_is_javas_error() -> None:
    with pytest.raises(ConfigException) as err:
        parse(**{"basic.auth.credentials.source": "USER_INFO"})
    assert (
        str(err.value) == "UserInfo must be provided when basic.auth.credentials.source is set to USER_INFO"
    )


def test_credentials_in_the_url_are_used_and_removed_from_it() -> None:
    cfg = parse(**{"schema.registry.url": "http://fred:p%40ss@reg:8081/apis/ccompat/v7"})
    assert cfg.urls == ["http://reg:8081/apis/ccompat/v7"]
    assert cfg.auth_header is not None and cfg.auth_header.value == basic("fred:p@ss")
    with pytest.raises(ConfigException) as err:
        parse(**{"schema.registry.url": "ftp://fred:hunter2@reg:8081"})
    assert "hunter2" not in str(err.value)


def test_sasl_inherit_takes_the_jaas_credentials() -> None:
    jaas = 'org.apache.kafka.common.security.scram.ScramLoginModule required username="u1" password="p\\"w";'
    cfg = parse(**{"basic.auth.credentials.source": "SASL_INHERIT", "sasl.jaas.config": jaas})
    assert cfg.auth_header is not None and cfg.auth_header.value == basic('u1:p"w')
    with pytest.raises(ConfigException, match="doesn't provide username and password"):
        parse(**{"basic.auth.credentials.source": "SASL_INHERIT", "sasl.jaas.config": "x required;"})


def test_bearer_and_basic_together_and_unknown_sources() -> None:
    with pytest.raises(ConfigException, match="Only one of 'basic.auth.credentials.source' and"):
        parse(**{"basic.auth.credentials.source": "URL", "bearer.auth.credentials.source": "STATIC_TOKEN"})
    with pytest.raises(ConfigException, match="basic.auth.credentials.source"):
        parse(**{"basic.auth.credentials.source": "KERBEROS"})
    with pytest.raises(ConfigException, match="bearer.auth.credentials.source"):
        parse(**{"bearer.auth.credentials.source": "OAUTHBEARER"})
    token = parse(**{"bearer.auth.credentials.source": "STATIC_TOKEN", "bearer.auth.token": "tok"})
    assert token.auth_header is not None and token.auth_header.value == "Bearer tok"


@pytest.mark.parametrize(
    "configs",
    [
        {"bearer.auth.credentials.source": "STATIC_TOKEN", "bearer.auth.token": "s3cret\r\nX-Evil: 1"},
        {"request.header.X-Ok": "line\nbreak"},
        {"request.header.Bad Name": "v"},
        {"request.header.": "v"},
        {f"request.header.H{i}": "v" for i in range(40)},
    ],
)
def test_header_injection_is_refused(configs: dict[str, str]) -> None:
    with pytest.raises(ConfigException) as err:
        parse(**configs)
    assert "s3cret" not in str(err.value) and "Evil" not in str(err.value)


def test_request_headers_are_passed() -> None:
    assert parse(**{"request.header.X-Tenant": "t1"}).request_headers == {"X-Tenant": "t1"}


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("max.retries", "-1"),
        ("max.retries", "1000000"),
        ("retries.wait.ms", "-5"),
        ("http.read.timeout.ms", "0"),
        ("max.schemas.per.subject", "0"),
        ("max.schemas.per.subject", "99999999999"),
        ("auto.register.schemas", "yes"),
        ("latest.cache.ttl.sec", "-2"),
    ],
)
def test_out_of_range_numbers_and_booleans(key: str, value: str) -> None:
    with pytest.raises(ConfigException, match=key.replace(".", r"\.")):
        parse(**{key: value})


def test_retry_delays_are_full_jitter_and_capped() -> None:
    policy = RetryPolicy(max_retries=5, wait_ms=100, max_wait_ms=250)
    for attempt in range(8):
        for _ in range(20):
            assert 0.001 <= policy.delay_seconds(attempt) <= min(0.1 * 2**attempt, 0.25)
    assert RetryPolicy(wait_ms=0).delay_seconds(3) == 0.0


def test_an_unreachable_registry_is_retried_then_reported_without_credentials() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = RestSchemaRegistry(
        [f"http://127.0.0.1:{port}", f"http://127.0.0.1:{port}/second"],
        auth_header=basic("fred:hunter2"),
        retry=RetryPolicy(max_retries=2, wait_ms=40, max_wait_ms=40),
    )
    began = time.monotonic()
    with pytest.raises(SchemaRegistryUnavailableError) as err:
        client.schema_by_id(1)
    elapsed = time.monotonic() - began
    assert (
        str(err.value)
        == f"The schema registry at http://127.0.0.1:{port} cannot be reached: connection refused"
    )
    assert 0.004 <= elapsed < 5  # two URLs, each tried three times with (jittered) waits between
    assert "hunter2" not in str(err.value)
    client.close()
