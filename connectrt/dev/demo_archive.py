"""The CDC demo's lake: the S3 sink (``compose/cdc-archive-sink.json``) archives the raw ``warehouse.*``
change events as Parquet objects on the dev S3 server. The demo prepares the bucket, knows how far the
archive must have committed, and reads every object back with pyarrow to count what it holds."""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connectrt.dev.demo_kafka import TOPICS, TP
from connectrt.dev.errors import DevError


@dataclass(frozen=True)
class ArchiveContents:
    objects: int
    records: int
    location: str

    def line(self) -> str:
        return f"== CDC archive: {self.objects:,} Parquet objects ({self.records:,} change events) in {self.location}"


class Archive:
    """The archive's bucket and prefix, from the S3 sink config the demo registers."""

    def __init__(self, config: Mapping[str, str]) -> None:
        self.bucket = config["s3.bucket.name"]
        self.topics_dir = config.get("topics.dir", "topics").strip("/") or "topics"
        self.config = config

    @property
    def location(self) -> str:
        return f"s3://{self.bucket}/{self.topics_dir}/warehouse.*"

    def client(self) -> Any:
        import boto3

        c = self.config
        return boto3.client(
            "s3",
            endpoint_url=c.get("store.url") or None,
            region_name=c.get("s3.region"),
            aws_access_key_id=c.get("aws.access.key.id"),
            aws_secret_access_key=c.get("aws.secret.access.key"),
        )

    def _prefixes(self) -> list[str]:
        return [f"{self.topics_dir}/{topic}/" for topic in TOPICS]

    def _keys(self, client: Any) -> list[str]:
        keys: list[str] = []
        for prefix in self._prefixes():
            for page in client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
                keys.extend(obj["Key"] for obj in page.get("Contents", []))
        return keys

    def prepare(self) -> None:
        """Create the bucket if it is missing and remove the objects an earlier run archived (this run's
        topics start again at offset 0)."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            client = self.client()
            try:
                client.head_bucket(Bucket=self.bucket)
            except ClientError:
                client.create_bucket(Bucket=self.bucket)
            for key in self._keys(client):
                client.delete_object(Bucket=self.bucket, Key=key)
        except (BotoCoreError, ClientError) as e:
            raise DevError(f"Cannot prepare the archive bucket {self.bucket}: {e}")

    def contents(self) -> ArchiveContents:
        """Every archived object read back with pyarrow: how many objects, how many change events."""
        import pyarrow.parquet as pq  # type: ignore[import-untyped]
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            client = self.client()
            keys = [k for k in self._keys(client) if k.endswith(".parquet")]
            records = 0
            for key in keys:
                body = client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
                records += pq.read_table(io.BytesIO(body)).num_rows
        except (BotoCoreError, ClientError) as e:
            raise DevError(f"Cannot read the archive in {self.location}: {e}")
        return ArchiveContents(len(keys), records, self.location)


def archived_to(counter_value_end: Mapping[TP, int], ends: Mapping[TP, int]) -> dict[TP, int]:
    """The offsets the archive must have committed: past the last event with a value of each partition (it
    skips tombstones, so a partition that ends with one is never committed to its end)."""
    return {tp: counter_value_end.get(tp, 0) for tp in ends}
