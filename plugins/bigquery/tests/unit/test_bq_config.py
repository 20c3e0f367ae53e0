"""Connector configs: keys, defaults and validation messages of the Java connector, and our own keys.

Expected values are written from the Java sources (confluentinc/kafka-connect-bigquery 2.6.x
``BigQuerySinkConfig.java`` and its validators; Aiven-Open/bigquery-connector-for-apache-kafka for
the Storage Write API keys): the connector cannot be run against an emulator (it has no endpoint
setting), so no recording of it exists.
"""

from __future__ import annotations

from typing import Any

import pytest
from connectrt.runtime.plugins import default_plugins

from connectrt_bigquery import BigQuerySinkConnector
from connectrt_bigquery.config import CONFIG_DEF, parse_config

pytestmark = pytest.mark.unit

BASE = {"project": "p", "defaultDataset": "d", "keySource": "NONE", "bigQueryEndpoint": "http://127.0.0.1:9"}


def errors(**overrides: str) -> dict[str, list[str]]:
    props = {**BASE, **overrides}
    return {v.name: v.errors for v in BigQuerySinkConnector().validate(props) if v.errors}


def test_resolved_by_the_java_class_name_through_the_entry_point() -> None:
    plugins = default_plugins()
    assert (
        plugins.connector_class("com.wepay.kafka.connect.bigquery.BigQuerySinkConnector")
        is BigQuerySinkConnector
    )
    assert plugins.connector_class("BigQuerySinkConnector") is BigQuerySinkConnector


def test_defaults_are_javas() -> None:
    values = parse_config(BASE)
    expected: dict[str, Any] = {
        "topic2TableMap": "", "keySource": "NONE", "keyfile": None, "sanitizeTopics": False,
        "sanitizeFieldNames": False, "autoCreateTables": True, "allowNewBigQueryFields": False,
        "allowBigQueryRequiredFieldRelaxation": False, "allowSchemaUnionization": False,
        "allBQFieldsNullable": False, "kafkaKeyFieldName": None, "kafkaDataFieldName": None,
        "upsertEnabled": False, "deleteEnabled": False, "intermediateTableSuffix": "tmp",
        "mergeIntervalMs": 60000, "mergeRecordsThreshold": -1, "threadPoolSize": 10, "queueSize": -1,
        "bigQueryRetry": 0, "bigQueryRetryWait": 1000, "bigQueryMessageTimePartitioning": False,
        "bigQueryPartitionDecorator": True, "timestampPartitionFieldName": None,
        "clusteringPartitionFieldNames": None, "timePartitioningType": "DAY", "partitionExpirationMs": None,
        "convertDoubleSpecialValues": False, "max.retries": 10, "useStorageWriteApi": False,
        "enableBatchMode": False, "commitInterval": 60, "enableBatchLoad": [], "batchLoadIntervalSec": 120,
        "avroDataCacheSize": 100,
        "schemaRetriever": "com.wepay.kafka.connect.bigquery.retrieve.IdentitySchemaRetriever",
    }  # fmt: skip
    assert {k: values[k] for k in expected} == expected
    assert CONFIG_DEF.config_keys()["keyfile"].type.value == "PASSWORD"
    assert CONFIG_DEF.config_keys()["keySource"].default_value == "FILE"


@pytest.mark.parametrize(
    ("overrides", "key", "message"),
    [
        ({"keySource": "FOO"}, "keySource",
         "Invalid value FOO for configuration keySource: String must be one of: FILE, JSON, APPLICATION_DEFAULT, NONE"),
        ({"topic2TableMap": "a:b,c"}, "topic2TableMap",
         "Invalid value a:b,c for configuration topic2TableMap: One of the topic to table mappings has an invalid format."),
        ({"topic2TableMap": "a:b,a:c"}, "topic2TableMap",
         "Invalid value topic2TableMap for configuration topic2TableMap: The topic name a is duplicated. Topic names "
         "cannot be duplicated."),
        ({"mergeIntervalMs": "0"}, "mergeIntervalMs", "Invalid value 0 for configuration mergeIntervalMs: Cannot be zero"),
        ({"mergeRecordsThreshold": "-2"}, "mergeRecordsThreshold",
         "Invalid value -2 for configuration mergeRecordsThreshold: Cannot be less than -1"),
        ({"threadPoolSize": "0"}, "threadPoolSize",
         "Invalid value 0 for configuration threadPoolSize: Value must be at least 1"),
        ({"clusteringPartitionFieldNames": "a,b,c,d,e"}, "clusteringPartitionFieldNames",
         "Invalid value [a, b, c, d, e] for configuration clusteringPartitionFieldNames: You may only specify up to "
         "four clustering field names."),
        ({"timePartitioningType": "WEEK"}, "timePartitioningType",
         "Invalid value week for configuration timePartitioningType: String must be one of: hour, day, month, year, none"),
        ({"commitInterval": "10"}, "commitInterval",
         "Invalid value 10 for configuration commitInterval: Value must be at least 15"),
        ({"kafkaKeyFieldName": " "}, "kafkaKeyFieldName",
         "Invalid value  for configuration kafkaKeyFieldName: String must be non-empty"),
        ({"upsertEnabled": "true"}, "upsertEnabled", "kafkaKeyFieldName must be specified when upsertEnabled is set to true"),
        ({"deleteEnabled": "true", "kafkaKeyFieldName": "k", "mergeIntervalMs": "-1"}, "deleteEnabled",
         "mergeIntervalMs and mergeRecordsThreshold cannot both be -1"),
        ({"timestampPartitionFieldName": "ts"}, "bigQueryPartitionDecorator",
         "Only one partitioning mode may be specified for the connector. Use either bigQueryPartitionDecorator OR "
         "timestampPartitionFieldName."),
        ({"timePartitioningType": "HOUR"}, "timePartitioningType",
         "Tables must be partitioned by DAY when using partition decorator syntax. Either configure the connector "
         "with the DAY time partitioning type, disable automatic table creation, or disable partition decorator syntax."),
        ({"enableBatchMode": "true"}, "enableBatchMode",
         "Storage Write Api Batch load is supported only when useStorageWriteApi is enabled. Either disable batch mode "
         "or enable Storage Write API"),
        ({"useStorageWriteApi": "true", "upsertEnabled": "true", "kafkaKeyFieldName": "k"}, "useStorageWriteApi",
         "Upsert mode is not supported with Storage Write API. Either disable Upsert mode or disable Storage Write API"),
        ({"useStorageWriteApi": "true", "enableBatchMode": "true", "bigQueryPartitionDecorator": "true"},
         "useStorageWriteApi",
         "Partition decorator syntax is not supported with Storage Write API Batch Load. It is currently only "
         "available when using the Storage Write API default stream."),
    ],
)  # fmt: skip
def test_validation_messages_are_javas(overrides: dict[str, str], key: str, message: str) -> None:
    assert errors(**overrides).get(key) == [message]


def test_required_keys() -> None:
    found = {v.name: v.errors for v in BigQuerySinkConnector().validate({}) if v.errors}
    assert found["project"] == ['Missing required configuration "project" which has no default value.']
    assert found["defaultDataset"] == [
        'Missing required configuration "defaultDataset" which has no default value.'
    ]


def test_our_keys_and_unsupported_java_features_say_what_to_change() -> None:
    assert errors(bigQueryEndpoint="")["bigQueryEndpoint"] == [
        "Invalid value  for configuration bigQueryEndpoint: String must be non-empty"
    ]
    props = {**BASE}
    del props["bigQueryEndpoint"]
    found = {v.name: v.errors for v in BigQuerySinkConnector().validate(props) if v.errors}
    assert found["keySource"] == [
        "keySource NONE (anonymous credentials) is only for emulators; set bigQueryEndpoint to the emulator's URL too."
    ]
    assert (
        "GCS batch loading is not supported by connectrt"
        in errors(enableBatchLoad="t1")["enableBatchLoad"][0]
    )


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (
            "bigQueryEndpoint",
            "file:///etc/passwd",
            "Must be an http:// or https:// URL such as http://127.0.0.1:29050",
        ),
        (
            "bigQueryEndpoint",
            "127.0.0.1:29050",
            "Must be an http:// or https:// URL such as http://127.0.0.1:29050",
        ),
        (
            "bigQueryEndpoint",
            "http://h/?x=1",
            "Must be an http:// or https:// URL such as http://127.0.0.1:29050",
        ),
        (
            "bigQueryStorageWriteEndpoint",
            "http://127.0.0.1:29060",
            "Must be host:port, such as 127.0.0.1:29060",
        ),
        ("bigQueryStorageWriteEndpoint", "host:99999", "Must be host:port, such as 127.0.0.1:29060"),
        ("bigQueryStorageWriteEndpoint", "host", "Must be host:port, such as 127.0.0.1:29060"),
    ],
)
def test_endpoint_keys_take_only_endpoints(key: str, value: str, message: str) -> None:
    assert errors(**{key: value})[key] == [f"Invalid value {value} for configuration {key}: {message}"]
    assert not errors(
        bigQueryEndpoint="https://bigquery.example.internal:8443", bigQueryStorageWriteEndpoint="[::1]:29060"
    )


def test_a_class_named_in_schema_retriever_is_never_imported() -> None:
    message = errors(schemaRetriever="os.system")["schemaRetriever"][0]
    assert message.startswith(
        "Only com.wepay.kafka.connect.bigquery.retrieve.IdentitySchemaRetriever is supported"
    )


def test_keyfile_contents_never_appear_in_answers(tmp_path: Any) -> None:
    secret = '{"type": "service_account", "private_key": "TOPSECRET-KEY-MATERIAL"}'
    for source, keyfile in (
        ("JSON", secret),
        ("JSON", "TOPSECRET not json"),
        ("FILE", str(tmp_path / "TOPSECRET")),
    ):
        result = BigQuerySinkConnector().validate({**BASE, "keySource": source, "keyfile": keyfile})
        text = repr([(v.name, v.value, v.errors) for v in result])
        assert "TOPSECRET" not in text, text
        keyfile_errors = next(v.errors for v in result if v.name == "keyfile")
        assert keyfile_errors and keyfile_errors[0].startswith(
            "An unexpected error occurred while validating credentials for BigQuery: "
        )
    assert (
        "keyfile should not be provided if keySource is APPLICATION_DEFAULT"
        in errors(keySource="APPLICATION_DEFAULT", keyfile="x")["keyfile"]
    )


def test_task_configs_carry_the_task_id() -> None:
    connector = BigQuerySinkConnector()
    connector.start({**BASE, "name": "c"})
    assert [t["taskId"] for t in connector.task_configs(3)] == ["0", "1", "2"]
