"""``connection.url``: JDBC URLs translated to SQLAlchemy URLs, SQLAlchemy URLs taken as they are.

``jdbc:postgresql://host:5432/db?sslmode=require`` → ``postgresql+psycopg://host:5432/db?sslmode=require``;
``jdbc:mysql://`` / ``jdbc:mariadb://`` → ``mysql+pymysql://`` / ``mariadb+pymysql://``;
``jdbc:sqlite:/path/f.db`` → ``sqlite:////path/f.db``; ``jdbc:duckdb:/path/w.duckdb`` →
``duckdb:////path/w.duckdb`` (``jdbc:duckdb:`` alone is an in-memory database). The user and
password come from the connector's keys, or from the URL's ``user``/``password`` parameters.
A dialect whose driver is not installed is an error naming the pip package to install.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

# SQLAlchemy is imported by the functions that parse a URL (a connector's validate or start), not with the
# module: the worker loads every plugin's connector classes at start and should not pay for it there.


class UrlError(ValueError):
    """A connection.url that cannot be used, with what to change."""


# dialect → (default driver, python module of the driver, pip package)
_DRIVERS: dict[str, tuple[str | None, str, str]] = {
    "postgresql": ("psycopg", "psycopg", "psycopg[binary]"),
    "duckdb": (None, "duckdb_engine", "duckdb-engine"),
    "sqlite": (None, "sqlite3", "the Python standard library's sqlite3"),
    "mysql": ("pymysql", "pymysql", "pymysql"),
    "mariadb": ("pymysql", "pymysql", "pymysql"),
}
_DRIVER_MODULES = {
    "psycopg": "psycopg",
    "psycopg2": "psycopg2",
    "pymysql": "pymysql",
    "mysqldb": "MySQLdb",
    "asyncpg": "asyncpg",
    "pg8000": "pg8000",
    "pysqlite": "sqlite3",
    "mysqlconnector": "mysql.connector",
}
_PIP = {"psycopg2": "psycopg2-binary", "MySQLdb": "mysqlclient", "mysql.connector": "mysql-connector-python"}
# JDBC URL parameters that have a libpq/pymysql equivalent; other JDBC driver options are dropped.
_PG_PARAMS = {
    "sslmode": "sslmode",
    "sslrootcert": "sslrootcert",
    "sslcert": "sslcert",
    "sslkey": "sslkey",
    "ApplicationName": "application_name",
    "connectTimeout": "connect_timeout",
}
_SERVER_DIALECTS = {"postgresql", "mysql", "mariadb", "mssql", "oracle"}


@dataclass(frozen=True)
class DatabaseUrl:
    url: URL
    """The SQLAlchemy URL, password included: never log it, use :attr:`display`."""

    @property
    def dialect(self) -> str:
        return self.url.get_backend_name()

    @property
    def display(self) -> str:
        return self.url.render_as_string(hide_password=True)

    @property
    def needs_user(self) -> bool:
        return self.dialect in _SERVER_DIALECTS

    @property
    def embedded_path(self) -> str | None:
        """The database file of sqlite/duckdb URLs (None for in-memory databases and servers)."""
        if self.dialect in ("sqlite", "duckdb") and self.url.database not in (None, "", ":memory:"):
            return self.url.database
        return None


def parse_connection_url(raw: str, user: str | None = None, password: str | None = None) -> DatabaseUrl:
    text = (raw or "").strip()
    if not text:
        raise UrlError(
            "connection.url is empty: give a JDBC URL such as jdbc:postgresql://host:5432/db or an "
            "SQLAlchemy URL such as duckdb:///warehouse.duckdb."
        )
    url = _from_jdbc(text) if text.lower().startswith("jdbc:") else _from_sqlalchemy(text)
    if user:
        url = url.set(username=user)
    if password:
        url = url.set(password=password)
    check_driver(url)
    return DatabaseUrl(url)


def _from_sqlalchemy(text: str) -> URL:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(text)
    except ArgumentError:
        raise UrlError(
            f"connection.url '{redact_url(text)}' is neither a JDBC URL (jdbc:...) nor an SQLAlchemy URL "
            "(dialect://...); use e.g. jdbc:postgresql://host:5432/db."
        ) from None
    backend = url.get_backend_name()
    if "+" not in url.drivername and backend in _DRIVERS and _DRIVERS[backend][0]:
        url = url.set(drivername=f"{backend}+{_DRIVERS[backend][0]}")
    return url


def _from_jdbc(text: str) -> URL:
    from sqlalchemy.engine import URL

    rest = text[5:]
    sub, _, tail = rest.partition(":")
    sub = sub.lower()
    if sub in ("postgresql", "mysql", "mariadb"):
        return _server_url(sub, tail, text)
    if sub in ("sqlite", "duckdb"):
        path = tail.split("?", 1)[0]
        if path in ("", ":memory:", "memory:"):
            return URL.create(sub)
        return URL.create(sub, database=path)
    raise UrlError(
        f"connection.url '{redact_url(text)}': the JDBC subprotocol '{sub}' has no translation in connectrt "
        "(known: postgresql, mysql, mariadb, sqlite, duckdb); give an SQLAlchemy URL instead."
    )


def _server_url(sub: str, tail: str, text: str) -> URL:
    from sqlalchemy.engine import URL

    if not tail.startswith("//"):
        raise UrlError(
            f"connection.url '{redact_url(text)}' has no host: use jdbc:{sub}://host:port/database."
        )
    parts = urlsplit("x:" + tail)
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    user = params.pop("user", None) or parts.username
    password = params.pop("password", None) or parts.password
    if sub == "postgresql":
        query = {_PG_PARAMS[k]: v for k, v in params.items() if k in _PG_PARAMS}
        if "currentSchema" in params:
            query["options"] = f"-csearch_path={params['currentSchema']}"
    else:
        query = {k: v for k, v in params.items() if k in ("charset", "ssl_ca")}
    host = (parts.hostname or "").split(",")[0]
    try:
        port = parts.port
    except ValueError:
        raise UrlError(f"connection.url '{redact_url(text)}' has an invalid port.") from None
    if not host:
        raise UrlError(
            f"connection.url '{redact_url(text)}' has no host: use jdbc:{sub}://host:port/database."
        )
    return URL.create(
        f"{sub}+{_DRIVERS[sub][0]}",
        username=user,
        password=password,
        host=host,
        port=port,
        database=parts.path.lstrip("/") or None,
        query=query,
    )


def check_driver(url: URL) -> None:
    """Raise UrlError if the dialect is unknown or its driver module is not installed."""
    from sqlalchemy.exc import NoSuchModuleError

    backend = url.get_backend_name()
    driver = url.drivername.partition("+")[2]
    known = _DRIVERS.get(backend)
    module = _DRIVER_MODULES.get(driver) or (known[1] if known else None)
    if known and backend == "duckdb":
        module = "duckdb_engine"
    if module is not None:
        if importlib.util.find_spec(module.split(".")[0]) is None:
            package = known[2] if known and module == known[1] else _PIP.get(module, module)
            raise UrlError(
                f"connection.url uses the {backend} dialect, whose Python driver is not installed: "
                f"run pip install '{package}' in the worker's environment."
            )
        if backend == "duckdb" and importlib.util.find_spec("duckdb") is None:
            raise UrlError(
                "connection.url uses the duckdb dialect, whose Python driver is not installed: run pip "
                "install 'duckdb' in the worker's environment."
            )
        return
    try:
        url.get_dialect()
    except NoSuchModuleError:
        raise UrlError(
            f"connection.url names an unknown database dialect '{backend}'; known: postgresql, duckdb, "
            "sqlite, mysql, mariadb, or any SQLAlchemy dialect installed in the worker."
        ) from None
    except ImportError as e:
        raise UrlError(
            f"connection.url uses the {backend} dialect, whose Python driver is not installed "
            f"({e.name or e}); install it with pip in the worker's environment."
        ) from None


def redact_url(text: str) -> str:
    """The URL without password parameters or userinfo passwords (for messages and validate answers)."""
    out = []
    for piece in text.split("&"):
        key, sep, _ = piece.partition("=")
        out.append(f"{key}{sep}****" if sep and key.lower().rsplit("?", 1)[-1] == "password" else piece)
    joined = "&".join(out)
    if "@" in joined and "://" in joined:
        scheme, _, rest = joined.partition("://")
        userinfo, at, host = rest.partition("@")
        if ":" in userinfo:
            joined = f"{scheme}://{userinfo.split(':', 1)[0]}:****{at}{host}"
    return joined if len(joined) <= 200 else joined[:200] + "..."
