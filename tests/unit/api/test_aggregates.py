"""os-aggregates and os-availability-zone through the real WSGI app."""

import pytest

from novalite.common.db import services

ADMIN = 'admin:admin'
AGG = '/v2.1/os-aggregates'


@pytest.fixture
def hosts(db, admin):
    for host in ('compute1', 'compute2'):
        services.heartbeat(admin, host, 'novalite-compute')
    services.heartbeat(admin, 'ctl', 'novalite-conductor')


def _post(client, path, body, version=None, status=200):
    resp = client.post(path, body, token=ADMIN, version=version)
    assert resp.status_code == status, resp.body
    return resp.data


def _create(client, name, az=None, version=None):
    body = {'aggregate': {'name': name}}
    if az:
        body['aggregate']['availability_zone'] = az
    return _post(client, AGG, body, version)['aggregate']


def test_create_list_show_update_delete(client, hosts):
    agg = _create(client, 'agg1', 'zone1')
    assert set(agg) == {'availability_zone', 'created_at', 'deleted',
                        'deleted_at', 'id', 'name', 'updated_at'}
    assert (agg['name'], agg['availability_zone'], agg['deleted']) == (
        'agg1', 'zone1', False)
    resp = client.get(AGG, token=ADMIN, version='2.41')
    listed = resp.data['aggregates'][0]
    assert listed['hosts'] == [] and listed['metadata'] == {
        'availability_zone': 'zone1'}
    assert len(listed['uuid']) == 36
    resp = client.get('%s/%d' % (AGG, agg['id']), token=ADMIN)
    assert resp.data['aggregate']['name'] == 'agg1'
    assert 'uuid' not in resp.data['aggregate']
    resp = client.request('PUT', '%s/%d' % (AGG, agg['id']),
                          {'aggregate': {'name': 'agg2'}}, token=ADMIN)
    assert resp.status_code == 200
    assert resp.data['aggregate']['name'] == 'agg2'
    assert resp.data['aggregate']['updated_at'] is not None
    resp = client.delete('%s/%d' % (AGG, agg['id']), token=ADMIN)
    assert resp.status_code == 200
    resp = client.get('%s/%d' % (AGG, agg['id']), token=ADMIN)
    assert resp.status_code == 404
    assert resp.data['itemNotFound']['message'] == \
        'Aggregate %d could not be found.' % agg['id']


def test_errors(client, hosts):
    _create(client, 'agg1')
    resp = client.post(AGG, {'aggregate': {'name': 'agg1'}}, token=ADMIN)
    assert resp.status_code == 409
    assert resp.data['conflictingRequest']['message'] == \
        'Aggregate agg1 already exists.'
    for body in ({}, {'aggregate': {}}, {'aggregate': {'name': ''}},
                 {'aggregate': {'name': 'x', 'availability_zone': 'a:b'}},
                 {'aggregate': {'name': 'x', 'other': 1}}):
        assert client.post(AGG, body, token=ADMIN).status_code == 400, body
    resp = client.post(AGG, {'aggregate': {'name': 'x',
                                           'availability_zone': 'internal'}},
                       token=ADMIN)
    assert resp.status_code == 400
    assert client.get(AGG + '/abc', token=ADMIN).status_code == 400
    assert client.request('PUT', AGG + '/1', {'aggregate': {}},
                          token=ADMIN).status_code == 400
    resp = client.post(AGG + '/1/action', {'nope': {}}, token=ADMIN)
    assert resp.status_code == 400


def test_hosts_and_metadata(client, hosts):
    agg = _create(client, 'agg1', 'zone1')
    url = '%s/%d/action' % (AGG, agg['id'])
    body = _post(client, url, {'add_host': {'host': 'compute1'}})
    assert body['aggregate']['hosts'] == ['compute1']
    resp = client.post(url, {'add_host': {'host': 'compute1'}}, token=ADMIN)
    assert resp.status_code == 409
    assert resp.data['conflictingRequest']['message'] == \
        'Aggregate %d already has host compute1.' % agg['id']
    resp = client.post(url, {'add_host': {'host': 'nohost'}}, token=ADMIN)
    assert resp.status_code == 404
    assert resp.data['itemNotFound']['message'] == \
        'Compute host nohost could not be found.'
    other = _create(client, 'agg2', 'zone2')
    resp = client.post('%s/%d/action' % (AGG, other['id']),
                       {'add_host': {'host': 'compute1'}}, token=ADMIN)
    assert resp.status_code == 409
    body = _post(client, url, {'set_metadata': {'metadata': {
        'ssd': 'true', 'availability_zone': 'zone1b'}}})
    assert body['aggregate']['metadata'] == {
        'ssd': 'true', 'availability_zone': 'zone1b'}
    assert body['aggregate']['availability_zone'] == 'zone1b'
    body = _post(client, url, {'set_metadata': {'metadata': {'ssd': None}}})
    assert body['aggregate']['metadata'] == {'availability_zone': 'zone1b'}
    resp = client.delete('%s/%d' % (AGG, agg['id']), token=ADMIN)
    assert resp.status_code == 400
    body = _post(client, url, {'remove_host': {'host': 'compute1'}})
    assert body['aggregate']['hosts'] == []
    resp = client.post(url, {'remove_host': {'host': 'compute1'}},
                       token=ADMIN)
    assert resp.status_code == 404
    assert resp.data['itemNotFound']['message'] == \
        'Aggregate %d has no host compute1.' % agg['id']


def test_aggregates_admin_only(client, hosts):
    assert client.get(AGG).status_code == 403
    assert client.post(AGG, {'aggregate': {'name': 'x'}}).status_code == 403


def test_availability_zones(client, hosts, admin):
    resp = client.get('/v2.1/os-availability-zone')
    assert resp.status_code == 200
    assert resp.data == {'availabilityZoneInfo': [
        {'zoneName': 'nova', 'zoneState': {'available': True},
         'hosts': None}]}
    agg = _create(client, 'agg1', 'zone1')
    _post(client, '%s/%d/action' % (AGG, agg['id']),
          {'add_host': {'host': 'compute2'}})
    names = [z['zoneName'] for z in client.get(
        '/v2.1/os-availability-zone').data['availabilityZoneInfo']]
    assert sorted(names) == ['nova', 'zone1']
    svc = services.get_by_host_binary(admin, 'compute2', 'novalite-compute')
    services.update(admin, svc['id'], {'disabled': True})
    info = client.get('/v2.1/os-availability-zone').data[
        'availabilityZoneInfo']
    assert {z['zoneName']: z['zoneState']['available'] for z in info} == {
        'nova': True, 'zone1': False}
    assert client.get('/v2.1/os-availability-zone/detail').status_code == 403
    detail = client.get('/v2.1/os-availability-zone/detail',
                        token=ADMIN).data['availabilityZoneInfo']
    by_name = {z['zoneName']: z for z in detail}
    assert by_name['internal']['hosts']['ctl']['novalite-conductor'][
        'active'] is True
    assert set(by_name['nova']['hosts']) == {'compute1'}
    assert by_name['zone1']['hosts'] is None
    services.update(admin, svc['id'], {'disabled': False})
    resp = client.get('/v2.1/os-services', token=ADMIN)
    assert {s['host']: s['zone'] for s in resp.data['services']} == {
        'compute1': 'nova', 'compute2': 'zone1', 'ctl': 'internal'}


def test_availability_zone_filter(client, hosts):
    import types
    from novalite.scheduler.filters import get_filters
    agg = _create(client, 'agg1', 'zone1')
    _post(client, '%s/%d/action' % (AGG, agg['id']),
          {'add_host': {'host': 'compute2'}})
    [zone_filter] = get_filters(['AvailabilityZoneFilter'])
    states = [types.SimpleNamespace(host=h) for h in ('compute1',
                                                      'compute2')]
    assert zone_filter.filter_all(states, {}) == states
    assert [h.host for h in zone_filter.filter_all(
        states, {'availability_zone': 'zone1'})] == ['compute2']
    assert [h.host for h in zone_filter.filter_all(
        states, {'availability_zone': 'nova'})] == ['compute1']
    assert zone_filter.filter_all(states, {'availability_zone': 'x'}) == []


def test_server_shows_its_hosts_zone(client, hosts, admin):
    from novalite.common.db import instances
    agg = _create(client, 'agg1', 'zone1')
    _post(client, '%s/%d/action' % (AGG, agg['id']),
          {'add_host': {'host': 'compute2'}})
    made = instances.create_instances(admin, [
        {'display_name': 'vm%d' % n, 'project_id': 'p1', 'user_id': 'alice',
         'flavor': {'id': 1, 'flavorid': '1', 'name': 'm1.tiny',
                    'memory_mb': 512, 'vcpus': 1, 'root_gb': 1,
                    'ephemeral_gb': 0, 'swap': 0, 'extra_specs': {}},
         'host': host, 'node': host, 'vm_state': 'active'}
        for n, host in enumerate(('compute1', 'compute2'))], {}, [])
    resp = client.get('/v2.1/servers/detail')
    zones = {s['id']: s['OS-EXT-AZ:availability_zone']
             for s in resp.data['servers']}
    assert zones == {made[0]['uuid']: 'nova', made[1]['uuid']: 'zone1'}


def test_aggregate_instance_extra_specs_filter(client, hosts):
    import types
    from novalite.scheduler.filters import aggregate_extra_specs
    from novalite.scheduler.filters import get_filters
    agg = _create(client, 'ssd')
    url = '%s/%d/action' % (AGG, agg['id'])
    _post(client, url, {'add_host': {'host': 'compute2'}})
    _post(client, url, {'set_metadata': {'metadata': {
        'ssd': 'true', 'cpus': '16'}}})
    [specs_filter] = get_filters(['AggregateInstanceExtraSpecsFilter'])
    states = [types.SimpleNamespace(host=h) for h in ('compute1',
                                                      'compute2')]

    def passing(extra_specs):
        return [h.host for h in specs_filter.filter_all(
            states, {'flavor': {'extra_specs': extra_specs}})]
    assert passing({}) == ['compute1', 'compute2']
    assert passing({'hw:cpu_policy': 'dedicated'}) == [
        'compute1', 'compute2']
    assert passing({'ssd': 'true'}) == ['compute2']
    assert passing({'aggregate_instance_extra_specs:ssd': 'true'}) == [
        'compute2']
    assert passing({'ssd': 'false'}) == []
    assert passing({'cpus': '>= 8'}) == ['compute2']
    assert passing({'cpus': '<or> 4 <or> 8'}) == []
    assert aggregate_extra_specs.match('16', '= 12')
    assert aggregate_extra_specs.match('abc', '<in> b')
    assert aggregate_extra_specs.match('x', 's== x')


def test_requested_zone_on_create(client, hosts, admin):
    from novalite.api import faults
    from novalite.api import zones
    from novalite.common.db import placement
    placement.compute_node_upsert(admin, 'compute2', 'compute2', {
        'vcpus': 1, 'memory_mb': 512, 'local_gb': 1})
    agg = _create(client, 'agg1', 'zone1')
    _post(client, '%s/%d/action' % (AGG, agg['id']),
          {'add_host': {'host': 'compute2'}})
    assert zones.requested_zone(admin, None) == (None, None)
    assert zones.requested_zone(admin, 'nova') == ('nova', None)
    assert zones.requested_zone(admin, 'zone1') == ('zone1', None)
    assert zones.requested_zone(admin, 'zone1:compute2') == (
        'zone1', {'host': 'compute2', 'node': None})
    assert zones.requested_zone(admin, '::compute2') == (
        None, {'host': None, 'node': 'compute2'})
    with pytest.raises(faults.Fault) as err:
        zones.requested_zone(admin, 'nozone')
    assert err.value.message == \
        'The requested availability zone is not available'
    with pytest.raises(faults.Fault) as err:
        zones.requested_zone(admin, 'zone1:nohost')
    assert err.value.message == 'Compute host nohost could not be found.'
