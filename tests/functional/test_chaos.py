"""Fault injection: boots at concurrency while each service in turn is
killed with SIGKILL at a random (seeded) moment and restarted, and while
this cloud's RabbitMQ connections are closed. Every server must end ACTIVE
or ERROR-with-fault within a bound, none in BUILD; every novalite domain on
each host belongs to an ACTIVE/SHUTOFF server there and vice versa (asked
of the agents over RPC); deleting everything leaves no claim, no usage, no
port; ``novalite-manage audit`` is clean.

The four services run as separate processes with two compute agents on
libvirt's test driver and real RabbitMQ (tools/localcloud.py), with short
recovery bounds (EXTRA_CONF). `make test` runs the CI size (30 boots per
fault at concurrency 10 on SQLite); `make chaos` the long one
(NOVALITE_CHAOS_BOOTS=100 on SQLite, MariaDB and PostgreSQL).

libvirt's test hypervisor lives inside the agent process, so the guests of
a killed agent die with it (a real QEMU guest would not): the servers that
were ACTIVE there before the kill are expected without a domain, and the
audit must report exactly those as "missing guest".
"""

import collections
import concurrent.futures
import os
import random
import signal
import subprocess
import threading
import time

import pytest

from novalite.common import context as nl_context
from novalite.common import rpc
from novalite.tests.functional import conftest as fconf
from novalite.tests.functional import helpers
from novalite.tools import localcloud

BOOTS = int(os.environ.get('NOVALITE_CHAOS_BOOTS', '30'))
CONCURRENCY = int(os.environ.get('NOVALITE_CHAOS_CONCURRENCY', '10'))
SEED = int(os.environ.get('NOVALITE_CHAOS_SEED', '20261201'))
BACKENDS = os.environ.get('NOVALITE_CHAOS_BACKENDS', 'sqlite').split(',')
FAULTS = tuple(os.environ.get(
    'NOVALITE_CHAOS_FAULTS',
    'api,conductor,scheduler,compute-compute1,rabbitmq').split(','))
# Every accepted boot ends ACTIVE or ERROR within this many seconds of the
# fault: grace + interval + rpc_call_timeout + a build, with room for a
# loaded 2-core machine.
SETTLE_BOUND = 90
EXTRA_CONF = {
    'DEFAULT': {'report_interval': '1', 'service_down_time': '6',
                'rpc_call_timeout': '5'},
    'conductor': {'build_recovery_interval': '2',
                  'build_recovery_grace': '8'},
    'compute': {'instance_build_timeout': '60',
                'running_deleted_instance_poll_interval': '3'},
}
RESULTS = []


@pytest.fixture(scope='module', params=BACKENDS)
def chaos_cloud(request, tmp_path_factory, db_servers):
    backend = request.param
    state = str(tmp_path_factory.mktemp('chaos-' + backend))
    with localcloud.disposable_cloud(
            backend, state, vhost_prefix='novalite-chaos',
            db_server=None if backend == 'sqlite' else db_servers(backend),
            compute_hosts=fconf.COMPUTE_HOSTS, on_teardown=rpc.cleanup,
            extra_conf={k: dict(v) for k, v in EXTRA_CONF.items()}) as local:
        cloud = fconf.Cloud(local, backend)
        fconf._seed(cloud, state)
        rsp = cloud.http('POST', '/flavors', json={'flavor': {
            'name': 'chaos', 'ram': 64, 'vcpus': 1, 'disk': 1,
            'id': 'chaos'}})
        assert rsp.status_code == 200, rsp.text
        yield cloud
        cloud.engine.dispose()
    _print_table()


def _print_table():
    print('\n| backend | fault | boots sent | accepted | ACTIVE | ERROR | '
          'lost guests (test driver) | time to recover (s) |')
    print('|---|---|---|---|---|---|---|---|')
    for r in RESULTS:
        print('| %(backend)s | %(fault)s | %(sent)d | %(accepted)d | '
              '%(active)d | %(error)d | %(lost)d | %(recover).1f |' % r)


# -- faults -------------------------------------------------------------------
def _kill(local, name):
    pid = local.pids().get(name)
    assert pid, 'no pid for %s' % name
    os.kill(pid, signal.SIGKILL)
    proc = local.procs.get(name)
    if proc is not None:
        proc.wait(timeout=30)


def _close_vhost_connections(vhost):
    """Close this cloud's RabbitMQ connections only (not the broker's
    other vhosts): list them, then close each by pid, all at once
    (rabbitmqctl takes a second to start)."""
    out = subprocess.run(
        ['rabbitmqctl', '-q', 'list_connections', 'vhost', 'pid', 'name'],
        capture_output=True, text=True, timeout=60, check=True).stdout
    pids = [cells[1] for cells in (line.split('\t')
                                   for line in out.splitlines())
            if len(cells) >= 2 and cells[0] == vhost]
    procs = [subprocess.Popen(['rabbitmqctl', 'close_connection', pid,
                               'chaos test'], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL) for pid in pids]
    for proc in procs:
        proc.wait(timeout=60)
    return len(pids)


def _inject(cloud, fault, rng, marks):
    time.sleep(rng.uniform(0.2, 1.5))
    marks['fault'] = time.time()
    if fault == 'rabbitmq':
        marks['closed'] = _close_vhost_connections(cloud.local.vhost)
        return
    marks['host_kill'] = fault.startswith('compute-')
    _kill(cloud.local, fault)
    time.sleep(rng.uniform(1.0, 2.0))
    cloud.local.start(names=[fault])
    marks['restarted'] = time.time()


# -- boots --------------------------------------------------------------------
def _boot(cloud, index, fault, refused):
    body = {'server': {'name': 'chaos-%s-%d' % (fault, index),
                       'imageRef': cloud.image_id, 'flavorRef': 'chaos',
                       'networks': [{'uuid': cloud.network_id}]}}
    try:
        rsp = cloud.http('POST', '/servers', json=body)
    except Exception as exc:  # noqa: BLE001 -- the API was killed
        refused.append(repr(exc)[:200])
        return None
    if rsp.status_code != 202:
        refused.append('%d %s' % (rsp.status_code, rsp.text[:300]))
        return None
    return rsp.json()['server']['id']


def _servers(cloud):
    rsp = cloud.http('GET', '/servers/detail')
    assert rsp.status_code == 200, rsp.text
    return rsp.json()['servers']


def _wait_settled(cloud, start, bound):
    """Until no server is in BUILD (or bound runs out); the servers and
    when the last one settled."""
    deadline = start + bound
    while True:
        try:
            servers = _servers(cloud)
        except Exception:  # noqa: BLE001 -- API restarting
            servers = None
        if servers is not None and all(s['status'] != 'BUILD'
                                       for s in servers):
            return servers, time.time()
        if time.time() > deadline:
            return servers or [], None
        time.sleep(0.25)


def _guests(cloud, host):
    api = helpers.compute_api(cloud)
    guests = api.list_guests(nl_context.get_admin_context(), host,
                             timeout=10)
    return {u for u, d in guests['domains'].items() if d['novalite']}


def _check_domains(cloud, servers, lost):
    """Every novalite domain belongs to an ACTIVE/SHUTOFF server of its
    host and vice versa, within a bound (the reaper runs every 3 s)."""
    want = {h: set() for h in fconf.COMPUTE_HOSTS}
    for s in servers:
        if s['status'] in ('ACTIVE', 'SHUTOFF') and s['id'] not in lost:
            want[s['OS-EXT-SRV-ATTR:host']].add(s['id'])
    deadline = time.time() + 30
    while True:
        have = {h: _guests(cloud, h) for h in want}
        if have == want or time.time() > deadline:
            break
        time.sleep(0.5)
    assert have == want, 'domains %s, servers %s' % (have, want)


def _audit(cloud, *args):
    try:
        return cloud.local.manage('--format', 'json', 'audit', *args)
    except RuntimeError as exc:
        return str(exc)


def _delete_all(cloud):
    for s in _servers(cloud):
        rsp = cloud.http('DELETE', '/servers/%s' % s['id'])
        assert rsp.status_code in (204, 404), rsp.text
    deadline = time.time() + 60
    while _servers(cloud) and time.time() < deadline:
        time.sleep(0.25)
    assert _servers(cloud) == [], cloud.local.logs()


@pytest.mark.parametrize('fault', FAULTS)
def test_boots_survive(chaos_cloud, fault):
    cloud = chaos_cloud
    # A case that failed left its servers: start from none, so a failure
    # does not cascade into the next cases (a full network, audit noise).
    if _servers(cloud):
        _delete_all(cloud)
        _audit(cloud, '--fix')
    rng = random.Random('%s-%s-%s' % (SEED, cloud.backend, fault))
    marks = {}
    injector = threading.Thread(target=_inject,
                                args=(cloud, fault, rng, marks))
    started = time.time()
    refused = []
    with concurrent.futures.ThreadPoolExecutor(CONCURRENCY) as pool:
        futures = []
        for i in range(BOOTS):
            futures.append(pool.submit(_boot, cloud, i, fault, refused))
            if i == 0:
                injector.start()
        accepted = [f.result() for f in futures]
    injector.join(timeout=60)
    accepted = [a for a in accepted if a]
    if fault != 'api':
        # Only killing the API may refuse requests.
        assert len(accepted) == BOOTS, refused
    assert 'fault' in marks, 'the fault was not injected'
    servers, settled_at = _wait_settled(cloud, marks['fault'], SETTLE_BOUND)
    stuck = [s['id'] for s in servers if s['status'] == 'BUILD']
    assert not stuck, 'in BUILD %ss after the fault: %s\n%s' % (
        SETTLE_BOUND, stuck, cloud.local.logs(tail=80))
    by_id = {s['id']: s for s in servers}
    assert set(accepted) <= set(by_id), 'accepted boots vanished'
    for s in servers:
        assert s['status'] in ('ACTIVE', 'ERROR'), s
        if s['status'] == 'ERROR':
            assert s.get('fault', {}).get('message'), s
    # Guests that died with a killed test hypervisor (see module doc).
    lost = set()
    if marks.get('host_kill'):
        host = fault.split('-', 1)[1]
        for s in servers:
            if (s['status'] == 'ACTIVE' and
                    s['OS-EXT-SRV-ATTR:host'] == host and
                    s['OS-SRV-USG:launched_at'] and
                    _launched(s) < marks['restarted']):
                lost.add(s['id'])
    _check_domains(cloud, servers, lost)
    report = _audit(cloud)
    for uuid in lost:
        assert uuid in report, report
    if not lost:
        assert report.strip() == '[]', report
    _delete_all(cloud)
    assert cloud.count('SELECT COUNT(*) FROM allocations') == 0
    assert cloud.count('SELECT COUNT(*) FROM ports') == 0
    assert cloud.count('SELECT COUNT(*) FROM instances WHERE deleted = 0'
                       ) == 0
    _check_domains(cloud, [], set())
    assert _audit(cloud).strip() == '[]'
    RESULTS.append({
        'backend': cloud.backend, 'fault': fault, 'sent': BOOTS,
        'accepted': len(accepted),
        'active': sum(by_id[a]['status'] == 'ACTIVE' for a in accepted),
        'error': sum(by_id[a]['status'] == 'ERROR' for a in accepted),
        'lost': len(lost), 'recover': settled_at - marks['fault']})
    print(RESULTS[-1], 'started %.1fs before the fault' % (
        marks['fault'] - started))
    # Why builds failed, so a high ERROR count can be read, not guessed.
    faults = collections.Counter(
        (s['fault']['message'][:120], (s['fault'].get('details') or '')[:80])
        for s in servers if s['status'] == 'ERROR')
    for (message, details), count in faults.most_common():
        print('  %3d ERROR: %s | %s' % (count, message, details))


def _launched(server):
    import datetime
    value = server['OS-SRV-USG:launched_at']
    dt = datetime.datetime.fromisoformat(value)
    return dt.replace(tzinfo=datetime.timezone.utc).timestamp()
