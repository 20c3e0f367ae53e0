"""Built-in connectors; PLUGINS is what the entry point registers."""

from connectrt.connectors.file import (
    FileStreamSinkConnector,
    FileStreamSinkTask,
    FileStreamSourceConnector,
    FileStreamSourceTask,
)

PLUGINS: list[type] = [
    FileStreamSourceConnector,
    FileStreamSinkConnector,
]

__all__ = [
    "PLUGINS",
    "FileStreamSinkConnector",
    "FileStreamSinkTask",
    "FileStreamSourceConnector",
    "FileStreamSourceTask",
]
