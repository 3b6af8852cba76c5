"""Fixtures shared by every test directory."""

import pytest

from novalite.tools import dbservers


@pytest.fixture(scope='session')
def db_servers():
    """Private MariaDB / PostgreSQL servers (tools/dbservers.py), one per
    backend, started when a test first asks for that backend and stopped at
    the end of the session: the tests never use the machine's own servers.
    A server that cannot start fails the test with the reason."""
    pool = dbservers.Pool()

    def get(backend):
        try:
            return pool.get(backend)
        except dbservers.ServerError as exc:
            pytest.fail(str(exc), pytrace=False)

    yield get
    pool.close()
