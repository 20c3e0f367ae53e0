"""Debezium's PostgreSQL connector as a Kafka Connect plugin directory, resolved with mvn at benchmark time.

``io.debezium:debezium-connector-postgres`` and its runtime dependencies go into
``<cache>/plugins/debezium-connector-postgres/`` (one ``plugin.path`` entry, loaded by Connect's isolated
plugin class loader, as from Debezium's own tarball), minus the artifacts the Connect runtime already
provides (Kafka and its compression codecs, SLF4J, Log4j). The runtime itself is ``_common.ensure_java_connect`` (Kafka Connect 4.2.1).
No jar is ever committed; the cache lives under ``~/.cache/connectrt/bench`` and is reused when present.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from _common import _DEP, _POM

DEBEZIUM_VERSION = "3.6.1.Final"
DEFAULT_DEBEZIUM_CACHE = (
    Path.home() / ".cache" / "connectrt" / "bench" / f"debezium-postgres-{DEBEZIUM_VERSION}"
)
#: Provided by the Connect runtime's classpath (and kept out of the plugin dir, as Debezium's tarball does).
PROVIDED_GROUP_IDS = "org.apache.kafka,org.slf4j,org.apache.logging.log4j"
#: kafka-clients' compression codecs: the producer is the runtime's, so they are the runtime's too.
PROVIDED_ARTIFACT_IDS = "lz4-java,snappy-java,zstd-jni"
#: The same plugin the recordings in plugins/postgres/tests/data were made with (tests/reference/pom.xml).
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"


def ensure_debezium_plugin(
    cache_dir: Path = DEFAULT_DEBEZIUM_CACHE,
    version: str = DEBEZIUM_VERSION,
    artifact: str = "debezium-connector-postgres",
) -> Path:
    """Resolve a Debezium connector plugin (the PostgreSQL connector unless ``artifact`` names another,
    e.g. ``debezium-connector-jdbc``); returns the directory to use as ``plugin.path``."""
    plugins = cache_dir / "plugins"
    plugin = plugins / artifact
    marker = cache_dir / ".complete"
    if not (marker.exists() and any(plugin.glob(f"{artifact}-{version}.jar"))):
        if shutil.which("mvn") is None:
            raise RuntimeError("mvn is not on PATH: install Maven, or run with --only connectrt")
        shutil.rmtree(plugins, ignore_errors=True)
        cache_dir.mkdir(parents=True, exist_ok=True)
        deps = _DEP.format(g="io.debezium", a=artifact, v=version)
        (cache_dir / "pom.xml").write_text(_POM.format(deps=deps))
        print(f"resolving Debezium {version} ({artifact}) with mvn into {plugin} ...", flush=True)
        subprocess.run(
            [
                "mvn",
                "-q",
                "-B",
                "-ntp",
                f"{DEPENDENCY_PLUGIN}:copy-dependencies",
                f"-DoutputDirectory={plugin}",
                "-DincludeScope=runtime",
                f"-DexcludeGroupIds={PROVIDED_GROUP_IDS}",
                f"-DexcludeArtifactIds={PROVIDED_ARTIFACT_IDS}",
            ],
            cwd=cache_dir,
            check=True,
        )
        marker.write_text("ok\n")
    return plugins
