"""tools/dbservers.py against the real server binaries: a private MariaDB
and PostgreSQL start on their own ports, serve a database through
SQLAlchemy, and leave neither process nor file behind."""

import os
import subprocess
import sys
import time

import pytest
import sqlalchemy

from novalite.tools import dbservers
from novalite.tools import localcloud


def _gone(pid):
    """No process (a zombie counts as gone) and no process group ``pid``."""
    try:
        with open('/proc/%d/stat' % pid) as src:
            if src.read().split(') ')[1][0] != 'Z':
                return False
    except OSError:
        pass
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.parametrize('backend', dbservers.BACKENDS)
def test_start_serve_stop(backend):
    server = dbservers.start(backend)
    try:
        assert server.port not in dbservers.SYSTEM_PORTS
        assert ':%d' % server.port in server.url
        assert os.path.isdir(server.dir)
        # Through localcloud.Database, as the clouds create theirs.
        database = localcloud.Database(backend, server.dir,
                                       server_url=server.url)
        database.create()
        engine = sqlalchemy.create_engine(database.url)
        with engine.begin() as conn:
            conn.exec_driver_sql('CREATE TABLE t (id INTEGER PRIMARY KEY, '
                                 'name VARCHAR(20))')
            conn.exec_driver_sql("INSERT INTO t VALUES (1, 'snowman \u2603')")
        with engine.connect() as conn:
            assert conn.exec_driver_sql(
                'SELECT name FROM t').scalar() == 'snowman \u2603'
            if backend == 'mysql':
                assert conn.exec_driver_sql(
                    'SELECT @@max_connections').scalar() >= 500
            else:
                assert int(conn.exec_driver_sql(
                    'SHOW max_connections').scalar()) >= 500
        engine.dispose()
        database.drop()
    finally:
        pid, directory = server.proc.pid, server.dir
        server.stop()
    assert not os.path.exists(directory)
    assert _gone(pid)
    server.stop()   # twice is harmless


def test_killed_owner_takes_its_server_along(tmp_path):
    """The parent-death signal: a test run killed outright (no teardown,
    no atexit) leaves no server running."""
    code = ('import sys; from novalite.tools import dbservers; '
            's = dbservers.start(sys.argv[1]); '
            'print(s.proc.pid, s.dir, flush=True); '
            'import os; os._exit(0)')
    for backend in dbservers.BACKENDS:
        out = subprocess.run([sys.executable, '-c', code, backend],
                             capture_output=True, text=True, timeout=120,
                             check=True).stdout.split()
        pid, directory = int(out[0]), out[1]
        try:
            deadline = time.monotonic() + 30
            while not _gone(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert _gone(pid), '%s server %d outlived its owner' % (
                backend, pid)
        finally:
            subprocess.run(['rm', '-rf', directory], check=False)


def test_missing_binaries_fail_clearly(monkeypatch):
    monkeypatch.setattr(dbservers, '_which', lambda names, extra=(): None)
    monkeypatch.setattr(dbservers.glob, 'glob', lambda pattern: [])
    for backend, package in (('mysql', 'mariadb-server'),
                             ('postgresql', 'postgresql')):
        with pytest.raises(dbservers.ServerError,
                           match='install the Debian package %s' % package):
            dbservers.start(backend)


def test_pool_starts_lazily_and_once():
    pool = dbservers.Pool()
    try:
        assert pool._servers == {}
        first = pool.get('postgresql')
        assert pool.get('postgresql') is first
        assert set(pool._servers) == {'postgresql'}
    finally:
        pool.close()
    assert not os.path.exists(first.dir)


def test_a_server_database_needs_a_server_url(tmp_path):
    with pytest.raises(ValueError, match='server_url'):
        localcloud.Database('mysql', str(tmp_path))
    assert localcloud.Database('sqlite', str(tmp_path)).url.startswith(
        'sqlite:///')
