"""Built-in connectors; PLUGINS is what the entry point registers."""

from connectrt.connectors.file import (
    FileStreamSinkConnector,
    FileStreamSinkTask,
    FileStreamSourceConnector,
    FileStreamSourceTask,
)
from connectrt.connectors.testing import (
    MonitorableSinkConnector,
    MonitorableSourceConnector,
    VerifiableSinkConnector,
    VerifiableSourceConnector,
)

PLUGINS: list[type] = [
    FileStreamSourceConnector,
    FileStreamSinkConnector,
    VerifiableSourceConnector,
    VerifiableSinkConnector,
    MonitorableSourceConnector,
    MonitorableSinkConnector,
]

__all__ = [
    "PLUGINS",
    "FileStreamSinkConnector",
    "FileStreamSinkTask",
    "FileStreamSourceConnector",
    "FileStreamSourceTask",
    "MonitorableSinkConnector",
    "MonitorableSourceConnector",
    "VerifiableSinkConnector",
    "VerifiableSourceConnector",
]
