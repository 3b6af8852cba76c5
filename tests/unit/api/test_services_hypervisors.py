"""os-services and os-hypervisors through the real WSGI app and db."""

import uuid

import pytest

from novalite.common.db import instances
from novalite.common.db import placement
from novalite.common.db import services
from novalite.common import states

ADMIN = 'admin:admin'
FLAVOR = {'id': 1, 'flavorid': '1', 'name': 'm1.tiny', 'memory_mb': 512,
          'vcpus': 1, 'root_gb': 1, 'ephemeral_gb': 0, 'swap': 0,
          'extra_specs': {}}


@pytest.fixture
def hosts(db, admin):
    """compute1 (one server with an allocation), compute2, a scheduler."""
    for host in ('compute1', 'compute2'):
        services.heartbeat(admin, host, 'novalite-compute')
        placement.compute_node_upsert(admin, host, host, {
            'vcpus': 4, 'memory_mb': 4096, 'local_gb': 40})
    services.heartbeat(admin, 'ctl', 'novalite-scheduler')
    inst = instances.create_instances(admin, [{
        'display_name': 'vm1', 'project_id': 'p1', 'user_id': 'alice',
        'flavor': dict(FLAVOR), 'host': 'compute1', 'node': 'compute1',
        'vm_state': states.ACTIVE, 'power_state': states.RUNNING}], {},
        [])[0]
    node = [n for n in placement.get_nodes_with_usage(admin)
            if n['host'] == 'compute1'][0]
    placement.claim(admin, inst['uuid'], node['id'], node['generation'],
                    {'vcpus': 1, 'memory_mb': 512, 'disk_gb': 1})
    return inst


def _svc(client, version='2.1', **query):
    url = '/v2.1/os-services'
    if query:
        url += '?' + '&'.join('%s=%s' % kv for kv in query.items())
    resp = client.get(url, token=ADMIN, version=version)
    assert resp.status_code == 200, resp.body
    return resp.data['services']


def test_services_list_and_filters(client, hosts):
    found = _svc(client)
    assert [(s['host'], s['binary'], s['zone']) for s in found] == [
        ('compute1', 'novalite-compute', 'nova'),
        ('compute2', 'novalite-compute', 'nova'),
        ('ctl', 'novalite-scheduler', 'internal')]
    first = found[0]
    assert isinstance(first['id'], int)
    assert (first['status'], first['state']) == ('enabled', 'up')
    assert first['disabled_reason'] is None and 'forced_down' not in first
    assert [s['host'] for s in _svc(client, host='compute2')] == ['compute2']
    assert len(_svc(client, binary='novalite-compute')) == 2
    found = _svc(client, '2.53')
    uuid.UUID(found[0]['id'])
    assert found[0]['forced_down'] is False


def test_services_admin_only(client, hosts):
    resp = client.get('/v2.1/os-services')
    assert resp.status_code == 403
    assert resp.data['forbidden']['message'] == (
        "Policy doesn't allow os_compute_api:os-services:list to be "
        "performed.")


def test_disable_enable_by_host_before_253(client, hosts, admin):
    body = {'host': 'compute1', 'binary': 'novalite-compute',
            'disabled_reason': 'maintenance'}
    resp = client.request('PUT', '/v2.1/os-services/disable-log-reason',
                          body, token=ADMIN)
    assert resp.status_code == 200, resp.body
    assert resp.data == {'service': dict(body, status='disabled')}
    svc = services.get_by_host_binary(admin, 'compute1', 'novalite-compute')
    assert svc['disabled'] and svc['disabled_reason'] == 'maintenance'
    resp = client.request('PUT', '/v2.1/os-services/enable',
                          {'host': 'compute1', 'binary': 'novalite-compute'},
                          token=ADMIN)
    assert resp.data['service']['status'] == 'enabled'
    resp = client.request('PUT', '/v2.1/os-services/force-down', {
        'host': 'compute1', 'binary': 'novalite-compute',
        'forced_down': True}, token=ADMIN, version='2.11')
    assert resp.data['service']['forced_down'] is True
    assert _svc(client)[0]['state'] == 'down'
    resp = client.request('PUT', '/v2.1/os-services/enable',
                          {'host': 'nohost', 'binary': 'novalite-compute'},
                          token=ADMIN)
    assert resp.status_code == 404


def test_update_253(client, hosts):
    svc = _svc(client, '2.53')[0]
    url = '/v2.1/os-services/' + svc['id']
    resp = client.request('PUT', url, {'status': 'disabled',
                                       'disabled_reason': 'why'},
                          token=ADMIN, version='2.53')
    assert resp.status_code == 200, resp.body
    assert resp.data['service']['status'] == 'disabled'
    assert resp.data['service']['disabled_reason'] == 'why'
    assert resp.data['service']['id'] == svc['id']
    resp = client.request('PUT', url, {'status': 'enabled',
                                       'disabled_reason': 'x'},
                          token=ADMIN, version='2.53')
    assert resp.status_code == 400
    resp = client.request('PUT', url, {}, token=ADMIN, version='2.53')
    assert resp.status_code == 400
    assert 'No updates were requested' in resp.data['badRequest']['message']
    resp = client.request('PUT', '/v2.1/os-services/nope', {'status':
                          'enabled'}, token=ADMIN, version='2.53')
    assert resp.status_code == 400
    resp = client.request('PUT', '/v2.1/os-services/%s' % uuid.uuid4(),
                          {'status': 'enabled'}, token=ADMIN, version='2.53')
    assert resp.status_code == 404
    sched = _svc(client, '2.53', binary='novalite-scheduler')[0]
    resp = client.request('PUT', '/v2.1/os-services/' + sched['id'],
                          {'status': 'disabled'}, token=ADMIN,
                          version='2.53')
    assert resp.status_code == 400
    resp = client.request('PUT', '/v2.1/os-services/disable',
                          {'host': 'compute1', 'binary': 'x'},
                          token=ADMIN, version='2.53')
    assert resp.status_code == 400


def test_delete(client, hosts, admin):
    by_host = {s['host']: s for s in _svc(client)}
    resp = client.delete('/v2.1/os-services/%d' % by_host['compute1']['id'],
                         token=ADMIN)
    assert resp.status_code == 409
    assert 'hosting instances' in resp.data['conflictingRequest']['message']
    from novalite.common.db import aggregates
    agg = aggregates.create(admin, 'agg')
    aggregates.add_host(admin, agg['id'], 'compute2')
    resp = client.delete('/v2.1/os-services/%d' % by_host['compute2']['id'],
                         token=ADMIN)
    assert resp.status_code == 204
    assert aggregates.get(admin, agg['id'])['hosts'] == []
    assert [n['host'] for n in placement.get_nodes_with_usage(admin)] == [
        'compute1']
    resp = client.delete('/v2.1/os-services/%d' % by_host['compute2']['id'],
                         token=ADMIN)
    assert resp.status_code == 404
    resp = client.delete('/v2.1/os-services/abc', token=ADMIN)
    assert resp.status_code == 400


def _hyp(client, path='', version='2.1'):
    resp = client.get('/v2.1/os-hypervisors' + path, token=ADMIN,
                      version=version)
    return resp


def test_hypervisors_list_detail_show(client, hosts):
    resp = _hyp(client)
    assert resp.status_code == 200, resp.body
    assert [h['hypervisor_hostname'] for h in resp.data['hypervisors']] == [
        'compute1', 'compute2']
    assert set(resp.data['hypervisors'][0]) == {
        'id', 'hypervisor_hostname', 'state', 'status'}
    detail = _hyp(client, '/detail').data['hypervisors'][0]
    assert (detail['vcpus_used'], detail['memory_mb_used'],
            detail['running_vms'], detail['free_ram_mb']) == (
        1, 512, 1, 4096 - 512)
    assert detail['cpu_info'] == '{}'
    assert detail['service']['host'] == 'compute1'
    one = _hyp(client, '/%d' % detail['id']).data['hypervisor']
    assert one == detail
    new = _hyp(client, '/detail', '2.88').data['hypervisors'][0]
    assert 'vcpus' not in new and 'uptime' in new
    assert new['cpu_info'] == {}
    uuid.UUID(new['id'])
    resp = _hyp(client, '/%s?with_servers=true' % new['id'], '2.53')
    assert resp.data['hypervisor']['servers'] == [
        {'name': 'vm1', 'uuid': hosts['uuid']}]
    assert _hyp(client, '/nope', '2.53').status_code == 400
    assert _hyp(client, '/999').status_code == 404


def test_hypervisors_statistics_search_servers(client, hosts):
    stats = _hyp(client, '/statistics').data['hypervisor_statistics']
    assert (stats['count'], stats['vcpus'], stats['vcpus_used'],
            stats['running_vms']) == (2, 8, 1, 1)
    assert _hyp(client, '/statistics', '2.88').status_code == 404
    found = _hyp(client, '/compute1/servers').data['hypervisors']
    assert found[0]['servers'] == [{'name': 'vm1', 'uuid': hosts['uuid']}]
    found = _hyp(client, '/compute/search').data['hypervisors']
    assert len(found) == 2
    resp = _hyp(client, '/zzz/search')
    assert resp.status_code == 404
    assert resp.data['itemNotFound']['message'] == \
        "No hypervisor matching 'zzz' could be found."
    assert _hyp(client, '/compute/search', '2.53').status_code == 404
    resp = _hyp(client, '?hypervisor_hostname_pattern=2', '2.53')
    assert [h['hypervisor_hostname'] for h in resp.data['hypervisors']] == [
        'compute2']


def test_hypervisors_paging_233(client, hosts):
    resp = _hyp(client, '?limit=1', '2.33')
    assert len(resp.data['hypervisors']) == 1
    first = resp.data['hypervisors'][0]['id']
    assert 'marker=%d' % first in resp.data['hypervisors_links'][0]['href']
    resp = _hyp(client, '?limit=1&marker=%d' % first, '2.33')
    assert resp.data['hypervisors'][0]['hypervisor_hostname'] == 'compute2'
    assert _hyp(client, '?marker=999', '2.33').status_code == 400


def test_hypervisors_admin_only(client, hosts):
    assert client.get('/v2.1/os-hypervisors').status_code == 403
    assert client.get('/v2.1/os-hypervisors/detail').status_code == 403
