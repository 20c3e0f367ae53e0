"""Test connectors for runtime tests and benchmarks: Verifiable* (Kafka's system-test plugins) and
Monitorable* (Kafka's integration-test plugins, with failure injection), and the process-wide
handles that count what their instances did."""

from connectrt.connectors.testing.handles import (
    EVENTS_FILE_CONFIG,
    ConnectorHandle,
    CountDownLatch,
    RuntimeHandles,
    StartAndStopCounter,
    StartAndStopLatch,
    StartsAndStops,
    TaskHandle,
    count_events,
    read_events,
    write_event,
)
from connectrt.connectors.testing.monitorable import (
    MonitorableSinkConnector,
    MonitorableSinkTask,
    MonitorableSourceConnector,
    MonitorableSourceTask,
)
from connectrt.connectors.testing.verifiable import (
    VerifiableSinkConnector,
    VerifiableSinkTask,
    VerifiableSourceConnector,
    VerifiableSourceTask,
)

__all__ = [
    "EVENTS_FILE_CONFIG",
    "ConnectorHandle",
    "CountDownLatch",
    "MonitorableSinkConnector",
    "MonitorableSinkTask",
    "MonitorableSourceConnector",
    "MonitorableSourceTask",
    "RuntimeHandles",
    "StartAndStopCounter",
    "StartAndStopLatch",
    "StartsAndStops",
    "TaskHandle",
    "VerifiableSinkConnector",
    "VerifiableSinkTask",
    "VerifiableSourceConnector",
    "VerifiableSourceTask",
    "count_events",
    "read_events",
    "write_event",
]
