"""connectrt-s3: an S3 sink compatible with Confluent's ``io.confluent.connect.s3.S3SinkConnector``.

``PLUGINS`` is what the ``connectrt.plugins`` entry point registers; formats, partitioners and timestamp
extractors are config values the connector maps itself by their Java names (never imported by name).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connectrt_s3.connector import S3SinkConnector

if TYPE_CHECKING:
    from connectrt_s3.task import S3SinkTask

PLUGINS: list[type] = [S3SinkConnector]

__all__ = ["PLUGINS", "S3SinkConnector", "S3SinkTask"]


def __getattr__(name: str) -> Any:
    """The task class, imported on first use (it brings boto3; loading the plugin does not)."""
    if name == "S3SinkTask":
        from connectrt_s3.task import S3SinkTask

        return S3SinkTask
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
