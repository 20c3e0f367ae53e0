"""S3 access with boto3: the client, the bucket check, tagging and the part-buffered output stream.

An object is written by an :class:`S3OutputStream`: bytes collect in one part buffer (``s3.part.size``); each
full part is uploaded with UploadPart, and ``commit()`` completes the multipart upload, so readers see the
whole object or nothing. An object that never filled one part is sent with a single PutObject (as atomic, two
requests fewer). With conditional writes the completing request carries ``If-None-Match: *``.

Failures become Connect exceptions: network errors, throttling and 5xx answers are retriable
(RetriableException: the task backs off ``retry.backoff.ms`` and rewrites the files), everything else
(access denied, bad credentials, missing bucket) is not.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from connectrt.api import ConnectException, RetriableException

from connectrt_s3.config import S3SinkConfig

log = logging.getLogger(__name__)

_RETRIABLE_CODES = {
    "RequestTimeout", "RequestTimeTooSkewed", "SlowDown", "Throttling", "ThrottlingException", "InternalError",
    "ServiceUnavailable", "RequestLimitExceeded", "BandwidthLimitExceeded", "TooManyRequestsException",
}  # fmt: skip


class FileExistsException(RetriableException):
    """A conditional write found the object already there (Confluent's FileExistsException)."""


def _code(e: ClientError) -> tuple[str, int]:
    error = e.response.get("Error", {})
    status = int(e.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    return str(error.get("Code", "")), status


def connect_error(e: Exception, action: str) -> ConnectException:
    """The Connect exception for an S3 failure while doing ``action`` (one sentence saying what failed)."""
    if isinstance(e, ConnectException):
        return e
    if isinstance(e, ClientError):
        code, status = _code(e)
        message = f"S3 {action} failed: {code or status} ({e.response.get('Error', {}).get('Message', '')})"
        if status >= 500 or status == 429 or code in _RETRIABLE_CODES:
            return RetriableException(message)
        if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "ExpiredToken"):
            message += "; check aws.access.key.id / aws.secret.access.key and the bucket policy"
        return ConnectException(message)
    if isinstance(e, BotoCoreError):
        return RetriableException(f"S3 {action} failed: {e}")
    return ConnectException(f"S3 {action} failed: {e}")


class S3Storage:
    """The bucket this connector writes to."""

    def __init__(self, config: S3SinkConfig, client: Any = None) -> None:
        self.config = config
        self.bucket = config.string("s3.bucket.name")
        self.part_size = config.integer("s3.part.size")
        self.conditional = config.conditional_writes
        self.client = client if client is not None else new_client(config)
        extra: dict[str, Any] = {}
        acl = config.string("s3.acl.canned")
        if acl:
            extra["ACL"] = acl
        ssea = config.string("s3.ssea.name")
        if ssea == "AES256" and not config.string("s3.sse.customer.key"):
            extra["ServerSideEncryption"] = "AES256"
        elif ssea.startswith("aws:kms") and config.string("s3.sse.kms.key.id"):
            extra["ServerSideEncryption"] = ssea
            extra["SSEKMSKeyId"] = config.string("s3.sse.kms.key.id")
        self.put_args = extra

    def bucket_exists(self) -> bool:
        """HeadBucket: 404 → False; 301/403 → True (exists elsewhere or not ours to see), as Confluent."""
        if not self.bucket.strip():
            return False
        try:
            self.client.head_bucket(Bucket=self.bucket)
            return True
        except ClientError as e:
            status = _code(e)[1]
            if status in (301, 403):
                log.info(
                    "Bucket %s exists, but not in this region or we don't have permissions to it.",
                    self.bucket,
                )
                return True
            if status == 404:
                return False
            raise connect_error(e, f"HeadBucket of {self.bucket}") from e
        except BotoCoreError as e:
            raise ConnectException(f"Unable to reach S3 to check bucket {self.bucket}: {e}") from e

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
            return True
        except ClientError as e:
            if _code(e)[1] == 404:
                return False
            raise connect_error(e, f"HeadObject of {key}") from e

    def add_tags(self, key: str, tags: Mapping[str, str]) -> None:
        tag_set = [{"Key": k, "Value": v} for k, v in tags.items()]
        self.client.put_object_tagging(Bucket=self.bucket, Key=key, Tagging={"TagSet": tag_set})

    def create(self, key: str) -> S3OutputStream:
        return S3OutputStream(self, key)


def new_client(config: S3SinkConfig) -> Any:
    """A boto3 S3 client for the config: endpoint (``store.url``), region, path style, retries, credentials."""
    url = config.string("store.url")
    if url and "://" not in url:
        url = "https://" + url
    botocore_config = Config(
        region_name=config.string("s3.region"),
        retries={"max_attempts": max(1, config.integer("s3.part.retries")), "mode": "standard"},
        s3={"addressing_style": "path" if config.flag("s3.path.style.access.enabled") else "virtual",
            "use_accelerate_endpoint": config.flag("s3.wan.mode")},
        user_agent_extra="connectrt-s3",
        proxies={"https": config.string("s3.proxy.url"), "http": config.string("s3.proxy.url")}
        if config.string("s3.proxy.url") else None,
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )  # fmt: skip
    kwargs: dict[str, Any] = {"config": botocore_config, "region_name": config.string("s3.region")}
    if url:
        kwargs["endpoint_url"] = url
    key_id, secret = config.string("aws.access.key.id"), config.string("aws.secret.access.key")
    if key_id.strip() and secret.strip():
        kwargs["aws_access_key_id"] = key_id
        kwargs["aws_secret_access_key"] = secret
    return boto3.session.Session().client("s3", **kwargs)


class S3OutputStream:
    """Buffers up to one part; uploads full parts; ``commit()`` makes the object visible at once."""

    def __init__(self, storage: S3Storage, key: str) -> None:
        self.storage = storage
        self.key = key
        self.buffer = bytearray()
        self.upload_id: str | None = None
        self.parts: list[dict[str, Any]] = []
        self.position = 0
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self.buffer += data
        self.position += len(data)
        size = self.storage.part_size
        while len(self.buffer) >= size:
            self._upload_part(bytes(self.buffer[:size]))
            del self.buffer[:size]
        return len(data)

    def _upload_part(self, data: bytes) -> None:
        s = self.storage
        try:
            if self.upload_id is None:
                created = s.client.create_multipart_upload(Bucket=s.bucket, Key=self.key, **s.put_args)
                self.upload_id = created["UploadId"]
            number = len(self.parts) + 1
            answer = s.client.upload_part(
                Bucket=s.bucket, Key=self.key, UploadId=self.upload_id, PartNumber=number, Body=data
            )
            self.parts.append({"ETag": answer["ETag"], "PartNumber": number})
        except Exception as e:
            self.abort()
            raise connect_error(e, f"part upload of {self.key}") from e

    def commit(self) -> None:
        """Complete the object; raises FileExistsException when a conditional write finds it there."""
        if self.closed:
            log.warning(
                "Tried to commit data for bucket '%s' key '%s' on a closed stream. Ignoring.",
                self.storage.bucket,
                self.key,
            )
            return
        s = self.storage
        condition = {"IfNoneMatch": "*"} if s.conditional else {}
        try:
            if self.upload_id is None:
                s.client.put_object(
                    Bucket=s.bucket, Key=self.key, Body=bytes(self.buffer), **condition, **s.put_args
                )
            else:
                if self.buffer:
                    self._upload_part(bytes(self.buffer))
                s.client.complete_multipart_upload(
                    Bucket=s.bucket, Key=self.key, UploadId=self.upload_id,
                    MultipartUpload={"Parts": self.parts}, **condition,
                )  # fmt: skip
                self.upload_id = None
        except ClientError as e:
            code, status = _code(e)
            if status == 412 or code == "PreconditionFailed":
                if s.exists(self.key):
                    raise FileExistsException(f"File already exists: {self.key}") from e
                raise ConnectException(
                    "Unexpected state - Contradicting response from conditional upload and file exists call in S3"
                ) from e
            raise connect_error(e, f"completing the upload of {self.key}") from e
        except ConnectException:
            raise
        except Exception as e:
            raise connect_error(e, f"completing the upload of {self.key}") from e
        finally:
            self.buffer = bytearray()
            self.close()

    def abort(self) -> None:
        upload_id, self.upload_id = self.upload_id, None
        if upload_id is not None:
            try:
                self.storage.client.abort_multipart_upload(
                    Bucket=self.storage.bucket, Key=self.key, UploadId=upload_id
                )
            except Exception as e:  # the bucket's lifecycle rules clean up what an abort cannot
                log.warning(
                    "Unable to abort multipart upload of %s, you may need to purge uploaded parts: %s",
                    self.key,
                    e,
                )

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.abort()
            self.buffer = bytearray()

    # file-object protocol pieces pyarrow and fastavro look for
    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        pass

    def seekable(self) -> bool:
        return False

    def readable(self) -> bool:
        return False

    def writable(self) -> bool:
        return True
