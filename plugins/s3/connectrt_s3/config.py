"""S3SinkConnector configuration: Confluent's keys, defaults and validators (storage-common + S3 sink).

``CONFIG_DEF`` is what ``GET /connector-plugins/S3SinkConnector/config`` shows; :class:`S3SinkConfig` is the
parsed view the task works with. Class-valued keys (``format.class``, ``partitioner.class``,
``storage.class``, ``timestamp.extractor`` ...) are matched against the Java class names and short names this
plugin implements; nothing named in a config is ever imported.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from connectrt.config.configdef import (
    NO_DEFAULT_VALUE,
    CaseInsensitiveValidString,
    ConfigDef,
    ConfigException,
    ConfigValue,
    Importance,
    LambdaValidator,
    Password,
    Range,
    Type,
    ValidString,
)

from connectrt_s3.names import (
    FORMATS,
    PARQUET_CODECS,
    STORAGE_CLASS,
    format_name,
    partitioner_name,
)

CONFLUENT_VERSION = "12.1.0"
MIN_PART_SIZE = 5 * 1024 * 1024
DEFAULT_CREDENTIALS_PROVIDERS = (
    "software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider",
    "com.amazonaws.auth.DefaultAWSCredentialsProviderChain",
    "DefaultCredentialsProvider",
)
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$|^aws-global$|^us-gov-[a-z]+-\d+$")


def _one_of(values: Any) -> str:
    return "Value must be one of: [" + ", ".join(values) + "]"


def _class_validator(kind: str, resolve: Any) -> LambdaValidator:
    def check(name: str, value: Any) -> None:
        if value is not None and resolve(value) is None:
            raise ConfigException(name, value, f"{kind} is not one this S3 sink implements")

    return LambdaValidator(check)


def _part_size(name: str, value: Any) -> None:
    if value is None:
        raise ConfigException(name, value, "Part size must be non-null")
    if value < MIN_PART_SIZE:
        raise ConfigException(name, value, f"Part size must be at least: {MIN_PART_SIZE} bytes (5MB)")


def _region(name: str, value: Any) -> None:
    if not _REGION.match(str(value).strip().lower()):
        raise ConfigException(name, value, "Value must be an AWS region name such as us-west-2")


def _credentials_provider(name: str, value: Any) -> None:
    if value not in DEFAULT_CREDENTIALS_PROVIDERS:
        raise ConfigException(
            name, value, "only the default credentials provider chain is supported; use aws.access.key.id and "
            "aws.secret.access.key, or the environment, for other credentials"
        )  # fmt: skip


def _lower_in(*values: str) -> LambdaValidator:
    def check(name: str, value: Any) -> None:
        if str(value).lower() not in values:
            raise ConfigException(name, value, f"String must be one of: {', '.join(values)}")

    return LambdaValidator(check)


def _tag_pairs(name: str, value: Any) -> None:
    for pair in value or []:
        if len(pair.split(":")) != 2:
            raise ConfigException(name, value, "each entry must be key:value")


def build_config_def() -> ConfigDef:
    d = ConfigDef()
    L, M, H = Importance.LOW, Importance.MEDIUM, Importance.HIGH
    g = "Connector"
    d.define(
        "format.class",
        Type.CLASS,
        NO_DEFAULT_VALUE,
        _class_validator("format", format_name),
        H,
        "The format class to use when writing data to the store.",
        g,
        1,
        display_name="Format class",
    )
    d.define(
        "flush.size",
        Type.INT,
        NO_DEFAULT_VALUE,
        None,
        H,
        "Number of records written to store before invoking file commits.",
        g,
        2,
        display_name="Flush Size",
    )
    d.define(
        "rotate.interval.ms",
        Type.LONG,
        -1,
        None,
        H,
        "The time interval in milliseconds to invoke file commits, measured with the timestamp extractor.",
        g,
        3,
        display_name="Rotate Interval (ms)",
    )
    d.define(
        "rotate.schedule.interval.ms",
        Type.LONG,
        -1,
        None,
        M,
        "The time interval in milliseconds to periodically invoke file commits, aligned to 00:00 of "
        "``timezone``.",
        g,
        4,
        display_name="Rotate Schedule Interval (ms)",
    )
    d.define(
        "schemas.cache.config",
        Type.INT,
        1000,
        None,
        L,
        "The size of the schema cache used in the Avro converter.",
        g,
        5,
        display_name="Schema Cache Size",
    )
    d.define(
        "enhanced.avro.schema.support",
        Type.BOOLEAN,
        True,
        None,
        L,
        "Enable enhanced avro schema support in AvroConverter: Enum symbol preservation and Package Name "
        "awareness",
        g,
        6,
        display_name="Enhanced Avro Support",
    )
    d.define(
        "connect.meta.data",
        Type.BOOLEAN,
        True,
        None,
        L,
        "Allow connect converter to add its metadata to the output schema",
        g,
        7,
        display_name="Connect Metadata",
    )
    d.define(
        "retry.backoff.ms",
        Type.LONG,
        5000,
        None,
        L,
        "The retry backoff in milliseconds after a transient S3 failure.",
        g,
        8,
        display_name="Retry Backoff (ms)",
    )
    d.define(
        "shutdown.timeout.ms",
        Type.LONG,
        3000,
        None,
        M,
        "Clean shutdown timeout (unused by S3).",
        g,
        9,
        display_name="Shutdown Timeout (ms)",
    )
    d.define(
        "filename.offset.zero.pad.width",
        Type.INT,
        10,
        Range.at_least(0),
        L,
        "Width to zero pad offsets in store's filenames.",
        g,
        10,
        display_name="Filename Offset Zero Pad Width",
    )
    d.define(
        "avro.codec",
        Type.STRING,
        "null",
        ValidString.in_("null", "deflate", "snappy", "bzip2"),
        L,
        "The Avro compression codec to be used for output files. Available values: null, deflate, snappy "
        "and bzip2",
        g,
        11,
        display_name="Avro Compression Codec",
    )
    d.define(
        "allow.optional.map.keys",
        Type.BOOLEAN,
        False,
        None,
        L,
        "Allow optional string map key when converting from Connect Schema to Avro Schema.",
        g,
        12,
        display_name="Allow Optional Map Keys",
    )
    d.define(
        "parquet.codec",
        Type.STRING,
        "snappy",
        _lower_in(*PARQUET_CODECS),
        L,
        "The Parquet compression codec to be used for output files.",
        g,
        13,
        display_name="Parquet Compression Codec",
    )
    d.define(
        "schema.compatibility",
        Type.STRING,
        "NONE",
        ValidString.in_("NONE", "BACKWARD", "FORWARD", "FULL"),
        H,
        "The schema compatibility rule to use when the connector is observing schema changes.",
        "Schema",
        1,
        display_name="Schema Compatibility",
    )
    g = "S3"
    d.define(
        "s3.bucket.name",
        Type.STRING,
        NO_DEFAULT_VALUE,
        None,
        H,
        "The S3 Bucket.",
        g,
        1,
        display_name="S3 Bucket",
    )
    d.define(
        "s3.object.tagging",
        Type.BOOLEAN,
        False,
        None,
        L,
        "Tag S3 objects with start and end offsets, as well as record count.",
        g,
        2,
        display_name="S3 Object Tagging",
    )
    d.define(
        "s3.object.tagging.key.value.pairs",
        Type.LIST,
        "",
        LambdaValidator(_tag_pairs),
        L,
        "Additional S3 tag key value pairs",
        g,
        3,
        display_name="S3 Object Tagging Extra Key Value pairs",
    )
    d.define(
        "s3.object.behavior.on.tagging.error",
        Type.STRING,
        "ignore",
        _lower_in("ignore", "fail"),
        L,
        "How to handle S3 object tagging error. Valid options are 'ignore' and 'fail'.",
        g,
        4,
        display_name="Behavior for S3 object tagging error",
    )
    d.define(
        "s3.region",
        Type.STRING,
        "us-west-2",
        LambdaValidator(_region),
        M,
        "The AWS region to be used the connector.",
        g,
        5,
        display_name="AWS region",
    )
    d.define(
        "s3.part.size",
        Type.INT,
        25 * 1024 * 1024,
        LambdaValidator(_part_size),
        H,
        "The Part Size in S3 Multi-part Uploads.",
        g,
        6,
        display_name="S3 Part Size",
    )
    d.define(
        "s3.credentials.provider.class",
        Type.CLASS,
        DEFAULT_CREDENTIALS_PROVIDERS[0],
        LambdaValidator(_credentials_provider),
        L,
        "Credentials provider or provider chain to use for authentication to AWS.",
        g,
        7,
        display_name="AWS Credentials Provider Class",
    )
    d.define(
        "aws.access.key.id",
        Type.STRING,
        "",
        None,
        H,
        "The AWS access key ID used to authenticate personal AWS credentials such as IAM credentials.",
        g,
        8,
        display_name="AWS Access Key ID",
    )
    d.define(
        "aws.secret.access.key",
        Type.PASSWORD,
        None,
        None,
        H,
        "The secret access key used to authenticate personal AWS credentials such as IAM credentials.",
        g,
        9,
        display_name="AWS Secret Access Key",
    )
    d.define(
        "s3.ssea.name",
        Type.STRING,
        "",
        ValidString.in_("", "AES256", "aws:kms", "aws:kms:dsse"),
        L,
        "The S3 Server Side Encryption Algorithm.",
        g,
        10,
        display_name="S3 Server Side Encryption Algorithm",
    )
    d.define(
        "s3.sse.customer.key",
        Type.PASSWORD,
        None,
        None,
        L,
        "The S3 Server Side Encryption Customer-Provided Key (SSE-C).",
        g,
        11,
        display_name="S3 Server Side Encryption Customer-Provided Key (SSE-C)",
    )
    d.define(
        "s3.sse.kms.key.id",
        Type.STRING,
        "",
        None,
        L,
        "The name of the AWS-KMS key to be used for server side encryption of the S3 objects.",
        g,
        12,
        display_name="S3 Server Side Encryption Key",
    )
    d.define(
        "s3.acl.canned",
        Type.STRING,
        None,
        None,
        L,
        "An S3 canned ACL header value to apply when writing objects.",
        g,
        13,
        display_name="S3 Canned ACL",
    )
    d.define(
        "s3.wan.mode",
        Type.BOOLEAN,
        False,
        None,
        M,
        "Use S3 accelerated endpoint.",
        g,
        14,
        display_name="S3 accelerated endpoint enabled",
    )
    d.define(
        "s3.compression.type",
        Type.STRING,
        "none",
        ValidString.in_("none", "gzip"),
        L,
        "Compression type for files written to S3. Applied when using JsonFormat or ByteArrayFormat. "
        "Available values: none, gzip.",
        g,
        15,
        display_name="Compression type",
    )
    d.define(
        "s3.compression.level",
        Type.INT,
        -1,
        Range.between(-1, 9),
        L,
        "Compression level for files written to S3. Applied when using JsonFormat or ByteArrayFormat. ",
        g,
        16,
        display_name="Compression Level",
    )
    d.define(
        "json.decimal.format",
        Type.STRING,
        "BASE64",
        CaseInsensitiveValidString.in_("BASE64", "NUMERIC"),
        M,
        "Controls which format json converter will serialize decimals in. This value is case insensitive "
        "and can be either 'BASE64' (default) or 'NUMERIC'",
        g,
        17,
        display_name="Decimal Format",
    )
    d.define(
        "s3.part.retries",
        Type.INT,
        3,
        Range.at_least(0),
        M,
        "Maximum number of retry attempts for failed requests. Zero means no retries.",
        g,
        18,
        display_name="S3 Part Upload Retries",
    )
    d.define(
        "s3.retry.backoff.ms",
        Type.LONG,
        200,
        Range.at_least(0),
        L,
        "How long to wait in milliseconds before attempting the first retry of a failed S3 request.",
        g,
        19,
        display_name="Retry Backoff (ms)",
    )
    d.define(
        "format.bytearray.extension",
        Type.STRING,
        ".bin",
        None,
        L,
        "Output file extension for ByteArrayFormat. Defaults to ``.bin``.",
        g,
        20,
        display_name="Output file extension for ByteArrayFormat",
    )
    d.define(
        "format.bytearray.separator",
        Type.STRING,
        None,
        None,
        L,
        "String inserted between records for ByteArrayFormat. Defaults to ``System.lineSeparator()`` and "
        "may contain escape sequences like ``\\n``.",
        g,
        21,
        display_name="Line separator ByteArrayFormat",
    )
    d.define(
        "s3.proxy.url",
        Type.STRING,
        "",
        None,
        L,
        "S3 Proxy settings encoded in URL syntax.",
        g,
        22,
        display_name="S3 Proxy Settings",
    )
    d.define(
        "s3.proxy.user", Type.STRING, None, None, L, "S3 Proxy User.", g, 23, display_name="S3 Proxy User"
    )
    d.define(
        "s3.proxy.password",
        Type.PASSWORD,
        None,
        None,
        L,
        "S3 Proxy Password.",
        g,
        24,
        display_name="S3 Proxy Password",
    )
    d.define(
        "s3.http.send.expect.continue",
        Type.BOOLEAN,
        True,
        None,
        L,
        "Enable or disable use of the HTTP/1.1 handshake using EXPECT: 100-CONTINUE during multi-part upload.",
        g,
        25,
        display_name="S3 HTTP Send Uses Expect Continue",
    )
    d.define(
        "behavior.on.null.values",
        Type.STRING,
        "fail",
        _lower_in("ignore", "fail", "write"),
        L,
        "How to handle records with a null value (i.e. Kafka tombstone records). Valid options are 'ignore', "
        "'fail' and 'write'.",
        g,
        26,
        display_name="Behavior for null-valued records",
    )
    d.define(
        "report.null.values.to.dlq",
        Type.BOOLEAN,
        True,
        None,
        L,
        "Whether null values skipped with behavior.on.null.values=ignore are reported to the DLQ.",
        g,
        27,
        display_name="Report null value to dlq",
    )
    d.define(
        "max.write.duration.ms",
        Type.LONG,
        2**63 - 1,
        None,
        L,
        "The maximum duration that a task will spend writing buffered records in one put.",
        g,
        28,
        display_name="Maximum write duration",
    )
    d.define(
        "rotate.file.on.partition.change",
        Type.BOOLEAN,
        True,
        None,
        L,
        "With rotate.interval.ms, rotate files when the encoded partition changes.",
        g,
        29,
        display_name="Rotate files on partition change",
    )
    d.define(
        "tombstone.encoded.partition",
        Type.STRING,
        "tombstone",
        None,
        L,
        "Output s3 folder to write the tombstone records to.",
        g,
        30,
        display_name="Tombstone Encoded Partition",
    )
    d.define(
        "s3.schema.partition.affix.type",
        Type.STRING,
        "NONE",
        ValidString.in_("SUFFIX", "PREFIX", "NONE"),
        L,
        "Append the record schema name to prefix or suffix in the s3 path after the partition.",
        g,
        31,
        display_name="Schema Partition Affix Type",
    )
    d.define(
        "s3.send.digest",
        Type.BOOLEAN,
        False,
        None,
        L,
        "Enable or disable sending MD5 digest with S3 multipart upload request.",
        g,
        32,
        display_name="S3 Send Upload Message Digest",
    )
    d.define(
        "enable.conditional.writes",
        Type.BOOLEAN,
        True,
        None,
        L,
        "Use If-None-Match: * on object completion so that scheduled rotation never overwrites an existing "
        "object (effective with rotate.schedule.interval.ms and without key/header files).",
        g,
        33,
        display_name="Enable conditional writes during multipart upload",
    )
    d.define("max.files.scan.limit", Type.INT, 100, None, L, "", internal=True)
    g = "Keys and Headers"
    d.define(
        "store.kafka.keys",
        Type.BOOLEAN,
        False,
        None,
        L,
        "Enable or disable writing keys to storage.",
        g,
        1,
        display_name="Store kafka keys",
        dependents=["keys.format.class"],
    )
    d.define(
        "store.kafka.headers",
        Type.BOOLEAN,
        False,
        None,
        L,
        "Enable or disable writing headers to storage.",
        g,
        2,
        display_name="Store kafka headers",
        dependents=["headers.format.class"],
    )
    d.define(
        "keys.format.class",
        Type.CLASS,
        "io.confluent.connect.s3.format.avro.AvroFormat",
        _class_validator("format", format_name),
        L,
        "The format class to use when writing keys to the store.",
        g,
        3,
        display_name="Keys format class",
    )
    d.define(
        "headers.format.class",
        Type.CLASS,
        "io.confluent.connect.s3.format.avro.AvroFormat",
        _class_validator("format", format_name),
        L,
        "The format class to use when writing headers to the store.",
        g,
        4,
        display_name="Headers format class",
    )
    d.define(
        "s3.path.style.access.enabled",
        Type.BOOLEAN,
        True,
        None,
        L,
        "Specifies whether or not to enable path style access to the bucket used by the connector",
        g,
        5,
        display_name="Enable Path Style Access to S3",
    )
    d.define(
        "s3.elastic.buffer.enable",
        Type.BOOLEAN,
        False,
        None,
        L,
        "Grow part buffers as data arrives (connectrt always does).",
        g,
        6,
        display_name="Enable elastic buffer to staging s3-part",
    )
    d.define(
        "s3.elastic.buffer.init.capacity",
        Type.INT,
        128 * 1024,
        Range.at_least(4096),
        L,
        "Elastic buffer initial capacity.",
        g,
        7,
        display_name="Elastic buffer initial capacity",
    )
    d.define("partitioner.max.open.files", Type.INT, -1, None, L, "", internal=True)
    g = "Storage"
    d.define(
        "storage.class",
        Type.CLASS,
        NO_DEFAULT_VALUE,
        ValidString.in_(STORAGE_CLASS, "S3Storage"),
        H,
        "The underlying storage layer.",
        g,
        1,
        display_name="Storage Class",
    )
    d.define(
        "topics.dir",
        Type.STRING,
        "topics",
        None,
        H,
        "Top level directory to store the data ingested from Kafka.",
        g,
        2,
        display_name="Topics directory",
    )
    d.define(
        "store.url",
        Type.STRING,
        None,
        None,
        H,
        "Store's connection URL, if applicable.",
        g,
        3,
        display_name="Store URL",
    )
    d.define(
        "directory.delim",
        Type.STRING,
        "/",
        None,
        M,
        "Directory delimiter pattern",
        g,
        4,
        display_name="Directory Delimiter",
    )
    d.define(
        "file.delim", Type.STRING, "+", None, M, "File delimiter pattern", g, 5, display_name="File Delimiter"
    )
    g = "Partitioner"
    d.define(
        "partitioner.class",
        Type.CLASS,
        "io.confluent.connect.storage.partitioner.DefaultPartitioner",
        _class_validator("partitioner", partitioner_name),
        H,
        "The partitioner to use when writing data to the store.",
        g,
        1,
        display_name="Partitioner Class",
        dependents=["partition.field.name", "partition.duration.ms", "path.format", "locale", "timezone"],
    )
    d.define(
        "partition.field.name",
        Type.LIST,
        "",
        None,
        M,
        "The name of the partitioning field when FieldPartitioner is used.",
        g,
        2,
        display_name="Partition Field Name",
    )
    d.define(
        "partition.duration.ms",
        Type.LONG,
        -1,
        None,
        M,
        "The duration of a partition milliseconds used by ``TimeBasedPartitioner``.",
        g,
        3,
        display_name="Partition Duration (ms)",
    )
    d.define(
        "path.format",
        Type.STRING,
        "",
        None,
        M,
        "The Joda-Time format of the data directories when partitioning with ``TimeBasedPartitioner``, e.g. "
        "``'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH``.",
        g,
        4,
        display_name="Path Format",
    )
    d.define(
        "locale",
        Type.STRING,
        "",
        None,
        M,
        "The locale to use when partitioning with ``TimeBasedPartitioner``.",
        g,
        5,
        display_name="Locale",
    )
    d.define(
        "timezone",
        Type.STRING,
        "",
        None,
        M,
        "The timezone to use when partitioning with ``TimeBasedPartitioner``.",
        g,
        6,
        display_name="Timezone",
    )
    d.define(
        "timestamp.extractor",
        Type.STRING,
        "Wallclock",
        None,
        M,
        "The extractor that gets the timestamp for records when partitioning with ``TimeBasedPartitioner``: "
        "``Wallclock``, ``Record`` or ``RecordField``.",
        g,
        7,
        display_name="Timestamp Extractor",
    )
    d.define(
        "timestamp.field",
        Type.STRING,
        "timestamp",
        None,
        M,
        "The record field to be used as timestamp by the timestamp extractor.",
        g,
        8,
        display_name="Record Field for Timestamp Extractor",
    )
    return d


CONFIG_DEF = build_config_def()


class S3SinkConfig:
    """The parsed connector config, with the cross-field checks Confluent does at start."""

    def __init__(self, props: Mapping[str, str]) -> None:
        self.originals = dict(props)
        self.values = CONFIG_DEF.parse(props)
        errors = cross_field_errors(self.values)
        if errors:
            raise ConfigException(errors[0][1])
        if self.long("rotate.schedule.interval.ms") > 0 and not self.string("timezone"):
            raise ConfigException("timezone configuration must be set when using rotate.schedule.interval.ms")
        self.name = props.get("name", "S3-sink")

    def get(self, key: str) -> Any:
        return self.values[key]

    def string(self, key: str) -> str:
        value = self.values[key]
        if isinstance(value, Password):
            return value.value
        return "" if value is None else str(value)

    def integer(self, key: str) -> int:
        return int(self.values[key])

    def long(self, key: str) -> int:
        return int(self.values[key])

    def flag(self, key: str) -> bool:
        return bool(self.values[key])

    def strings(self, key: str) -> list[str]:
        return list(self.values[key] or [])

    @property
    def tombstone_write_enabled(self) -> bool:
        return self.string("behavior.on.null.values").lower() == "write"

    @property
    def conditional_writes(self) -> bool:
        """Confluent's shouldEnableConditionalWrites()."""
        return (
            self.flag("enable.conditional.writes")
            and self.long("rotate.schedule.interval.ms") != -1
            and not self.flag("store.kafka.headers")
            and not self.flag("store.kafka.keys")
        )

    @property
    def bytearray_separator(self) -> bytes:
        raw = self.originals.get("format.bytearray.separator")
        if raw is None:
            return b"\n"
        return raw.encode("utf-8").decode("unicode_escape").encode("utf-8")


_COMPRESSIBLE = ("JsonFormat", "ByteArrayFormat")


def cross_field_errors(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Confluent's S3SinkConnectorValidator checks, as (key, message) pairs."""
    errors: list[tuple[str, str]] = []
    compression = values.get("s3.compression.type")
    if compression and compression != "none":
        checks: list[tuple[str, str, tuple[str, ...]]] = [
            ("data", "format.class", ("format.class", "s3.compression.type"))
        ]
        if values.get("store.kafka.keys"):
            checks.append(
                (
                    "keys",
                    "keys.format.class",
                    ("store.kafka.keys", "keys.format.class", "s3.compression.type"),
                )
            )
        if values.get("store.kafka.headers"):
            checks.append(
                (
                    "headers",
                    "headers.format.class",
                    ("store.kafka.headers", "headers.format.class", "s3.compression.type"),
                )
            )
        for what, key, keys in checks:
            cls = values.get(key)
            if cls is not None and format_name(cls) not in _COMPRESSIBLE:
                message = f"Compression Type {compression} not valid for {what} format class: ( {cls} )."
                errors.extend((k, message) for k in keys)
    if str(values.get("behavior.on.null.values", "")).lower() == "write" and not values.get(
        "store.kafka.keys"
    ):
        message = "Writing Kafka record keys to storage is mandatory when tombstone writing is enabled."
        errors.extend((k, message) for k in ("store.kafka.keys", "behavior.on.null.values"))
    if values.get("s3.wan.mode") and values.get("s3.path.style.access.enabled"):
        message = (
            "Both accelerate mode and path style access are being enabled. These options are mutually exclusive "
            "and cannot be enabled together. Please disable one of them"
        )
        errors.extend((k, message) for k in ("s3.wan.mode", "s3.path.style.access.enabled"))
    if values.get("parquet.codec") is not None and str(values["parquet.codec"]).lower() == "lzo":
        errors.append(
            ("parquet.codec", "parquet.codec lzo is not supported by connectrt; use snappy, gzip or zstd.")
        )
    return errors


def validate(props: Mapping[str, str]) -> list[ConfigValue]:
    results = CONFIG_DEF.validate_all(props)
    if any(v.errors for v in results.values()):
        return list(results.values())
    for key, message in cross_field_errors(CONFIG_DEF.parse(props)):
        results[key].add_error(message)
    return list(results.values())


def known_formats() -> list[str]:
    return sorted(FORMATS)
