"""The ``connectrt`` command line: the top floor, the only package that wires stores, a herder and
the REST server together into a worker process (:mod:`connectrt.cli.runner`).

Each subcommand lives in its own module and registers itself through a function
``add_<name>_parser(subparsers)`` that adds its parser and sets ``handler`` (a callable taking the
parsed arguments and returning an exit code) with ``set_defaults``. To add a subcommand, add one
line to ``SUBCOMMANDS``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from connectrt.model.command_error import CommandError

# (module, registration function): imported when the parser is built, so keep these modules light
# at import time and import heavy dependencies inside the handlers.
SUBCOMMANDS: tuple[tuple[str, str], ...] = (
    ("connectrt.dev.cli", "add_dev_parser"),
    ("connectrt.cli.worker_commands", "add_standalone_parser"),
    ("connectrt.cli.worker_commands", "add_distributed_parser"),
    ("connectrt.cli.worker_commands", "add_plugins_parser"),
    ("connectrt.dev.demo_cli", "add_demo_parser"),
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="connectrt", description="A Kafka Connect-compatible connector runtime in Python."
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name, function_name in SUBCOMMANDS:
        getattr(importlib.import_module(module_name), function_name)(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(handler(args))
    except CommandError as exc:
        print(f"connectrt: {exc}", file=sys.stderr)
        for line in exc.details:
            print(f"    {line}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("connectrt: interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`connectrt plugins | head`): stop quietly, as other CLI tools do. stdout
        # is pointed at /dev/null so the interpreter's final flush does not raise again.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 141
