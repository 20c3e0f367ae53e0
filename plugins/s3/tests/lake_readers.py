"""Reading the sink's objects back the way lake users do: DuckDB, pyarrow and fastavro over the S3 endpoint.

DuckDB's own S3 support (the httpfs extension) is downloaded by DuckDB at run time, which this machine
cannot do; DuckDB reads ``s3://`` through a registered fsspec filesystem instead, served by boto3 against the
same endpoint (``BotoFileSystem`` below).
"""

from __future__ import annotations

import io
from typing import Any

from botocore.exceptions import ClientError
from fsspec.spec import AbstractFileSystem


class BotoFileSystem(AbstractFileSystem):  # type: ignore[misc]
    """A read-only ``s3://`` fsspec filesystem over a boto3 client."""

    protocol = "s3"

    def __init__(self, client: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.client = client

    def _split(self, path: str) -> tuple[str, str]:
        bucket, _, key = self._strip_protocol(path).partition("/")
        return bucket, key

    def ls(self, path: str, detail: bool = True, **kwargs: Any) -> list[Any]:
        bucket, prefix = self._split(path)
        prefix = prefix.rstrip("/") + "/" if prefix else ""
        out: list[dict[str, Any]] = []
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=prefix, Delimiter="/"
        )
        for page in pages:
            for p in page.get("CommonPrefixes", []):
                out.append({"name": f"{bucket}/{p['Prefix'].rstrip('/')}", "size": 0, "type": "directory"})
            for o in page.get("Contents", []):
                out.append({"name": f"{bucket}/{o['Key']}", "size": o["Size"], "type": "file"})
        return out if detail else [o["name"] for o in out]

    def info(self, path: str, **kwargs: Any) -> dict[str, Any]:
        bucket, key = self._split(path)
        try:
            head = self.client.head_object(Bucket=bucket, Key=key)
            return {"name": f"{bucket}/{key}", "size": head["ContentLength"], "type": "file"}
        except ClientError:
            if self.ls(path):
                return {"name": f"{bucket}/{key}", "size": 0, "type": "directory"}
            raise FileNotFoundError(path) from None

    def modified(self, path: str) -> Any:
        bucket, key = self._split(path)
        return self.client.head_object(Bucket=bucket, Key=key)["LastModified"]

    def _open(self, path: str, mode: str = "rb", **kwargs: Any) -> io.BytesIO:
        bucket, key = self._split(path)
        return io.BytesIO(self.client.get_object(Bucket=bucket, Key=key)["Body"].read())


def duckdb_over_s3(client: Any) -> Any:
    import duckdb

    con = duckdb.connect()
    con.register_filesystem(BotoFileSystem(client))
    return con
