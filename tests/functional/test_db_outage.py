"""A database outage: the MariaDB / PostgreSQL server stopped for a while
(tools/dbservers.py halt/resume, same data and port), or the SQLite file
locked by another process (an exclusive transaction held by the test).

While it lasts the API answers 503 with Nova's fault body (never a 500, never
a traceback) for what needs the database; every service process keeps
running. When it ends, a boot accepted just before it and one made just
after both end ACTIVE, the services beat again, and nothing is half written:
a refused boot left no row, an accepted one has all of its rows."""

import contextlib
import sqlite3
import time

import requests

from novalite.tests.functional import helpers

# Run on SQLite, MariaDB and PostgreSQL in `make test` (conftest.py).
ALL_BACKENDS = True

OUTAGE = 8          # seconds the database is away
NAME = 'dbout'


@contextlib.contextmanager
def _outage(cloud, db_servers):
    """The database unreachable (or its file locked) inside the block."""
    if cloud.backend == 'sqlite':
        path = cloud.local.db_url[len('sqlite:///'):]
        conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        conn.execute('BEGIN EXCLUSIVE')
        try:
            yield
        finally:
            conn.execute('ROLLBACK')
            conn.close()
    else:
        server = db_servers(cloud.backend)
        cloud.engine.dispose()
        server.halt()
        try:
            yield
        finally:
            server.resume()


def _boot(cloud, name):
    return cloud.http('POST', '/servers', json={'server': {
        'name': name, 'imageRef': cloud.image_id, 'flavorRef': '42',
        'networks': [{'uuid': cloud.network_id}]}})


def _assert_fault_503(rsp):
    assert rsp.status_code == 503, (rsp.status_code, rsp.text[:500])
    body = rsp.json()
    assert list(body) == ['serviceUnavailable'], body
    assert body['serviceUnavailable']['code'] == 503
    assert 'database' in body['serviceUnavailable']['message']
    assert 'Traceback' not in rsp.text


def _services_alive(cloud):
    dead = {name: proc.returncode for name, proc in cloud.local.procs.items()
            if proc.poll() is not None}
    assert not dead, 'services died in the outage: %s\n%s' % (
        dead, cloud.local.logs())


def _beat_counts(cloud):
    """{(binary, host): report_count} of every service."""
    return {(b, h): n for b, h, n in cloud.rows(
        'SELECT %s, host, report_count FROM services' % _binary(cloud))}


def _binary(cloud):
    return '`binary`' if cloud.backend == 'mysql' else '"binary"'


def test_database_outage(cloud, db_servers):
    # Accepted just before the outage: its build runs into it.
    before = _boot(cloud, NAME + '-before')
    assert before.status_code == 202, before.text
    before_id = before.json()['server']['id']
    refused, answers = [], []
    beats_before = _beat_counts(cloud)
    with _outage(cloud, db_servers):
        started = time.monotonic()
        while time.monotonic() - started < OUTAGE:
            # Reads: SQLite readers see the last committed data beside a
            # writer's lock (WAL); a stopped server answers nothing.
            rsp = cloud.http('GET', '/servers/detail')
            answers.append(rsp.status_code)
            if cloud.backend == 'sqlite':
                assert rsp.status_code == 200, rsp.text[:500]
            else:
                _assert_fault_503(rsp)
            name = '%s-refused-%d' % (NAME, len(refused))
            rsp = _boot(cloud, name)
            answers.append(rsp.status_code)
            _assert_fault_503(rsp)
            refused.append(name)
            if cloud.backend == 'sqlite':
                # The API waits out a SQLite lock for API_LOCK_WINDOW
                # (contention, not an outage) before its 503; one refused
                # write keeps the lock shorter than the services' retry
                # window, so the build accepted before still finishes.
                break
            rsp = cloud.http('DELETE', '/servers/%s' % before_id)
            answers.append(rsp.status_code)
            _assert_fault_503(rsp)
            _services_alive(cloud)
        # The API answers in seconds, not after a hang.
        rsp = requests.get(cloud.compute_url + '/flavors', timeout=10,
                           headers={'X-Auth-Token': 'admin:admin'})
        assert rsp.status_code in (200, 503), rsp.text[:500]
    assert refused and 503 in answers and 500 not in answers, answers
    _services_alive(cloud)

    after = _boot(cloud, NAME + '-after')
    assert after.status_code == 202, after.text
    after_id = after.json()['server']['id']
    for server_id in (before_id, after_id):
        server = helpers.wait_status(cloud, server_id, 'ACTIVE', timeout=90)
        assert server['OS-EXT-STS:vm_state'] == 'active'

    # Nothing half written: the refused boots left no row at all, the
    # accepted ones have instance, request spec, create action, port and
    # allocation.
    names = {r[0] for r in cloud.rows('SELECT display_name FROM instances')}
    assert not names & set(refused), names & set(refused)
    for server_id in (before_id, after_id):
        for table, column in (('request_specs', 'instance_uuid'),
                              ('allocations', 'consumer_uuid'),
                              ('instance_actions', 'instance_uuid')):
            assert cloud.count("SELECT COUNT(*) FROM %s WHERE %s = '%s'" % (
                table, column, server_id)) == 1, (table, server_id)
        assert cloud.count("SELECT COUNT(*) FROM ports WHERE instance_uuid = "
                           "'%s'" % server_id) == 1
    # The services beat again: conductor, API, and the compute agents
    # (through the conductor) all report after the outage.
    _wait_beats(cloud, beats_before)
    _services_alive(cloud)

    for server_id in (before_id, after_id):
        assert cloud.http('DELETE', '/servers/%s' % server_id
                          ).status_code == 204
    for server_id in (before_id, after_id):
        helpers.wait_gone(cloud, server_id)
    assert cloud.count("SELECT COUNT(*) FROM allocations WHERE consumer_uuid"
                       " IN ('%s', '%s')" % (before_id, after_id)) == 0


def _wait_beats(cloud, before, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        now = _beat_counts(cloud)
        stale = [h for h, n in before.items() if now.get(h, 0) <= n]
        if not stale:
            return
        time.sleep(0.2)
    raise AssertionError('no heartbeat since the outage from %s\n%s' % (
        stale, cloud.local.logs()))
