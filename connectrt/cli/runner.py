"""Running a worker process: logging, the Kafka cluster id, the herder and the REST server in one loop
(the one place where a herder and the REST server meet)."""

from __future__ import annotations

import asyncio
import difflib
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from connectrt.config.configdef import ConfigException
from connectrt.config.providers import RESOLVED_VALUES, redact
from connectrt.config.worker_config import WorkerConfig
from connectrt.herder.base import Herder

if TYPE_CHECKING:
    from connectrt.runtime.plugins import Plugins

log = logging.getLogger(__name__)


class HerderFailed(Exception):
    """The herder stopped after an error it cannot recover from (e.g. a bad internal topic)."""


LOG_FORMAT = "[%(asctime)s] %(levelname)s %(message)s (%(name)s)"


class RedactingFilter(logging.Filter):
    """Puts the placeholder back wherever a log line (or its traceback) would show a value a config
    provider resolved: a connector or a client library may print a password it was given."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not RESOLVED_VALUES:
            return True
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def configure_logging() -> None:
    level = os.environ.get("CONNECTRT_LOG_LEVEL", "INFO").upper()
    logging.basicConfig(level=level, format=LOG_FORMAT, stream=sys.stderr)
    for noisy in ("kafka", "uvicorn.access", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactingFilter())


def check_worker_plugins(config: WorkerConfig, plugins: Plugins) -> None:
    """The worker's class-valued settings name installed plugins of the right type (Java's worker
    fails to start otherwise); raises ConfigException with one sentence, naming the closest
    installed plugin when there is one."""
    from connectrt.api.plugin import Converter, HeaderConverter, PluginType
    from connectrt.runtime.plugins import plugin_type

    for key, base, ptype in (
        ("key.converter", Converter, PluginType.CONVERTER),
        ("value.converter", Converter, PluginType.CONVERTER),
        ("header.converter", HeaderConverter, PluginType.HEADER_CONVERTER),
    ):
        name = str(config.get(key) or "").strip()
        cls = plugins.find(name)
        if cls is not None and issubclass(cls, base):
            continue
        what = ptype.value.replace("_", " ")
        if cls is not None:
            problem = f"{name} is a {plugin_type(cls).value.replace('_', ' ')}, not a {what}."
        else:
            installed = sorted({n for d in plugins.of_type(ptype) for n in (d.class_name, d.cls.__name__)})
            close = difflib.get_close_matches(name, installed, n=1, cutoff=0.6)
            problem = f"Class {name} could not be found." + (f" Did you mean {close[0]}?" if close else "")
        raise ConfigException(
            f"Invalid value {name} for configuration {key}: {problem} "
            f"(`connectrt plugins` lists the installed {what}s.)"
        )


def kafka_cluster_id(config: WorkerConfig, timeout_s: float = 30.0) -> str:
    """The cluster id of ``bootstrap.servers``; raises ConfigException (one sentence: what was tried,
    what to check) when Kafka cannot be reached: after a few seconds when the connection is refused
    or the host unknown, at once when TLS or SASL is refused (:mod:`connectrt.kafka.reach`)."""
    from connectrt.kafka.reach import KafkaUnreachable, lookup_cluster_id
    from connectrt.storage.kafka_internal_topics import internal_client_props

    # Java's lookupKafkaClusterId: an admin client of the worker's top-level settings (security included).
    props: dict[str, object] = internal_client_props(config)
    props.update(config.client_props("admin."))
    try:
        return lookup_cluster_id(props, timeout_s)
    except KafkaUnreachable as e:
        raise ConfigException(str(e))


async def serve(
    herder_factory: Callable[[str, str], Herder],
    config: WorkerConfig,
    after_start: Callable[[Herder], Awaitable[None]] | None = None,
) -> None:
    """Start the REST server (to learn the advertised URL), then the herder; run until SIGTERM/SIGINT."""
    from connectrt.rest.app import create_admin_app, create_app
    from connectrt.rest.config import RestConfig
    from connectrt.rest.server import RestServer

    rest_config = RestConfig.from_worker_props(config.originals)
    server = RestServer(None, rest_config)
    server.bind()
    url = server.advertised_url()
    worker_id = url.split("://", 1)[-1].rstrip("/")
    herder = herder_factory(worker_id, url)
    admin_app = create_admin_app(herder, rest_config) if rest_config.admin_listeners else None
    server.set_apps(create_app(herder, rest_config), admin_app)
    await server.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await herder.start()
        log.info("Kafka Connect started: REST API at %s, worker id %s", url, worker_id)
        if after_start is not None:
            await after_start(herder)
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), 1.0)
            except TimeoutError:
                failure = getattr(herder, "failure", None)
                if failure is not None:
                    raise HerderFailed(f"The worker stopped: {failure}") from failure
    finally:
        log.info("Kafka Connect stopping")
        await server.stop()
        await herder.stop()
        log.info("Kafka Connect stopped")
