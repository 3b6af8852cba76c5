"""RabbitMQ: clouds on durable and on quorum queues
(``[oslo_messaging_rabbit] amqp_durable_queues`` / ``rabbit_quorum_queue``),
each on its own vhost, boot servers; when the broker closes every connection
of the cloud's vhost mid-run (only this vhost: the machine's broker and other
clouds are left alone), every service reconnects by itself and the next boot
succeeds, while the boot in flight ends ACTIVE or ERROR with a fault, never
stuck."""

import subprocess
import time

import pytest

from novalite.common import rpc
from novalite.tests.functional import conftest as fconf
from novalite.tests.functional import helpers
from novalite.tools import localcloud

MODES = {
    'durable': {'amqp_durable_queues': 'true'},
    'quorum': {'rabbit_quorum_queue': 'true'},
}
# The services' own topics: what must be durable / quorum queues.
TOPICS = ('novalite-conductor', 'novalite-scheduler', 'novalite-compute')
SERVICES = ('api', 'conductor', 'scheduler', 'compute-compute1')


def _ctl(*args):
    proc = subprocess.run(['rabbitmqctl', '--silent', *args],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
    return [line.split('\t') for line in proc.stdout.splitlines()
            if line.strip()]


@pytest.fixture(scope='module', params=sorted(MODES))
def rabbit_cloud(request, tmp_path_factory):
    mode = request.param
    state = str(tmp_path_factory.mktemp('rabbit-' + mode))
    with localcloud.disposable_cloud(
            'sqlite', state, vhost_prefix='novalite-test-' + mode,
            compute_hosts=('compute1',), on_teardown=rpc.cleanup,
            extra_conf={'DEFAULT': {
                'report_interval': helpers.REPORT_INTERVAL,
                'service_down_time': helpers.SERVICE_DOWN_TIME,
                # An in-flight call whose reply died with its connection
                # gives up after this long.
                'rpc_call_timeout': '10'},
                'oslo_messaging_rabbit': dict(MODES[mode])}) as local:
        cloud = fconf.Cloud(local, 'sqlite')
        cloud.mode = mode
        fconf._seed(cloud, state)
        yield cloud
        cloud.engine.dispose()


def _queues(cloud):
    return {row[0]: row[1:] for row in _ctl(
        'list_queues', '-p', cloud.local.vhost, 'name', 'type', 'durable')}


def _vhost_connections(cloud):
    return [row[1] for row in _ctl('list_connections', 'vhost', 'pid')
            if row[0] == cloud.local.vhost]


def _close_vhost_connections(cloud):
    """Close every connection of this cloud's vhost, and only those: one
    command, scoped to the vhost (-p), so none opens between list and
    close; then, like an operator would, any still listed one by one."""
    _ctl('close_all_connections', '-p', cloud.local.vhost, 'test')
    for pid in _vhost_connections(cloud):
        subprocess.run(['rabbitmqctl', 'close_connection', pid, 'test'],
                       capture_output=True, timeout=60)


def _boot(cloud, name):
    rsp = cloud.http('POST', '/servers', json={'server': {
        'name': name, 'imageRef': cloud.image_id, 'flavorRef': '42',
        'networks': [{'uuid': cloud.network_id}]}})
    assert rsp.status_code == 202, rsp.text
    return rsp.json()['server']['id']


def _delete_all(cloud, ids):
    for server_id in ids:
        cloud.http('DELETE', '/servers/%s' % server_id)
    for server_id in ids:
        helpers.wait_gone(cloud, server_id)


def _services_alive(cloud):
    dead = {name: proc.returncode for name, proc in cloud.local.procs.items()
            if proc.poll() is not None}
    assert not dead, 'services died: %s\n%s' % (dead, cloud.local.logs())


def test_queues_and_boot(rabbit_cloud):
    cloud = rabbit_cloud
    queues = _queues(cloud)
    for topic in TOPICS:
        assert topic in queues, sorted(queues)
        qtype, durable = queues[topic]
        if cloud.mode == 'quorum':
            assert qtype == 'quorum', (topic, queues[topic])
        else:
            assert qtype == 'classic' and durable == 'true', (
                topic, queues[topic])
    ids = [_boot(cloud, 'rabbit-%s-%d' % (cloud.mode, i)) for i in range(3)]
    for server_id in ids:
        helpers.wait_status(cloud, server_id, 'ACTIVE')
    _delete_all(cloud, ids)


def test_connections_closed_mid_run(rabbit_cloud):
    cloud = rabbit_cloud
    before = _vhost_connections(cloud)
    assert before, 'the cloud has no connection on its vhost'
    in_flight = _boot(cloud, 'rabbit-inflight')
    _close_vhost_connections(cloud)
    left = set(_vhost_connections(cloud)) & set(before)
    assert not left, left
    # The boot in flight ends, one way or the other, with a fault if ERROR.
    server = helpers.wait_settled(cloud, in_flight, timeout=90)
    assert server['status'] in ('ACTIVE', 'ERROR'), server
    if server['status'] == 'ERROR':
        assert server.get('fault', {}).get('message'), server
    # Every service is back on the bus by itself: a new boot goes the whole
    # way (API cast -> conductor -> scheduler call -> compute cast ->
    # conductor calls), twice, and each process holds a connection again.
    after = [_boot(cloud, 'rabbit-after-%d' % i) for i in range(2)]
    for server_id in after:
        helpers.wait_status(cloud, server_id, 'ACTIVE', timeout=90)
    _services_alive(cloud)
    assert _vhost_connections(cloud)
    _delete_all(cloud, [in_flight] + after)
