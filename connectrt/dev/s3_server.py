"""Entry point of the dev S3 server: ``python -m connectrt.dev.s3_server --port P --tag T``.

Runs moto's S3-compatible server on loopback. ``--tag`` carries the instance directory so that
``connectrt dev`` can recognise its own process by command line.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m connectrt.dev.s3_server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--tag", default="", help="ignored; identifies the process")
    args = parser.parse_args(argv)

    from moto.server import main as moto_main

    moto_main(["-H", args.host, "-p", str(args.port)])


if __name__ == "__main__":
    main()
