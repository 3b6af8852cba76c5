"""Many simulated compute hosts in one OS process (``novalite-compute
--simulate-hosts N``, compute/simulated.py) against the real control
plane: conductor, scheduler and API as processes, RabbitMQ, SQLite.

Each simulated host must be a host of its own: up in os-services and
os-hypervisors with the capacity of its private libvirt test node, chosen
by the scheduler, and holding only its own guests (libvirt's
test:///default would share one hypervisor between them all).
"""

import os
import time

import pytest
import requests

from novalite.common import config
from novalite.common import context as nl_context
from novalite.common import rpc
from novalite.compute import rpcapi as compute_rpcapi
from novalite.tools import localcloud

HOSTS = 20
NODE = {'vcpus': 2, 'memory_mb': 2048, 'disk_gb': 40}
SERVERS = 20
PROCESS = 'compute-sim'
EXPECTED_HOSTS = ['sim-%04d' % i for i in range(1, HOSTS + 1)]
# Heartbeats (s): a stopped process is seen down within the test.
REPORT_INTERVAL = 1
SERVICE_DOWN_TIME = 5


@pytest.fixture(scope='module')
def sim_cloud(tmp_path_factory):
    state = str(tmp_path_factory.mktemp('cloud-simulated'))
    with localcloud.disposable_cloud(
            'sqlite', state, vhost_prefix='novalite-test',
            compute_hosts=[], simulated_hosts=HOSTS, sim_node=NODE,
            on_teardown=rpc.cleanup,
            extra_conf={'DEFAULT': {
                'report_interval': REPORT_INTERVAL,
                'service_down_time': SERVICE_DOWN_TIME}}) as local:
        http = requests.Session()
        http.headers['X-Auth-Token'] = 'admin:admin'
        image = http.post(local.endpoint + '/image/v2/images', json={
            'name': 'sim-image', 'disk_format': 'raw',
            'container_format': 'bare', 'visibility': 'public'}).json()
        http.put(local.endpoint + '/image/v2/images/%s/file' % image['id'],
                 data=b'\0' * 65536,
                 headers={'Content-Type': 'application/octet-stream'}
                 ).raise_for_status()
        local.image_id = image['id']
        local.network_id = http.get(
            local.endpoint + '/v2.1/os-networks').json()['networks'][0]['id']
        local.http = http
        yield local


def _get(cloud, path, **params):
    rsp = cloud.http.get(cloud.endpoint + '/v2.1' + path, params=params,
                         timeout=30)
    assert rsp.status_code == 200, rsp.text
    return rsp.json()


def _compute_services(cloud):
    return {s['host']: s for s in _get(cloud, '/os-services')['services']
            if s['binary'] == 'novalite-compute'}


def _guests(cloud, compute, host):
    return set(compute.list_guests(nl_context.get_admin_context(), host,
                                   timeout=10)['domains'])


def _wait(predicate, timeout, what, cloud):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError('%s after %ss\n%s' % (what, timeout, cloud.logs()))


def test_simulated_hosts_are_separate_hosts(sim_cloud):
    cloud = sim_cloud
    # One OS process for all of them.
    assert sorted(n for n in cloud.pids() if n.startswith('compute')) == [
        PROCESS]
    assert cloud.all_compute_hosts == EXPECTED_HOSTS

    services = _compute_services(cloud)
    assert sorted(services) == EXPECTED_HOSTS
    assert {s['state'] for s in services.values()} == {'up'}
    hypervisors = _get(cloud, '/os-hypervisors/detail')['hypervisors']
    assert sorted(h['hypervisor_hostname']
                  for h in hypervisors) == EXPECTED_HOSTS
    for hyp in hypervisors:
        assert hyp['state'] == 'up', hyp
        # The private node's capacity, not test:///default's.
        assert (hyp['vcpus'], hyp['memory_mb'], hyp['local_gb']) == (
            NODE['vcpus'], NODE['memory_mb'], NODE['disk_gb']), hyp
        assert hyp['hypervisor_type'] == 'TEST'
    # Each host its own libvirt state.
    uris = set()
    for host in EXPECTED_HOSTS:
        node_xml = os.path.join(cloud.state_dir, 'simulated-hosts', host,
                                'node.xml')
        assert os.path.exists(node_xml)
        uris.add(node_xml)
    assert len(uris) == HOSTS

    # Boot: the scheduler spreads them over the hosts.
    ids = []
    for i in range(SERVERS):
        rsp = cloud.http.post(cloud.endpoint + '/v2.1/servers', json={
            'server': {'name': 'sim-%d' % i, 'imageRef': cloud.image_id,
                       'flavorRef': '42',
                       'networks': [{'uuid': cloud.network_id}]}},
            timeout=30)
        assert rsp.status_code == 202, rsp.text
        ids.append(rsp.json()['server']['id'])
    placed = {}
    for server_id in ids:
        server = {}

        def settled():
            server.update(_get(cloud, '/servers/%s' % server_id)['server'])
            return server['status'] in ('ACTIVE', 'ERROR')
        _wait(settled, 30, 'server %s still building' % server_id, cloud)
        assert server['status'] == 'ACTIVE', server
        assert server['OS-EXT-STS:power_state'] == 1
        placed[server_id] = server['OS-EXT-SRV-ATTR:host']
    assert set(placed.values()) <= set(EXPECTED_HOSTS)
    assert len(set(placed.values())) >= 5, placed

    # Every domain exists on its own host only.
    conf = config.parse_args(['--config-file', cloud.conf_file])
    compute = compute_rpcapi.ComputeAPI(conf)
    seen = {}
    for host in EXPECTED_HOSTS:
        for uuid in _guests(cloud, compute, host):
            assert uuid not in seen, (uuid, host, seen.get(uuid))
            seen[uuid] = host
    assert seen == placed

    # Delete: nothing left on any host.
    for server_id in ids:
        rsp = cloud.http.delete(cloud.endpoint + '/v2.1/servers/' + server_id,
                                timeout=30)
        assert rsp.status_code == 204, rsp.text
    _wait(lambda: not _get(cloud, '/servers')['servers'], 30,
          'servers still there', cloud)
    for host in EXPECTED_HOSTS:
        assert _guests(cloud, compute, host) == set(), host
    alloc = _get(cloud, '/os-hypervisors/statistics')['hypervisor_statistics']
    assert alloc['running_vms'] == 0 and alloc['vcpus_used'] == 0


def test_stopping_the_process_takes_every_host_down(sim_cloud):
    cloud = sim_cloud
    proc = cloud.procs[PROCESS]
    began = time.time()
    cloud.stop(names=[PROCESS], timeout=20)
    # SIGTERM drained and exited by itself, not killed.
    assert proc.returncode == 0, (proc.returncode, cloud.logs())
    assert time.time() - began < 20
    _wait(lambda: {s['state'] for s in _compute_services(cloud).values()}
          == {'down'}, SERVICE_DOWN_TIME + 10, 'hosts not all down', cloud)
    hypervisors = _get(cloud, '/os-hypervisors')['hypervisors']
    assert {h['state'] for h in hypervisors} == {'down'}
    assert len(hypervisors) == HOSTS
