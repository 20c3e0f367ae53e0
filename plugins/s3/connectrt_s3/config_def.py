"""The S3 sink's ConfigDef: Confluent's keys (storage-common + S3 sink), defaults, validators, groups, in
Confluent's order. Class-valued keys are matched against the Java names this plugin implements, never imported."""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from connectrt.config.configdef import (
    NO_DEFAULT_VALUE,
    CaseInsensitiveValidString,
    ConfigDef,
    ConfigException,
    Importance,
    LambdaValidator,
    Range,
    Type,
    Validator,
    ValidString,
)

from connectrt_s3.names import PARQUET_CODECS, STORAGE_CLASS, format_name, partitioner_name

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


_FORMAT = _class_validator("format", format_name)
_PARTITIONER = _class_validator("partitioner", partitioner_name)
REQUIRED = NO_DEFAULT_VALUE
H, M, L = Importance.HIGH, Importance.MEDIUM, Importance.LOW
BOOLEAN, STRING, INT, LONG, LIST, CLASS, PASSWORD = (
    Type.BOOLEAN,
    Type.STRING,
    Type.INT,
    Type.LONG,
    Type.LIST,
    Type.CLASS,
    Type.PASSWORD,
)


class _Key(NamedTuple):
    name: str
    type: Type
    default: Any
    validator: Validator | None
    importance: Importance
    doc: str
    display: str
    dependents: list[str] = []
    internal: bool = False


_GROUPS: dict[str, str] = {
    "schema.compatibility": "Schema",
    "s3.bucket.name": "S3",
    "store.kafka.keys": "Keys and Headers",
    "storage.class": "Storage",
    "partitioner.class": "Partitioner",
}

# fmt: off
_KEYS = [
    # Connector
    _Key('format.class', CLASS, REQUIRED, _FORMAT, H,
         'The format class to use when writing data to the store.',
         'Format class'),
    _Key('flush.size', INT, REQUIRED, None, H,
         'Number of records written to store before invoking file commits.',
         'Flush Size'),
    _Key('rotate.interval.ms', LONG, -1, None, H,
         'The time interval in milliseconds to invoke file commits, measured with the timestamp extractor.',
         'Rotate Interval (ms)'),
    _Key('rotate.schedule.interval.ms', LONG, -1, None, M,
         'The time interval in milliseconds to periodically invoke file commits, aligned to 00:00 of ``timezone``.',
         'Rotate Schedule Interval (ms)'),
    _Key('schemas.cache.config', INT, 1000, None, L,
         'The size of the schema cache used in the Avro converter.',
         'Schema Cache Size'),
    _Key('enhanced.avro.schema.support', BOOLEAN, True, None, L,
         'Enable enhanced avro schema support in AvroConverter: Enum symbol preservation and Package Name awareness',
         'Enhanced Avro Support'),
    _Key('connect.meta.data', BOOLEAN, True, None, L,
         'Allow connect converter to add its metadata to the output schema',
         'Connect Metadata'),
    _Key('retry.backoff.ms', LONG, 5000, None, L,
         'The retry backoff in milliseconds after a transient S3 failure.',
         'Retry Backoff (ms)'),
    _Key('shutdown.timeout.ms', LONG, 3000, None, M,
         'Clean shutdown timeout (unused by S3).',
         'Shutdown Timeout (ms)'),
    _Key('filename.offset.zero.pad.width', INT, 10, Range.at_least(0), L,
         "Width to zero pad offsets in store's filenames.",
         'Filename Offset Zero Pad Width'),
    _Key('avro.codec', STRING, 'null', ValidString.in_("null", "deflate", "snappy", "bzip2"), L,
         'The Avro compression codec to be used for output files. Available values: null, deflate, snappy and bzip2',
         'Avro Compression Codec'),
    _Key('allow.optional.map.keys', BOOLEAN, False, None, L,
         'Allow optional string map key when converting from Connect Schema to Avro Schema.',
         'Allow Optional Map Keys'),
    _Key('parquet.codec', STRING, 'snappy', _lower_in(*PARQUET_CODECS), L,
         'The Parquet compression codec to be used for output files.',
         'Parquet Compression Codec'),
    # Schema
    _Key('schema.compatibility', STRING, 'NONE', ValidString.in_("NONE", "BACKWARD", "FORWARD", "FULL"), H,
         'The schema compatibility rule to use when the connector is observing schema changes.',
         'Schema Compatibility'),
    # S3
    _Key('s3.bucket.name', STRING, REQUIRED, None, H,
         'The S3 Bucket.',
         'S3 Bucket'),
    _Key('s3.object.tagging', BOOLEAN, False, None, L,
         'Tag S3 objects with start and end offsets, as well as record count.',
         'S3 Object Tagging'),
    _Key('s3.object.tagging.key.value.pairs', LIST, '', LambdaValidator(_tag_pairs), L,
         'Additional S3 tag key value pairs',
         'S3 Object Tagging Extra Key Value pairs'),
    _Key('s3.object.behavior.on.tagging.error', STRING, 'ignore', _lower_in("ignore", "fail"), L,
         "How to handle S3 object tagging error. Valid options are 'ignore' and 'fail'.",
         'Behavior for S3 object tagging error'),
    _Key('s3.region', STRING, 'us-west-2', LambdaValidator(_region), M,
         'The AWS region to be used the connector.',
         'AWS region'),
    _Key('s3.part.size', INT, 25 * 1024 * 1024, LambdaValidator(_part_size), H,
         'The Part Size in S3 Multi-part Uploads.',
         'S3 Part Size'),
    _Key('s3.credentials.provider.class', CLASS, 'software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider', LambdaValidator(_credentials_provider), L,
         'Credentials provider or provider chain to use for authentication to AWS.',
         'AWS Credentials Provider Class'),
    _Key('aws.access.key.id', STRING, '', None, H,
         'The AWS access key ID used to authenticate personal AWS credentials such as IAM credentials.',
         'AWS Access Key ID'),
    _Key('aws.secret.access.key', PASSWORD, None, None, H,
         'The secret access key used to authenticate personal AWS credentials such as IAM credentials.',
         'AWS Secret Access Key'),
    _Key('s3.ssea.name', STRING, '', ValidString.in_("", "AES256", "aws:kms", "aws:kms:dsse"), L,
         'The S3 Server Side Encryption Algorithm.',
         'S3 Server Side Encryption Algorithm'),
    _Key('s3.sse.customer.key', PASSWORD, None, None, L,
         'The S3 Server Side Encryption Customer-Provided Key (SSE-C).',
         'S3 Server Side Encryption Customer-Provided Key (SSE-C)'),
    _Key('s3.sse.kms.key.id', STRING, '', None, L,
         'The name of the AWS-KMS key to be used for server side encryption of the S3 objects.',
         'S3 Server Side Encryption Key'),
    _Key('s3.acl.canned', STRING, None, None, L,
         'An S3 canned ACL header value to apply when writing objects.',
         'S3 Canned ACL'),
    _Key('s3.wan.mode', BOOLEAN, False, None, M,
         'Use S3 accelerated endpoint.',
         'S3 accelerated endpoint enabled'),
    _Key('s3.compression.type', STRING, 'none', ValidString.in_("none", "gzip"), L,
         'Compression type for files written to S3. Applied when using JsonFormat or ByteArrayFormat. Available values: none, gzip.',
         'Compression type'),
    _Key('s3.compression.level', INT, -1, Range.between(-1, 9), L,
         'Compression level for files written to S3. Applied when using JsonFormat or ByteArrayFormat. ',
         'Compression Level'),
    _Key('json.decimal.format', STRING, 'BASE64', CaseInsensitiveValidString.in_("BASE64", "NUMERIC"), M,
         "Controls which format json converter will serialize decimals in. This value is case insensitive and can be either 'BASE64' (default) or 'NUMERIC'",
         'Decimal Format'),
    _Key('s3.part.retries', INT, 3, Range.at_least(0), M,
         'Maximum number of retry attempts for failed requests. Zero means no retries.',
         'S3 Part Upload Retries'),
    _Key('s3.retry.backoff.ms', LONG, 200, Range.at_least(0), L,
         'How long to wait in milliseconds before attempting the first retry of a failed S3 request.',
         'Retry Backoff (ms)'),
    _Key('format.bytearray.extension', STRING, '.bin', None, L,
         'Output file extension for ByteArrayFormat. Defaults to ``.bin``.',
         'Output file extension for ByteArrayFormat'),
    _Key('format.bytearray.separator', STRING, None, None, L,
         'String inserted between records for ByteArrayFormat. Defaults to ``System.lineSeparator()`` and may contain escape sequences like ``\\n``.',
         'Line separator ByteArrayFormat'),
    _Key('s3.proxy.url', STRING, '', None, L,
         'S3 Proxy settings encoded in URL syntax.',
         'S3 Proxy Settings'),
    _Key('s3.proxy.user', STRING, None, None, L,
         'S3 Proxy User.',
         'S3 Proxy User'),
    _Key('s3.proxy.password', PASSWORD, None, None, L,
         'S3 Proxy Password.',
         'S3 Proxy Password'),
    _Key('s3.http.send.expect.continue', BOOLEAN, True, None, L,
         'Enable or disable use of the HTTP/1.1 handshake using EXPECT: 100-CONTINUE during multi-part upload.',
         'S3 HTTP Send Uses Expect Continue'),
    _Key('behavior.on.null.values', STRING, 'fail', _lower_in("ignore", "fail", "write"), L,
         "How to handle records with a null value (i.e. Kafka tombstone records). Valid options are 'ignore', 'fail' and 'write'.",
         'Behavior for null-valued records'),
    _Key('report.null.values.to.dlq', BOOLEAN, True, None, L,
         'Whether null values skipped with behavior.on.null.values=ignore are reported to the DLQ.',
         'Report null value to dlq'),
    _Key('max.write.duration.ms', LONG, 2**63 - 1, None, L,
         'The maximum duration that a task will spend writing buffered records in one put.',
         'Maximum write duration'),
    _Key('rotate.file.on.partition.change', BOOLEAN, True, None, L,
         'With rotate.interval.ms, rotate files when the encoded partition changes.',
         'Rotate files on partition change'),
    _Key('tombstone.encoded.partition', STRING, 'tombstone', None, L,
         'Output s3 folder to write the tombstone records to.',
         'Tombstone Encoded Partition'),
    _Key('s3.schema.partition.affix.type', STRING, 'NONE', ValidString.in_("SUFFIX", "PREFIX", "NONE"), L,
         'Append the record schema name to prefix or suffix in the s3 path after the partition.',
         'Schema Partition Affix Type'),
    _Key('s3.send.digest', BOOLEAN, False, None, L,
         'Enable or disable sending MD5 digest with S3 multipart upload request.',
         'S3 Send Upload Message Digest'),
    _Key('enable.conditional.writes', BOOLEAN, True, None, L,
         'Use If-None-Match: * on object completion so that scheduled rotation never overwrites an existing object (effective with rotate.schedule.interval.ms and without key/header files).',
         'Enable conditional writes during multipart upload'),
    # internal
    _Key('max.files.scan.limit', INT, 100, None, L,
         '',
         'max.files.scan.limit', internal=True),
    # Keys and Headers
    _Key('store.kafka.keys', BOOLEAN, False, None, L,
         'Enable or disable writing keys to storage.',
         'Store kafka keys', dependents=['keys.format.class']),
    _Key('store.kafka.headers', BOOLEAN, False, None, L,
         'Enable or disable writing headers to storage.',
         'Store kafka headers', dependents=['headers.format.class']),
    _Key('keys.format.class', CLASS, 'io.confluent.connect.s3.format.avro.AvroFormat', _FORMAT, L,
         'The format class to use when writing keys to the store.',
         'Keys format class'),
    _Key('headers.format.class', CLASS, 'io.confluent.connect.s3.format.avro.AvroFormat', _FORMAT, L,
         'The format class to use when writing headers to the store.',
         'Headers format class'),
    _Key('s3.path.style.access.enabled', BOOLEAN, True, None, L,
         'Specifies whether or not to enable path style access to the bucket used by the connector',
         'Enable Path Style Access to S3'),
    _Key('s3.elastic.buffer.enable', BOOLEAN, False, None, L,
         'Grow part buffers as data arrives (connectrt always does).',
         'Enable elastic buffer to staging s3-part'),
    _Key('s3.elastic.buffer.init.capacity', INT, 128 * 1024, Range.at_least(4096), L,
         'Elastic buffer initial capacity.',
         'Elastic buffer initial capacity'),
    # internal
    _Key('partitioner.max.open.files', INT, -1, None, L,
         '',
         'partitioner.max.open.files', internal=True),
    # Storage
    _Key('storage.class', CLASS, REQUIRED, ValidString.in_(STORAGE_CLASS, "S3Storage"), H,
         'The underlying storage layer.',
         'Storage Class'),
    _Key('topics.dir', STRING, 'topics', None, H,
         'Top level directory to store the data ingested from Kafka.',
         'Topics directory'),
    _Key('store.url', STRING, None, None, H,
         "Store's connection URL, if applicable.",
         'Store URL'),
    _Key('directory.delim', STRING, '/', None, M,
         'Directory delimiter pattern',
         'Directory Delimiter'),
    _Key('file.delim', STRING, '+', None, M,
         'File delimiter pattern',
         'File Delimiter'),
    # Partitioner
    _Key('partitioner.class', CLASS, 'io.confluent.connect.storage.partitioner.DefaultPartitioner', _PARTITIONER, H,
         'The partitioner to use when writing data to the store.',
         'Partitioner Class', dependents=['partition.field.name', 'partition.duration.ms', 'path.format', 'locale', 'timezone']),
    _Key('partition.field.name', LIST, '', None, M,
         'The name of the partitioning field when FieldPartitioner is used.',
         'Partition Field Name'),
    _Key('partition.duration.ms', LONG, -1, None, M,
         'The duration of a partition milliseconds used by ``TimeBasedPartitioner``.',
         'Partition Duration (ms)'),
    _Key('path.format', STRING, '', None, M,
         "The Joda-Time format of the data directories when partitioning with ``TimeBasedPartitioner``, e.g. ``'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH``.",
         'Path Format'),
    _Key('locale', STRING, '', None, M,
         'The locale to use when partitioning with ``TimeBasedPartitioner``.',
         'Locale'),
    _Key('timezone', STRING, '', None, M,
         'The timezone to use when partitioning with ``TimeBasedPartitioner``.',
         'Timezone'),
    _Key('timestamp.extractor', STRING, 'Wallclock', None, M,
         'The extractor that gets the timestamp for records when partitioning with ``TimeBasedPartitioner``: ``Wallclock``, ``Record`` or ``RecordField``.',
         'Timestamp Extractor'),
    _Key('timestamp.field', STRING, 'timestamp', None, M,
         'The record field to be used as timestamp by the timestamp extractor.',
         'Record Field for Timestamp Extractor'),
]
# fmt: on


def build_config_def() -> ConfigDef:
    d = ConfigDef()
    group, order = "Connector", 0
    for k in _KEYS:
        if k.name in _GROUPS:
            group, order = _GROUPS[k.name], 0
        if k.internal:
            d.define(k.name, k.type, k.default, k.validator, k.importance, k.doc, internal=True)
            continue
        order += 1
        d.define(k.name, k.type, k.default, k.validator, k.importance, k.doc, group, order,
                 display_name=k.display, dependents=k.dependents)  # fmt: skip
    return d


CONFIG_DEF = build_config_def()
