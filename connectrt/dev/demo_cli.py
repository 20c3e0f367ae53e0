"""``connectrt demo``: the CDC demo (PostgreSQL → connectrt cluster → warehouse.* topics → SQL warehouse)."""

from __future__ import annotations

import argparse
from typing import Any


def add_demo_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "demo",
        help="run the CDC demo: PostgreSQL changes through a 2-worker connectrt cluster into a SQL warehouse "
        "and an S3 archive",
        description="Start the dev services and a 2-worker cluster, register compose/postgres-cdc-source.json, "
        "compose/warehouse-sink.json and compose/cdc-archive-sink.json, stream inserts/updates/deletes, show source "
        "rows, topic events and warehouse rows converging, then drain, compare every warehouse table with its source "
        "table and count the change events archived as Parquet in S3.",
    )
    p.add_argument("--duration", type=float, default=60.0, help="seconds to stream changes (default 60)")
    p.add_argument("--rate", type=float, default=20.0, help="changes generated per second (default 20)")
    p.add_argument("--workers", type=int, default=2, help="connectrt workers in the cluster (default 2)")
    p.add_argument(
        "--warehouse",
        default="duckdb",
        help="where the sink writes: duckdb (an embedded DuckDB file, the default), postgresql (the dev "
        "PostgreSQL's 'warehouse' database), or a JDBC / SQLAlchemy URL",
    )
    p.add_argument(
        "--format",
        choices=("json", "avro"),
        default="json",
        help="the change events' format in Kafka: json (JsonConverter with schemas, the default) or avro "
        "(AvroConverter with the dev schema registry, Apicurio; needs Java 21+)",
    )
    p.set_defaults(handler=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    from connectrt.dev.cdc_demo import run
    from connectrt.dev.config import DevSettings
    from connectrt.dev.errors import DevError
    from connectrt.model.command_error import CommandError

    if args.duration <= 0 or args.rate <= 0 or args.workers < 1:
        raise CommandError("--duration and --rate must be positive and --workers at least 1.")
    if not str(args.warehouse).strip():
        raise CommandError("--warehouse must be duckdb, postgresql or a database URL.")
    try:
        return run(
            DevSettings.from_env(),
            args.duration,
            args.rate,
            args.workers,
            args.warehouse.strip(),
            fmt=args.format,
        )
    except DevError as e:
        raise CommandError(str(e))
