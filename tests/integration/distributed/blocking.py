"""A source connector whose tasks block in ``stop()`` (Kafka's ``BlockingConnectorTest`` with
``block=Task::stop``). Worker processes load it as a plugin: :func:`plugin_location` installs this
module as ``connectrt_test_blocking`` in a plugin location for the workers' ``plugin.path``."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from pathlib import Path

from connectrt.connectors.testing.monitorable import MonitorableSourceConnector, MonitorableSourceTask

log = logging.getLogger(__name__)

BLOCK_SECONDS_CONFIG = "task.stop.block.seconds"
MODULE = "connectrt_test_blocking"
CONNECTOR_CLASS = f"{MODULE}.BlockingStopSourceConnector"


def plugin_location(plugin_dir: Path) -> Path:
    """A ``plugin.path`` directory holding this connector; returns the directory to configure."""
    from tests.integration.security.plugin_location import write_plugin_location

    write_plugin_location(
        plugin_dir / MODULE,
        MODULE,
        {f"{MODULE}.py": Path(__file__).read_text()},
        {"blocking": f"{MODULE}:PLUGINS"},
    )
    return plugin_dir


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


PLUGINS = [BlockingStopSourceConnector]
