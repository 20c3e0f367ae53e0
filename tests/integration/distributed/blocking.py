"""A source connector whose tasks block in ``stop()`` (Kafka's ``BlockingConnectorTest`` with
``block=Task::stop``), loaded by worker processes by its dotted path
``tests.integration.distributed.blocking.BlockingStopSourceConnector`` (the repository root must
be on the workers' ``PYTHONPATH``)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping

from connectrt.connectors.testing.monitorable import MonitorableSourceConnector, MonitorableSourceTask

log = logging.getLogger(__name__)

BLOCK_SECONDS_CONFIG = "task.stop.block.seconds"
CONNECTOR_CLASS = "tests.integration.distributed.blocking.BlockingStopSourceConnector"


class BlockingStopSourceTask(MonitorableSourceTask):
    def start(self, props: Mapping[str, str]) -> None:
        self._block_s = float(props.get(BLOCK_SECONDS_CONFIG, "0") or 0)
        super().start(props)

    def stop(self) -> None:
        log.info("Task stop() blocks for %.1f s", self._block_s)
        threading.Event().wait(self._block_s)
        super().stop()


class BlockingStopSourceConnector(MonitorableSourceConnector):
    def task_class(self) -> type[BlockingStopSourceTask]:
        return BlockingStopSourceTask
