"""``connectrt standalone`` and ``connectrt distributed`` (run a worker from Java's properties files,
as connect-standalone.sh and connect-distributed.sh) and ``connectrt plugins``."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import orjson

from connectrt.config.configdef import ConfigException
from connectrt.config.properties import load_properties

if TYPE_CHECKING:
    from connectrt.config.worker_config import WorkerConfig
    from connectrt.runtime.plugins import Plugins

C = TypeVar("C", bound="WorkerConfig")


def add_standalone_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "standalone",
        help="run a standalone worker (Java's connect-standalone.properties)",
        description="Run a single worker with offsets in a local file, like connect-standalone.sh.",
    )
    p.add_argument("worker_properties", help="worker config, e.g. connect-standalone.properties")
    # default=[]: argparse otherwise lists a '*' positional as required when the worker file is missing.
    p.add_argument(
        "connectors",
        nargs="*",
        default=[],
        help="optional connector configs (.properties or .json) to create at start",
    )
    p.set_defaults(handler=run_standalone)


def read_connector_file(path: str) -> tuple[str, dict[str, str]]:
    """A connector config file: Java .properties, or JSON ``{"name":..,"config":{..}}`` / a flat map."""
    from connectrt.model.command_error import CommandError

    file = Path(path)
    if not file.is_file():
        raise CommandError(f"Connector config file {path} does not exist.")
    if file.suffix.lower() == ".json":
        try:
            data = orjson.loads(file.read_bytes())
        except orjson.JSONDecodeError as e:
            raise CommandError(f"Connector config file {path} is not valid JSON: {e}.")
        if isinstance(data, dict) and isinstance(data.get("config"), dict):
            config = {str(k): str(v) for k, v in data["config"].items()}
            name = str(data.get("name") or config.get("name") or "")
        elif isinstance(data, dict):
            config = {str(k): str(v) for k, v in data.items()}
            name = config.get("name", "")
        else:
            raise CommandError(f"Connector config file {path} must hold a JSON object.")
    else:
        config = load_properties(file)
        name = config.get("name", "")
    if not name:
        raise CommandError(f"Connector config file {path} has no connector name ('name').")
    config.setdefault("name", name)
    return name, config


def _worker_props(path: str) -> dict[str, str]:
    from connectrt.model.command_error import CommandError

    if not Path(path).is_file():
        raise CommandError(f"Worker config file {path} does not exist.")
    try:
        return load_properties(path)
    except (OSError, UnicodeDecodeError) as e:
        raise CommandError(f"Worker config file {path} cannot be read: {e}.")


def _worker_config(path: str, config_class: Callable[[dict[str, Any]], C]) -> tuple[C, Plugins]:
    """The worker config of ``path``, checked as Java's worker checks it at start: config-provider
    placeholders resolved, every value of the right type, required keys present, converters installed.
    Raises CommandError with one sentence (resolved secrets replaced by their placeholders)."""
    from connectrt.cli.runner import check_worker_plugins
    from connectrt.config.providers import redact, resolve_config_variables
    from connectrt.model.command_error import CommandError
    from connectrt.runtime.plugins import Plugins

    props = _worker_props(path)
    try:
        config = config_class(resolve_config_variables(props))
        plugins = Plugins.for_worker(config.originals)
        check_worker_plugins(config, plugins)
    except ConfigException as e:
        raise CommandError(f"{path}: {redact(str(e))}")
    return config, plugins


def _cluster_id(config: WorkerConfig) -> str:
    from connectrt.cli.runner import kafka_cluster_id
    from connectrt.config.providers import redact
    from connectrt.model.command_error import CommandError

    try:
        return kafka_cluster_id(config)
    except ConfigException as e:
        raise CommandError(redact(str(e)))


def run_standalone(args: argparse.Namespace) -> int:
    from connectrt.cli.runner import configure_logging
    from connectrt.config.worker_config import StandaloneConfig
    from connectrt.herder.base import Herder
    from connectrt.herder.standalone import StandaloneHerder
    from connectrt.model.command_error import CommandError
    from connectrt.model.errors import ConnectRestException
    from connectrt.storage.offsets import FileOffsetBackingStore

    configure_logging()
    config, plugins = _worker_config(args.worker_properties, StandaloneConfig)
    connectors = [read_connector_file(p) for p in args.connectors]
    cluster_id = _cluster_id(config)
    store = FileOffsetBackingStore(config.get_str("offset.storage.file.filename"))

    def factory(worker_id: str, url: str) -> Herder:
        return StandaloneHerder(config, plugins, store, worker_id, cluster_id)

    async def create_connectors(herder: Herder) -> None:
        for name, cfg in connectors:
            try:
                await herder.put_connector_config(name, cfg, allow_replace=True)
            except ConnectRestException as e:
                raise CommandError(f"Failed to create connector {name}: {e.message}")

    _serve_or_fail(factory, config, create_connectors)
    return 0


def _serve_or_fail(factory: Any, config: Any, after_start: Any = None) -> None:
    from connectrt.cli.runner import HerderFailed, serve
    from connectrt.config.providers import redact
    from connectrt.model.command_error import CommandError

    try:
        asyncio.run(serve(factory, config, after_start))
    except (ConfigException, OSError, HerderFailed) as e:
        raise CommandError(redact(str(e)))


def add_distributed_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "distributed",
        help="run a distributed worker (Java's connect-distributed.properties)",
        description="Run a worker that joins the cluster of its group.id, like connect-distributed.sh.",
    )
    p.add_argument("worker_properties", help="worker config, e.g. connect-distributed.properties")
    p.set_defaults(handler=run_distributed)


def run_distributed(args: argparse.Namespace) -> int:
    from connectrt.cli.runner import configure_logging
    from connectrt.config.worker_config import DistributedConfig
    from connectrt.herder.base import Herder
    from connectrt.herder.distributed.coordinator import GroupMemberConfig, KafkaGroupMember
    from connectrt.herder.distributed.herder import DistributedHerder
    from connectrt.kafka.clients import make_admin
    from connectrt.kafka.topics import TopicAdmin
    from connectrt.storage.kafka_config import KafkaConfigBackingStore
    from connectrt.storage.kafka_offsets import KafkaOffsetBackingStore
    from connectrt.storage.kafka_status import KafkaStatusBackingStore

    configure_logging()
    config, plugins = _worker_config(args.worker_properties, DistributedConfig)
    props = config.originals
    cluster_id = _cluster_id(config)
    from connectrt.storage.kafka_internal_topics import client_id_base, internal_client_props

    admin_props: dict[str, Any] = {
        **internal_client_props(config),
        "client.id": client_id_base(config) + "shared-admin",
    }

    # Java retries creating an internal topic for the worker's default.api.timeout.ms.
    create_retry_s = int(props.get("default.api.timeout.ms") or 60000) / 1000

    def factory(worker_id: str, url: str) -> Herder:
        admin = TopicAdmin(make_admin(admin_props), create_retry_timeout_s=create_retry_s)

        def member(herder: DistributedHerder) -> KafkaGroupMember:
            return KafkaGroupMember(
                GroupMemberConfig.from_worker_config(config, url),
                config_snapshot=herder.config_view,
                listener=herder,
                client_configs={
                    "bootstrap_servers": config.bootstrap_servers.split(","),
                    "client_id": f"connect-{worker_id}",
                },
            )

        return DistributedHerder(
            config,
            plugins,
            worker_id,
            url,
            cluster_id,
            KafkaConfigBackingStore.from_config(config, admin),
            KafkaOffsetBackingStore.from_config(config, admin),
            KafkaStatusBackingStore.from_config(config, admin),
            member,
        )

    _serve_or_fail(factory, config)
    return 0


def add_plugins_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "plugins",
        help="list the installed plugins (connectors, converters, transforms, predicates)",
        description="List every plugin the worker can load, with the names configs may use.",
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument(
        "--worker-config", metavar="FILE", help="a worker config whose plugin.path locations are listed too"
    )
    p.set_defaults(handler=run_plugins)


def run_plugins(args: argparse.Namespace) -> int:
    from connectrt.runtime.plugins import Plugins, default_plugins, python_path

    registry = (
        Plugins.for_worker(_worker_props(args.worker_config)) if args.worker_config else default_plugins()
    )
    rows = [(d.type.value, d.class_name, d.version, python_path(d.cls)) for d in registry.all()]
    if args.json:
        print(
            orjson.dumps([{"type": t, "class": c, "version": v, "python": p} for t, c, v, p in rows]).decode()
        )
        return 0
    width = max((len(c) for _, c, _, _ in rows), default=10)
    for t, c, v, p in rows:
        print(f"{t:<16} {c:<{width}}  {v:<10} {p}")
    return 0
