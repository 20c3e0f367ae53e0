"""What security costs, connectrt vs Java Connect in the same run: the file pipeline over PLAINTEXT and
over SASL_SSL (SCRAM-SHA-512) on one private broker, and REST requests over http, http + Basic auth,
https + Basic auth (kept-alive connection) and https + Basic auth with a new TLS connection each.

Kafka part: bench/file_pipeline.py's run_side (FileStreamSource → topic → FileStreamSink, standalone),
both sides, with the worker's top-level, producer. and consumer. security settings for SASL_SSL.
REST part: one standalone worker per side with BasicAuthSecurityRestExtension (same JAAS file in
KAFKA_OPTS), an https and an http listener; GET /connectors sequentially (latency percentiles) and
from 8 threads (requests/s), the worker's CPU seconds per 1,000 requests and its peak RSS.

Run: .venv/bin/python bench/secure_bench.py [--lines N] [--requests N] [--skip-java] [--only kafka|rest]
Starts (and removes) a private dev instance with --sasl on its own ports. Prints figures; gates nothing.
"""

from __future__ import annotations

import argparse
import base64
import os
import shutil
import ssl
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import file_pipeline
import httpx
from _common import (
    DEFAULT_JAVA_CACHE,
    RssSampler,
    Worker,
    ensure_java_connect,
    free_port,
    java_connect_standalone_argv,
    load_average,
    table,
    write_properties,
)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from connectrt.dev import kafka_sasl, services  # noqa: E402
from connectrt.dev.certs import CertificateAuthority  # noqa: E402
from connectrt.dev.config import DevSettings  # noqa: E402
from connectrt.kafka.clients import make_admin  # noqa: E402
from connectrt.kafka.topics import TopicAdmin  # noqa: E402
from tests.integration.transport.record_java_rest_security import ensure_basic_auth_jar  # noqa: E402

EXTENSION = "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension"
AUTH = {"Authorization": "Basic " + base64.b64encode(b"bench:bench-secret").decode()}
STORE_PASSWORD = "bench-store"


def pipeline_args(args: argparse.Namespace, bootstrap: str, props: dict[str, str]) -> argparse.Namespace:
    return argparse.Namespace(
        lines=args.lines,
        bootstrap=bootstrap,
        flush_interval_ms=1000,
        header_converter=None,
        worker_prop=[f"{k}={v}" for k, v in props.items()],
        java_worker_prop=["plugin.discovery=service_load"],
        connectrt_launcher="-m connectrt.cli",
        nice=0,
        profile=None,
        timeout=900.0,
        keep=False,
    )


def kafka_part(args: argparse.Namespace, sides: list[str], java_cache: Path | None, base: Path) -> None:
    settings = DevSettings.from_env(instance=f"bench-sasl-{os.getpid()}", port_base=args.port_base, sasl=True)
    print(f"starting a private Kafka with a SASL_SSL listener (port base {args.port_base}) ...", flush=True)
    services.up(settings, ("kafka",))
    try:
        security = kafka_sasl.client_properties(settings)
        modes = {
            "PLAINTEXT": (settings.bootstrap_servers, {}),
            "SASL_SSL": (
                kafka_sasl.sasl_bootstrap(settings),
                {
                    **security,
                    **{f"producer.{k}": v for k, v in security.items()},
                    **{f"consumer.{k}": v for k, v in security.items()},
                },
            ),
        }
        input_file = base / "input.txt"
        input_size = file_pipeline.write_input(input_file, args.lines, 64)
        file_pipeline.warm_up_bytecode()
        rows = []
        results: dict[tuple[str, str], file_pipeline.Result] = {}
        for mode, (bootstrap, props) in modes.items():
            own = {k: v for k, v in props.items() if not k.startswith(("producer.", "consumer."))}
            admin = TopicAdmin(make_admin({"bootstrap.servers": bootstrap, **own}))
            for side in sides:
                print(f"kafka {mode}: {side} ...", flush=True)
                r = file_pipeline.run_side(
                    side,
                    pipeline_args(args, bootstrap, props),
                    admin,
                    input_file,
                    input_size,
                    base,
                    java_cache,
                )
                results[(mode, side)] = r
                rows.append(
                    [
                        mode,
                        side,
                        file_pipeline.fmt_rate(r.e2e_rate),
                        file_pipeline.fmt_rate(r.steady_rate),
                        f"{r.cpu_s:.1f}",
                        f"{r.peak_rss_kib / 1024:.0f}",
                        "yes" if r.correct else "NO",
                        r.load,
                    ]
                )
        print(
            f"\nfile pipeline, {args.lines:,} lines of 64 chars, JsonConverter schemas off, 1-partition topics"
        )
        print(
            table(
                [
                    "listener",
                    "side",
                    "rec/s e2e",
                    "rec/s first→last",
                    "CPU s",
                    "peak RSS MiB",
                    "sink ok",
                    "load 1/5/15",
                ],
                rows,
            )
        )
        for side in sides:
            plain, sasl = results[("PLAINTEXT", side)], results[("SASL_SSL", side)]
            print(
                f"{side}: SASL_SSL/PLAINTEXT throughput {sasl.steady_rate / plain.steady_rate:.2f}x, "
                f"CPU {sasl.cpu_s / plain.cpu_s:.2f}x"
            )
        if "java" in sides and "connectrt" in sides:
            for mode in modes:
                c, j = results[(mode, "connectrt")], results[(mode, "java")]
                print(
                    f"{mode}: connectrt/java throughput {c.steady_rate / j.steady_rate:.2f}x (first→last), "
                    f"{c.e2e_rate / j.e2e_rate:.2f}x (e2e); peak RSS {c.peak_rss_kib / j.peak_rss_kib:.2f}"
                )
    finally:
        services.down(settings, purge=True)


def rest_worker(side: str, workdir: Path, bootstrap: str, java_cache: Path | None) -> tuple[Worker, str, str]:
    workdir.mkdir(parents=True, exist_ok=True)
    http_port, https_port = free_port(), free_port()
    props = {
        "bootstrap.servers": bootstrap,
        "key.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "offset.storage.file.filename": str(workdir / "offsets"),
        "listeners": f"http://127.0.0.1:{http_port},https://localhost:{https_port}",
        "rest.extension.classes": EXTENSION,
        "listeners.https.ssl.keystore.type": "PKCS12",
        "listeners.https.ssl.keystore.location": str(workdir.parent / "rest.p12"),
        "listeners.https.ssl.keystore.password": STORE_PASSWORD,
        "listeners.https.ssl.key.password": STORE_PASSWORD,
        # Java 4.2.1 throws a NullPointerException at start when this is unset with the prefix.
        "listeners.https.ssl.cipher.suites": "",
        "plugin.discovery": "service_load",
    }
    files = [write_properties(workdir / "worker.properties", props)]
    env = dict(os.environ, KAFKA_OPTS=f"-Djava.security.auth.login.config={workdir.parent / 'jaas.conf'}")
    if side == "connectrt":
        argv = [sys.executable, "-m", "connectrt.cli", "standalone", *map(str, files)]
    else:
        assert java_cache is not None
        argv = java_connect_standalone_argv(java_cache, files, heap_opts="-Xms256M -Xmx1G")
        argv.insert(1, f"-Djava.security.auth.login.config={workdir.parent / 'jaas.conf'}")
    worker = Worker(side, argv, workdir / "worker.log", workdir, env).start()
    return worker, f"http://127.0.0.1:{http_port}", f"https://localhost:{https_port}"


def cpu_seconds(pid: int) -> float:
    return file_pipeline.cpu_seconds(pid)


def measure(worker: Worker, send: Callable[[], int], requests: int, threads: int) -> dict[str, float]:
    for _ in range(50):  # warm up
        send()
    latencies = []
    cpu0 = cpu_seconds(worker.pid)
    for _ in range(requests):
        t = time.perf_counter()
        status = send()
        latencies.append(time.perf_counter() - t)
        if status != 200:
            raise RuntimeError(f"{worker.label}: status {status}")
    cpu_seq = cpu_seconds(worker.pid) - cpu0
    per_thread = max(1, requests // threads)
    started = time.perf_counter()
    pool = [threading.Thread(target=lambda: [send() for _ in range(per_thread)]) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    concurrent_s = time.perf_counter() - started
    q = statistics.quantiles(latencies, n=100)
    return {
        "p50_ms": q[49] * 1000,
        "p99_ms": q[98] * 1000,
        "rps": per_thread * threads / concurrent_s,
        "cpu_ms_per_req": cpu_seq / requests * 1000,
    }


def wait_ready(worker: Worker, url: str, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if httpx.get(url, headers=AUTH, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or not worker.alive():
            raise RuntimeError(f"{worker.label} worker not ready:\n{worker.tail()}")
        time.sleep(0.2)


def rest_side(
    side: str, args: argparse.Namespace, java_cache: Path | None, base: Path, context: ssl.SSLContext
) -> tuple[dict[str, dict[str, float]], float]:
    """Figures per mode for one side, and the worker's peak RSS in MiB."""
    worker, http_url, https_url = rest_worker(side, base / f"rest-{side}", args.bootstrap, java_cache)
    sampler = RssSampler(worker.pid, 0.1).start()
    kept = httpx.Client(headers=AUTH, timeout=10)
    kept_tls = httpx.Client(headers=AUTH, timeout=10, verify=context)
    anonymous = httpx.Client(timeout=10)
    try:
        wait_ready(worker, http_url + "/connectors")
        # "401 without credentials": the cheapest request through the whole HTTP stack and the filter.
        modes: dict[str, Callable[[], int]] = {
            "http, 401 without credentials": lambda: (
                200 if anonymous.get(http_url + "/connectors").status_code == 401 else 0
            ),
            "http + Basic auth": lambda: kept.get(http_url + "/connectors").status_code,
            "https + Basic auth, kept-alive": lambda: kept_tls.get(https_url + "/connectors").status_code,
            "https + Basic auth, new connection": lambda: (
                httpx.get(https_url + "/connectors", headers=AUTH, verify=context, timeout=10).status_code
            ),
        }
        figures = {}
        for mode, send in modes.items():
            n = args.requests if "new connection" not in mode else max(50, args.requests // 10)
            figures[mode] = measure(worker, send, n, args.threads)
        return figures, sampler.stop() / 1024
    finally:
        for c in (kept, kept_tls, anonymous):
            c.close()
        sampler.stop()
        worker.stop()


def rest_part(args: argparse.Namespace, sides: list[str], java_cache: Path | None, base: Path) -> None:
    ca = CertificateAuthority.create("bench CA")
    ca.issue("localhost", ["localhost", "127.0.0.1"]).write_pkcs12(base / "rest.p12", STORE_PASSWORD, ca)
    (base / "credentials.properties").write_text("bench: bench-secret\n")
    (base / "jaas.conf").write_text(
        "KafkaConnect { org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required "
        f'file="{base / "credentials.properties"}"; }};\n'
    )
    if java_cache is not None:  # the shared jar cache plus the extension, as links in a directory of ours
        own = base / "java"
        (own / "lib").mkdir(parents=True)
        for jar in [*(java_cache / "lib").glob("*.jar"), ensure_basic_auth_jar()]:
            (own / "lib" / jar.name).symlink_to(jar)
        shutil.copy(java_cache / "log4j2.xml", own / "log4j2.xml")
        java_cache = own
    context = ssl.create_default_context(cadata=ca.cert_pem().decode())
    figures: dict[str, dict[str, dict[str, float]]] = {}
    rows = []
    for side in sides:
        print(f"rest: {side} ...", flush=True)
        figures[side], rss = rest_side(side, args, java_cache, base, context)
        for mode, f in figures[side].items():
            rows.append(
                [
                    mode,
                    side,
                    f"{f['p50_ms']:.2f}",
                    f"{f['p99_ms']:.2f}",
                    f"{f['rps']:,.0f}",
                    f"{f['cpu_ms_per_req']:.2f}",
                ]
            )
        rows.append(["(peak RSS of the worker, MiB)", side, "", "", "", f"{rss:.0f}"])
    print(
        f"\nREST GET /connectors, {args.requests} sequential requests (latency) then {args.threads} threads "
        f"(requests/s); new-connection mode: a tenth of the requests; load {load_average()}"
    )
    print(table(["mode", "side", "p50 ms", "p99 ms", "req/s", "worker CPU ms/req"], rows))
    if "java" in figures and "connectrt" in figures:
        for mode, c in figures["connectrt"].items():
            j = figures["java"][mode]
            print(
                f"{mode}: connectrt/java req/s {c['rps'] / j['rps']:.2f}x, p99 {c['p99_ms'] / j['p99_ms']:.2f}x, "
                f"CPU/req {c['cpu_ms_per_req'] / j['cpu_ms_per_req']:.2f}x"
            )


def main() -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    p.add_argument("--lines", type=int, default=1_000_000, help="file pipeline lines (default 1,000,000)")
    p.add_argument("--requests", type=int, default=2000, help="REST requests per mode (default 2000)")
    p.add_argument("--threads", type=int, default=8, help="client threads for requests/s (default 8)")
    p.add_argument("--only", choices=["kafka", "rest"])
    p.add_argument("--skip-java", action="store_true")
    p.add_argument(
        "--bootstrap",
        default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:29092"),
        help="PLAINTEXT Kafka for the REST part's workers (the dev services)",
    )
    p.add_argument("--port-base", type=int, default=14000, help="ports of the private SASL_SSL Kafka")
    p.add_argument("--java-cache", type=Path, default=DEFAULT_JAVA_CACHE)
    args = p.parse_args()
    sides = ["connectrt"] + ([] if args.skip_java else ["java"])
    java_cache = ensure_java_connect(args.java_cache) if not args.skip_java else None
    base = Path(tempfile.mkdtemp(prefix="connectrt-bench-secure-"))
    print(f"load average at start: {load_average()}; {os.cpu_count()} cores")
    try:
        if args.only in (None, "kafka"):
            kafka_part(args, sides, java_cache, base)
        if args.only in (None, "rest"):
            rest_part(args, sides, java_cache, base)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(f"load average at end: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
