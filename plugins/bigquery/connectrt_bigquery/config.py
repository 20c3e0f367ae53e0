"""The connector's ConfigDef: the keys, defaults and validation messages of the Java connector.

Keys, types, defaults and single-key validation messages follow Confluent's 2.x
``BigQuerySinkConfig``; ``useStorageWriteApi``, ``enableBatchMode`` and ``commitInterval`` follow
Aiven's fork. Two keys are ours (documented as such in the README): ``bigQueryEndpoint`` and
``bigQueryStorageWriteEndpoint`` (emulators, private endpoints), and ``keySource`` accepts ``NONE``
(anonymous credentials, emulators only).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from connectrt.config.configdef import (
    ConfigDef,
    ConfigException,
    Importance,
    LambdaValidator,
    NonEmptyString,
    Range,
    Type,
    ValidString,
)

VERSION = "2.6.0"

PROJECT = "project"
DEFAULT_DATASET = "defaultDataset"
KEYFILE = "keyfile"
KEY_SOURCE = "keySource"
TOPIC2TABLE_MAP = "topic2TableMap"
SANITIZE_TOPICS = "sanitizeTopics"
SANITIZE_FIELD_NAMES = "sanitizeFieldNames"
KAFKA_KEY_FIELD_NAME = "kafkaKeyFieldName"
KAFKA_DATA_FIELD_NAME = "kafkaDataFieldName"
SCHEMA_RETRIEVER = "schemaRetriever"
AUTO_CREATE_TABLES = "autoCreateTables"
ALLOW_NEW_FIELDS = "allowNewBigQueryFields"
ALLOW_RELAXATION = "allowBigQueryRequiredFieldRelaxation"
ALLOW_UNIONIZATION = "allowSchemaUnionization"
ALL_FIELDS_NULLABLE = "allBQFieldsNullable"
UPSERT_ENABLED = "upsertEnabled"
DELETE_ENABLED = "deleteEnabled"
INTERMEDIATE_TABLE_SUFFIX = "intermediateTableSuffix"
MERGE_INTERVAL_MS = "mergeIntervalMs"
MERGE_RECORDS_THRESHOLD = "mergeRecordsThreshold"
THREAD_POOL_SIZE = "threadPoolSize"
QUEUE_SIZE = "queueSize"
BIGQUERY_RETRY = "bigQueryRetry"
BIGQUERY_RETRY_WAIT = "bigQueryRetryWait"
MESSAGE_TIME_PARTITIONING = "bigQueryMessageTimePartitioning"
PARTITION_DECORATOR = "bigQueryPartitionDecorator"
TIMESTAMP_PARTITION_FIELD = "timestampPartitionFieldName"
CLUSTERING_FIELDS = "clusteringPartitionFieldNames"
TIME_PARTITIONING_TYPE = "timePartitioningType"
PARTITION_EXPIRATION_MS = "partitionExpirationMs"
CONVERT_DOUBLE_SPECIAL = "convertDoubleSpecialValues"
CONVERT_DEBEZIUM_TIMESTAMP = "convertDebeziumTimestampToInteger"
ENABLE_BATCH_LOAD = "enableBatchLoad"
MAX_RETRIES = "max.retries"
ENABLE_RETRIES = "enableRetries"
USE_STORAGE_WRITE_API = "useStorageWriteApi"
ENABLE_BATCH_MODE = "enableBatchMode"
COMMIT_INTERVAL = "commitInterval"
# Ours.
ENDPOINT = "bigQueryEndpoint"
STORAGE_WRITE_ENDPOINT = "bigQueryStorageWriteEndpoint"
# Set by the connector in each task's config (Java's BigQuerySinkTaskConfig.TASK_ID_CONFIG).
TASK_ID = "taskId"

KEY_SOURCES = ("FILE", "JSON", "APPLICATION_DEFAULT", "NONE")
TIME_PARTITIONING_TYPES = ("HOUR", "DAY", "MONTH", "YEAR", "NONE")
IDENTITY_SCHEMA_RETRIEVER = "com.wepay.kafka.connect.bigquery.retrieve.IdentitySchemaRetriever"


def parse_topic2table(text: str) -> dict[str, str]:
    """``"t1:tbl1,t2:tbl2"`` -> ``{"t1": "tbl1", "t2": "tbl2"}`` with Java's messages."""
    result: dict[str, str] = {}
    if not text:
        return result
    for part in text.split(","):
        pieces = part.split(":")
        if len(pieces) != 2 or not pieces[0].strip() or not pieces[1].strip():
            raise ConfigException(
                TOPIC2TABLE_MAP, text, "One of the topic to table mappings has an invalid format."
            )
        topic, table = pieces[0].strip(), pieces[1].strip()
        if topic in result:
            raise ConfigException(
                TOPIC2TABLE_MAP,
                TOPIC2TABLE_MAP,
                f"The topic name {topic} is duplicated. Topic names cannot be duplicated.",
            )
        result[topic] = table
    return result


def _check_topic2table(name: str, value: Any) -> None:
    parse_topic2table(value or "")


def _merge_setting(description: str) -> LambdaValidator:
    def check(name: str, value: Any) -> None:
        if value is None:
            return
        if value == 0:
            raise ConfigException(name, value, "Cannot be zero")
        if value < -1:
            raise ConfigException(name, value, "Cannot be less than -1")

    return LambdaValidator(check, description)


def _check_clustering(name: str, value: Any) -> None:
    if value is not None and len(value) > 4:
        raise ConfigException(name, value, "You may only specify up to four clustering field names.")


def _check_partitioning_type(name: str, value: Any) -> None:
    if value is None:
        return
    lowered = str(value).lower()
    if lowered not in [t.lower() for t in TIME_PARTITIONING_TYPES]:
        ValidString([t.lower() for t in TIME_PARTITIONING_TYPES]).ensure_valid(name, lowered)


def _check_endpoint(name: str, value: Any) -> None:
    if value is None:
        return
    NonEmptyString().ensure_valid(name, value)
    parsed = urlsplit(value)
    if parsed.scheme not in ("http", "https") or not parsed.hostname or parsed.query or parsed.fragment:
        raise ConfigException(
            name, value, "Must be an http:// or https:// URL such as http://127.0.0.1:29050"
        )


def _check_grpc_endpoint(name: str, value: Any) -> None:
    if value is None:
        return
    NonEmptyString().ensure_valid(name, value)
    host, sep, port = str(value).rpartition(":")
    if not sep or not host or "/" in value or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigException(name, value, "Must be host:port, such as 127.0.0.1:29060")


def _check_expiration(name: str, value: Any) -> None:
    if value is not None:
        Range.at_least(1).ensure_valid(name, value)


def _define() -> ConfigDef:
    d = ConfigDef()
    low, medium, high = Importance.LOW, Importance.MEDIUM, Importance.HIGH
    d.define(
        ENABLE_BATCH_LOAD,
        Type.LIST,
        [],
        None,
        low,
        "Beta Feature; use with caution: The sublist of topics to be batch loaded through GCS "
        "(not supported by connectrt: leave it empty).",
    )
    d.define(
        "batchLoadIntervalSec",
        Type.INT,
        120,
        None,
        low,
        "The interval, in seconds, in which to attempt to run GCS to BQ load jobs (unused).",
    )
    d.define("gcsBucketName", Type.STRING, "", None, high, "GCS bucket for batch loading (unused).")
    d.define("gcsFolderName", Type.STRING, "", None, medium, "GCS folder for batch loading (unused).")
    d.define(PROJECT, Type.STRING, importance=high, documentation="The BigQuery project to write to")
    d.define(DEFAULT_DATASET, Type.STRING, importance=high, documentation="The default dataset to be used")
    d.define(
        SCHEMA_RETRIEVER,
        Type.CLASS,
        IDENTITY_SCHEMA_RETRIEVER,
        None,
        medium,
        "A class that can be used for automatically creating tables and/or updating schemas "
        "(only the IdentitySchemaRetriever is supported)",
    )
    d.define(
        KEYFILE,
        Type.PASSWORD,
        None,
        None,
        medium,
        "The file containing a JSON key with BigQuery service account credentials",
    )
    d.define(
        KEY_SOURCE,
        Type.STRING,
        "FILE",
        ValidString(KEY_SOURCES),
        medium,
        "Determines whether the keyfile config is the path to the credentials json file or the raw json "
        "of the key itself. If set to APPLICATION_DEFAULT, the keyfile should not be provided and the "
        "connector will use any GCP application default credentials that it can find on the Connect "
        "worker for authentication. NONE (connectrt only): anonymous credentials, for emulators.",
    )
    d.define(
        SANITIZE_TOPICS,
        Type.BOOLEAN,
        False,
        None,
        medium,
        "Whether to automatically sanitize topic names before using them as table names; if not "
        "enabled topic names will be used directly as table names",
    )
    d.define(
        TOPIC2TABLE_MAP,
        Type.STRING,
        "",
        LambdaValidator(_check_topic2table),
        low,
        "Map of topics to tables (optional). Format: comma-separated tuples, e.g. "
        "<topic-1>:<table-1>,<topic-2>:<table-2>,...",
    )
    d.define(
        SANITIZE_FIELD_NAMES,
        Type.BOOLEAN,
        False,
        None,
        medium,
        "Whether to automatically sanitize field names before using them as field names in big query.",
    )
    d.define(
        KAFKA_KEY_FIELD_NAME,
        Type.STRING,
        None,
        NonEmptyString(),
        low,
        "The name of the field of Kafka key. Default to be null, which means Kafka Key Field will not "
        "be included.",
    )
    d.define(
        KAFKA_DATA_FIELD_NAME,
        Type.STRING,
        None,
        NonEmptyString(),
        low,
        "The name of the field of Kafka Data. Default to be null, which means Kafka Data Field will "
        "not be included. ",
    )
    d.define(
        "avroDataCacheSize",
        Type.INT,
        100,
        Range.at_least(0),
        low,
        "The size of the cache to use when converting schemas from Avro to Kafka Connect",
    )
    d.define(
        ALL_FIELDS_NULLABLE,
        Type.BOOLEAN,
        False,
        None,
        low,
        "If true, no fields in any produced BigQuery schema will be REQUIRED.",
    )
    d.define(
        CONVERT_DOUBLE_SPECIAL,
        Type.BOOLEAN,
        False,
        None,
        low,
        "Should +Infinity be converted to Double.MAX_VALUE and -Infinity and NaN be converted to "
        "Double.MIN_VALUE so they can make it to BigQuery",
    )
    d.define(
        AUTO_CREATE_TABLES,
        Type.BOOLEAN,
        True,
        None,
        high,
        "Automatically create BigQuery tables if they don't already exist",
    )
    d.define("autoCreateBucket", Type.BOOLEAN, True, None, medium, "Unused (GCS batch loading).")
    d.define(
        ALLOW_NEW_FIELDS,
        Type.BOOLEAN,
        False,
        None,
        medium,
        "If true, new fields can be added to BigQuery tables during subsequent schema updates",
    )
    d.define(
        ALLOW_RELAXATION,
        Type.BOOLEAN,
        False,
        None,
        medium,
        "If true, fields in BigQuery Schema can be changed from REQUIRED to NULLABLE",
    )
    d.define(
        ALLOW_UNIONIZATION,
        Type.BOOLEAN,
        False,
        None,
        medium,
        "If true, the existing table schema (if one is present) will be unionized with new record "
        "schemas during schema updates",
    )
    d.define(
        UPSERT_ENABLED,
        Type.BOOLEAN,
        False,
        None,
        low,
        "Enable upsert functionality on the connector through the use of record keys, intermediate "
        "tables, and periodic merge flushes.",
    )
    d.define(
        DELETE_ENABLED,
        Type.BOOLEAN,
        False,
        None,
        low,
        "Enable delete functionality on the connector through the use of record keys, intermediate "
        "tables, and periodic merge flushes. A delete will be performed when a record with a null "
        "value (i.e., a tombstone record) is read.",
    )
    d.define(
        INTERMEDIATE_TABLE_SUFFIX,
        Type.STRING,
        "tmp",
        NonEmptyString(),
        low,
        "A suffix that will be appended to the names of destination tables to create the names for "
        "the corresponding intermediate tables.",
    )
    d.define(
        MERGE_INTERVAL_MS,
        Type.LONG,
        60_000,
        _merge_setting("Either a positive integer or -1 to disable time interval-based merging"),
        low,
        "How often (in milliseconds) to perform a merge flush, if upsert/delete is enabled.",
    )
    d.define(
        MERGE_RECORDS_THRESHOLD,
        Type.LONG,
        -1,
        _merge_setting("Either a positive integer or -1 to disable throughput-based merging"),
        low,
        "How many records to write to an intermediate table before performing a merge flush, if "
        "upsert/delete is enabled.",
    )
    d.define(
        THREAD_POOL_SIZE,
        Type.INT,
        10,
        Range.at_least(1),
        medium,
        "The size of the BigQuery write thread pool. This establishes the maximum number of "
        "concurrent writes to BigQuery.",
    )
    d.define(
        QUEUE_SIZE,
        Type.LONG,
        -1,
        Range.at_least(-1),
        high,
        "The maximum size (or -1 for no maximum size) of the worker queue for bigQuery write requests "
        "before all topics are paused.",
    )
    d.define(
        BIGQUERY_RETRY,
        Type.INT,
        0,
        Range.at_least(0),
        medium,
        "The number of retry attempts that will be made per BigQuery request that fails with a backend "
        "error or a quota exceeded error",
    )
    d.define(
        BIGQUERY_RETRY_WAIT,
        Type.LONG,
        1000,
        Range.at_least(0),
        medium,
        "The minimum amount of time, in milliseconds, to wait between BigQuery backend or quota "
        "exceeded error retry attempts.",
    )
    d.define(
        MESSAGE_TIME_PARTITIONING,
        Type.BOOLEAN,
        False,
        None,
        high,
        "Whether or not to use the message time when inserting records. Default uses the connector "
        "processing time.",
    )
    d.define(
        PARTITION_DECORATOR,
        Type.BOOLEAN,
        True,
        None,
        high,
        "Whether or not to append partition decorator to BigQuery table name when inserting records.",
    )
    d.define(
        TIMESTAMP_PARTITION_FIELD,
        Type.STRING,
        None,
        NonEmptyString(),
        low,
        "The name of the field in the value that contains the timestamp to partition by in BigQuery "
        "and enable timestamp partitioning for each table.",
    )
    d.define(
        CLUSTERING_FIELDS,
        Type.LIST,
        None,
        LambdaValidator(_check_clustering),
        low,
        "List of fields on which data should be clustered by in BigQuery, separated by commas",
    )
    d.define_internal(CONVERT_DEBEZIUM_TIMESTAMP, Type.BOOLEAN, False)
    d.define(
        TIME_PARTITIONING_TYPE,
        Type.STRING,
        "DAY",
        LambdaValidator(_check_partitioning_type),
        low,
        "The time partitioning type to use when creating tables, or 'NONE' to create non-partitioned "
        "tables. Existing tables will not be altered to use this partitioning type.",
    )
    d.define(
        PARTITION_EXPIRATION_MS,
        Type.LONG,
        None,
        LambdaValidator(_check_expiration),
        low,
        "The amount of time, in milliseconds, after which partitions should be deleted from the "
        "tables this connector creates.",
    )
    d.define_internal("runtimeProvider", Type.STRING, "Confluent Platform")
    d.define(
        MAX_RETRIES,
        Type.INT,
        10,
        Range.at_least(1),
        medium,
        "The maximum number of times to retry on retriable errors before failing the task.",
    )
    d.define_internal(ENABLE_RETRIES, Type.BOOLEAN, True)
    d.define(
        USE_STORAGE_WRITE_API,
        Type.BOOLEAN,
        False,
        None,
        medium,
        "(Aiven) Use the Storage Write API instead of tabledata.insertAll.",
    )
    d.define(
        ENABLE_BATCH_MODE,
        Type.BOOLEAN,
        False,
        None,
        medium,
        "(Aiven) With the Storage Write API, write into application-created PENDING streams committed "
        "every commitInterval seconds.",
    )
    d.define(
        COMMIT_INTERVAL,
        Type.INT,
        60,
        Range.between(15, 14400),
        low,
        "(Aiven) The interval, in seconds, in which to attempt to commit streamed records.",
    )
    d.define(
        ENDPOINT,
        Type.STRING,
        None,
        LambdaValidator(_check_endpoint),
        low,
        "(connectrt) Root URL of the BigQuery REST API, e.g. http://127.0.0.1:29050 for the dev "
        "emulator; default: Google's endpoint.",
    )
    d.define(
        STORAGE_WRITE_ENDPOINT,
        Type.STRING,
        None,
        LambdaValidator(_check_grpc_endpoint),
        low,
        "(connectrt) host:port of the BigQuery Storage Write gRPC API, e.g. 127.0.0.1:29060 for the dev "
        "emulator; default: Google's endpoint.",
    )
    return d


CONFIG_DEF = _define()


def validate_values(values: Mapping[str, Any], props: Mapping[str, str]) -> list[tuple[str, str]]:
    """Cross-key checks, in Java's order: ``[(key, message), ...]``."""
    errors: list[tuple[str, str]] = []
    keyfile = values.get(KEYFILE)
    key = keyfile.value if keyfile is not None else None
    source = values[KEY_SOURCE]
    if source == "APPLICATION_DEFAULT" and key:
        errors.append((KEYFILE, "keyfile should not be provided if keySource is APPLICATION_DEFAULT"))
    elif source == "NONE" and not values.get(ENDPOINT):
        errors.append(
            (
                KEY_SOURCE,
                "keySource NONE (anonymous credentials) is only for emulators; set "
                "bigQueryEndpoint to the emulator's URL too.",
            )
        )
    elif key and source in ("FILE", "JSON"):
        from connectrt_bigquery.client import credentials_problem

        problem = credentials_problem(source, key)
        if problem:
            errors.append(
                (
                    KEYFILE,
                    f"An unexpected error occurred while validating credentials for BigQuery: {problem}",
                )
            )
    if values[PARTITION_DECORATOR] and values.get(TIMESTAMP_PARTITION_FIELD):
        errors.append(
            (
                PARTITION_DECORATOR,
                "Only one partitioning mode may be specified for the connector. "
                f"Use either {PARTITION_DECORATOR} OR {TIMESTAMP_PARTITION_FIELD}.",
            )
        )
    elif (
        values[PARTITION_DECORATOR]
        and values[AUTO_CREATE_TABLES]
        and str(values[TIME_PARTITIONING_TYPE]).upper() != "DAY"
    ):
        errors.append(
            (
                TIME_PARTITIONING_TYPE,
                "Tables must be partitioned by DAY when using partition decorator syntax. Either configure "
                "the connector with the DAY time partitioning type, disable automatic table creation, or "
                "disable partition decorator syntax.",
            )
        )
    for mode in (UPSERT_ENABLED, DELETE_ENABLED):
        if not values[mode]:
            continue
        if values[MERGE_INTERVAL_MS] == -1 and values[MERGE_RECORDS_THRESHOLD] == -1:
            errors.append((mode, f"{MERGE_INTERVAL_MS} and {MERGE_RECORDS_THRESHOLD} cannot both be -1"))
        elif not values.get(KAFKA_KEY_FIELD_NAME):
            errors.append((mode, f"{KAFKA_KEY_FIELD_NAME} must be specified when {mode} is set to true"))
    errors.extend(_storage_write_errors(values, props))
    if values[ENABLE_BATCH_LOAD]:
        errors.append(
            (
                ENABLE_BATCH_LOAD,
                "GCS batch loading is not supported by connectrt; remove "
                "enableBatchLoad, or use useStorageWriteApi=true with enableBatchMode=true.",
            )
        )
    if values[SCHEMA_RETRIEVER] not in (IDENTITY_SCHEMA_RETRIEVER, "IdentitySchemaRetriever"):
        errors.append(
            (
                SCHEMA_RETRIEVER,
                f"Only {IDENTITY_SCHEMA_RETRIEVER} is supported by connectrt; remove "
                f"{SCHEMA_RETRIEVER} (records carry their schema).",
            )
        )
    return errors


def _storage_write_errors(values: Mapping[str, Any], props: Mapping[str, str]) -> list[tuple[str, str]]:
    """Aiven's StorageWriteApiValidator (reported on useStorageWriteApi and on enableBatchMode)."""
    if not values[USE_STORAGE_WRITE_API]:
        if values[ENABLE_BATCH_MODE]:
            return [
                (
                    ENABLE_BATCH_MODE,
                    "Storage Write Api Batch load is supported only when useStorageWriteApi is "
                    "enabled. Either disable batch mode or enable Storage Write API",
                )
            ]
        return []
    message = None
    if values[UPSERT_ENABLED]:
        message = "Upsert mode is not supported with Storage Write API. Either disable Upsert mode or disable Storage Write API"
    elif values[DELETE_ENABLED]:
        message = "Delete mode is not supported with Storage Write API. Either disable Delete mode or disable Storage Write API"
    elif values[ENABLE_BATCH_LOAD]:
        message = (
            "Legacy Batch mode is not supported with Storage Write API. Either disable Legacy Batch mode or "
            "disable Storage Write API"
        )
    elif PARTITION_DECORATOR in props and values[PARTITION_DECORATOR] and values[ENABLE_BATCH_MODE]:
        message = (
            "Partition decorator syntax is not supported with Storage Write API Batch Load. It is currently "
            "only available when using the Storage Write API default stream."
        )
    return [(USE_STORAGE_WRITE_API, message)] if message else []


def parse_config(props: Mapping[str, str]) -> dict[str, Any]:
    """Parse and cross-check a connector/task config; raise ConfigException with the first problem."""
    values = CONFIG_DEF.parse(props)
    errors = validate_values(values, props)
    if errors:
        raise ConfigException(errors[0][1])
    return values
