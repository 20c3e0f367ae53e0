"""``connectrt dev up|down|status|env|demo``: local Kafka, PostgreSQL and S3 for development."""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import sys
from pathlib import Path
from typing import Any

from connectrt.dev.config import DEFAULT_KAFKA_VERSION, DevSettings, parse_broker_prop, parse_services
from connectrt.dev.errors import DevError


def _say(line: str) -> None:
    print(line, flush=True)


def add_dev_parser(subparsers: Any) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--cache-dir", type=Path, help="cache directory (default: $CONNECTRT_CACHE_DIR or ~/.cache/connectrt)"
    )
    common.add_argument(
        "--instance", help="name of the set of services (default: $CONNECTRT_DEV_INSTANCE or 'default')"
    )
    common.add_argument(
        "--port-base",
        type=int,
        help="ports are derived from it: Kafka base+92.., PostgreSQL base+432, S3 base+900 "
        "(default: $CONNECTRT_DEV_PORT_BASE or 29000)",
    )

    dev = subparsers.add_parser(
        "dev",
        help="local Kafka, PostgreSQL and S3 services for development, tests and the demo",
        description="Local services for development, tests, benchmarks and the demo.",
    )
    dev.set_defaults(handler=lambda _args: (dev.print_help(), 2)[1])
    sub = dev.add_subparsers(dest="dev_command", metavar="COMMAND")

    up = sub.add_parser("up", parents=[common], help="start the services (reuses running ones)")
    up.add_argument("--brokers", type=int, help="Kafka nodes in the KRaft quorum: 1 (default) or 3")
    up.add_argument(
        "--kafka-version",
        help=f"Apache Kafka 4.x version from Maven Central (default: $CONNECTRT_KAFKA_VERSION or {DEFAULT_KAFKA_VERSION}); "
        "ignored when KAFKA_HOME points to a distribution",
    )
    up.add_argument(
        "--services",
        help="comma-separated subset of kafka,postgres,s3,bigquery,registry (default: kafka,postgres,s3)",
    )
    up.add_argument(
        "--with",
        dest="with_services",
        action="append",
        metavar="SERVICE",
        help="also start an optional service: bigquery (a BigQuery emulator, REST on base+50, Storage Write gRPC on "
        "base+60; installed from PyPI into the cache directory on first use), registry (Apicurio Registry, "
        "Confluent's schema registry API on base+81; needs Java 21+, fetched from Maven Central on first use)",
    )
    up.add_argument("--timeout", type=float, help="seconds each service may take to become ready")
    up.add_argument(
        "--broker-prop",
        action="append",
        metavar="KEY=VALUE",
        help="a Kafka broker property over the defaults, e.g. auto.create.topics.enable=false (repeatable; "
        "applied when the brokers start)",
    )
    up.add_argument(
        "--sasl",
        action="store_true",
        help="also serve SASL_SSL (SCRAM-SHA-512 over TLS) on Kafka base+292..; `connectrt dev env` prints the "
        "client settings",
    )
    up.set_defaults(handler=cmd_up)

    down = sub.add_parser("down", parents=[common], help="stop what `up` started")
    down.add_argument("--purge", action="store_true", help="also delete the instance's data")
    down.add_argument("--all", action="store_true", help="every instance in the cache directory")
    down.set_defaults(handler=cmd_down)

    status = sub.add_parser("status", parents=[common], help="list the services, addresses and pids")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(handler=cmd_status)

    env = sub.add_parser("env", parents=[common], help="print `export` lines for the running services")
    env.set_defaults(handler=cmd_env)

    demo = sub.add_parser(
        "demo", parents=[common], help="bring the services up and run a smoke pipeline through them"
    )
    demo.add_argument("--keep", action="store_true", help="leave the services it started running")
    demo.add_argument("--timeout", type=float, help="seconds each service may take to become ready")
    demo.set_defaults(handler=cmd_demo)


def settings_from_args(args: argparse.Namespace) -> DevSettings:
    return DevSettings.from_env(
        cache_dir=args.cache_dir.expanduser().absolute() if args.cache_dir else None,
        instance=args.instance,
        port_base=args.port_base,
        brokers=getattr(args, "brokers", None),
        kafka_version=getattr(args, "kafka_version", None),
        timeout=getattr(args, "timeout", None),
        broker_props=tuple(parse_broker_prop(text) for text in getattr(args, "broker_prop", None) or ())
        or None,
        sasl=getattr(args, "sasl", None) or None,
    )


def cmd_up(args: argparse.Namespace) -> int:
    from connectrt.dev import services

    settings = settings_from_args(args)
    kinds = parse_services(args.services)
    if args.with_services:
        extra = parse_services(",".join(args.with_services))
        kinds = parse_services(",".join(dict.fromkeys((*kinds, *extra))))
    result = services.up(settings, kinds, say=_say)
    if result.started:
        print(
            f'Ready in {result.seconds:.1f} s. Point a shell at them with: eval "$({command_name()} dev env{_flags(args)})"'
        )
    else:
        print("Every requested service was already running; nothing was started.")
    return 0


def command_name() -> str:
    """How this shell can run connectrt again: ``connectrt`` when that is on PATH and is this program,
    else the path it was started by (e.g. ``.venv/bin/connectrt``), or ``python -m connectrt.cli``."""
    program = sys.argv[0] if sys.argv else ""
    if not program or program.endswith(".py") or Path(program).name != "connectrt":
        return f"{shlex.quote(sys.executable)} -m connectrt.cli"
    on_path = shutil.which("connectrt")
    if on_path is not None and Path(on_path).resolve() == Path(program).resolve():
        return "connectrt"
    return shlex.quote(program)


def _flags(args: argparse.Namespace) -> str:
    parts = []
    if args.cache_dir:
        parts += ["--cache-dir", str(args.cache_dir)]
    if args.instance:
        parts += ["--instance", args.instance]
    return "".join(" " + shlex.quote(part) for part in parts)


def cmd_down(args: argparse.Namespace) -> int:
    from connectrt.dev import services

    settings = settings_from_args(args)
    names = services.instances(settings) if args.all else [settings.instance]
    stopped_any = False
    for name in names:
        one = DevSettings.from_env(cache_dir=settings.cache_dir, instance=name, port_base=settings.port_base)
        stopped = services.down(one, purge=args.purge, say=_say)
        stopped_any = stopped_any or bool(stopped)
    if not stopped_any:
        which = "any instance" if args.all else f"instance {settings.instance!r}"
        print(f"Nothing was running for {which}.")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from connectrt.dev import services

    settings = settings_from_args(args)
    rows = services.status(settings)
    if args.json:
        print(json.dumps([row.__dict__ for row in rows], indent=2))
        return 0
    if not rows:
        print(
            f"No dev services are recorded for instance {settings.instance!r}; start them with "
            f"`{command_name()} dev up{_flags(args)}`."
        )
        return 0
    print(f"Instance {settings.instance!r} in {settings.instance_dir}")
    print(f"{'SERVICE':<10}{'STATE':<9}{'ADDRESS':<24}{'PID':<9}LOG")
    for row in rows:
        state = "running" if row.running else "stopped"
        print(f"{row.name:<10}{state:<9}{row.address:<24}{row.pid:<9}{row.log}")
    return 0


def cmd_env(args: argparse.Namespace) -> int:
    from connectrt.dev import services

    settings = settings_from_args(args)
    state = services.load_running(settings)
    if state is None:
        raise DevError(
            f"No dev services are running for instance {settings.instance!r}; start them with "
            f"`{command_name()} dev up{_flags(args)}`."
        )
    for key, value in services.env_vars(state).items():
        print(f"export {key}={shlex.quote(value)}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from connectrt.dev import demo

    return demo.run(settings_from_args(args), keep=args.keep)
