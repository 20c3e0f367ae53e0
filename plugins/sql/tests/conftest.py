"""The root test fixtures (dev services, unique names, Kafka helpers) for the plugin's tests."""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[3]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from tests.conftest import *  # noqa: E402,F403
from tests.conftest import __all__ as _root_fixtures  # noqa: E402

__all__ = list(_root_fixtures)


import psycopg  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(scope="session")
def warehouse_params(pg_params: dict[str, str]) -> dict[str, str]:
    """The dev PostgreSQL's ``warehouse`` database (created if missing): the SQL sink's target."""
    admin = (
        f"host={pg_params['host']} port={pg_params['port']} user={pg_params['user']} "
        f"password={pg_params['password']} dbname={pg_params['dbname']}"
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = 'warehouse'").fetchone() is None:
            try:
                conn.execute("CREATE DATABASE warehouse")
            except psycopg.errors.DuplicateDatabase:
                pass  # another session created it meanwhile
    return {**pg_params, "dbname": "warehouse"}


@pytest.fixture(scope="session")
def warehouse_dsn(warehouse_params: dict[str, str]) -> str:
    p = warehouse_params
    return f"host={p['host']} port={p['port']} user={p['user']} password={p['password']} dbname={p['dbname']}"


@pytest.fixture(scope="session")
def warehouse_jdbc(warehouse_params: dict[str, str]) -> str:
    return f"jdbc:postgresql://{warehouse_params['host']}:{warehouse_params['port']}/warehouse"
