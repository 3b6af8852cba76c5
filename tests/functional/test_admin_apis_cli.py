"""The stock `openstack` CLI against server metadata, instance actions,
availability zones, aggregates, services, hypervisors and usage (noauth2:
the CLI is the admin)."""


import pytest

from novalite.tests.functional import helpers


def _cli(cloud, tmp_path, *args, as_json=True):
    return helpers.openstack_cli(cloud, tmp_path, *args, output=as_json)


@pytest.mark.parametrize('cloud', ['sqlite'], indirect=True)
def test_metadata_and_events(cloud, tmp_path):
    server = cloud.sdk.compute.create_server(
        name='cli-meta', image_id=cloud.image_id, flavor_id='42',
        networks=[{'uuid': cloud.network_id}])
    helpers.wait_status(cloud, server.id, 'ACTIVE')
    try:
        _cli(cloud, tmp_path, 'server', 'set', '--property', 'role=web',
             '--property', 'tier=1', server.id, as_json=False)
        shown = _cli(cloud, tmp_path, 'server', 'show', server.id)
        assert shown['properties'] == {'role': 'web', 'tier': '1'} or \
            "role='web'" in str(shown['properties'])
        _cli(cloud, tmp_path, 'server', 'unset', '--property', 'tier',
             server.id, as_json=False)
        meta = cloud.sdk.compute.get_server_metadata(server.id).metadata
        assert meta == {'role': 'web'}
        events = _cli(cloud, tmp_path, 'server', 'event', 'list', server.id)
        (create,) = [e for e in events if e['Action'] == 'create']
        event = _cli(cloud, tmp_path, 'server', 'event', 'show', server.id,
                     create['Request ID'])
        assert event['action'] == 'create'
        assert event['events'], event
    finally:
        cloud.sdk.compute.delete_server(server)
        helpers.wait_gone(cloud, server.id)


@pytest.mark.parametrize('cloud', ['sqlite'], indirect=True)
def test_zones_aggregates_services_hypervisors_usage(cloud, tmp_path):
    zones = _cli(cloud, tmp_path, 'availability', 'zone', 'list',
                 '--compute')
    assert {'Zone Name': 'nova', 'Zone Status': 'available'} in [
        {k: z[k] for k in ('Zone Name', 'Zone Status')} for z in zones]
    agg = _cli(cloud, tmp_path, 'aggregate', 'create', '--zone', 'cli-zone',
               'cli-agg')
    try:
        assert agg['name'] == 'cli-agg'
        _cli(cloud, tmp_path, 'aggregate', 'add', 'host', 'cli-agg',
             'compute2')
        listed = _cli(cloud, tmp_path, 'aggregate', 'list')
        assert 'cli-agg' in [a['Name'] for a in listed]
        names = [z['Zone Name'] for z in _cli(
            cloud, tmp_path, 'availability', 'zone', 'list',
                 '--compute')]
        assert 'cli-zone' in names
        _cli(cloud, tmp_path, 'aggregate', 'remove', 'host', 'cli-agg',
             'compute2')
    finally:
        _cli(cloud, tmp_path, 'aggregate', 'delete', 'cli-agg',
             as_json=False)
    assert 'cli-agg' not in [a['Name'] for a in _cli(
        cloud, tmp_path, 'aggregate', 'list')]

    services = _cli(cloud, tmp_path, 'compute', 'service', 'list')
    computes = {s['Host'] for s in services
                if s['Binary'] == 'novalite-compute'}
    assert computes == {'compute1', 'compute2'}
    _cli(cloud, tmp_path, 'compute', 'service', 'set', '--disable',
         '--disable-reason', 'cli maintenance', 'compute2',
         'novalite-compute', as_json=False)
    try:
        (row,) = [s for s in _cli(cloud, tmp_path, 'compute', 'service',
                                  'list', '--host', 'compute2')
                  if s['Binary'] == 'novalite-compute']
        assert row['Status'] == 'disabled'
    finally:
        _cli(cloud, tmp_path, 'compute', 'service', 'set', '--enable',
             'compute2', 'novalite-compute', as_json=False)

    hypervisors = _cli(cloud, tmp_path, 'hypervisor', 'list')
    assert {'compute1', 'compute2'} <= {
        h['Hypervisor Hostname'] for h in hypervisors}

    server = cloud.sdk.compute.create_server(
        name='cli-usage', image_id=cloud.image_id, flavor_id='42',
        networks=[{'uuid': cloud.network_id}])
    helpers.wait_status(cloud, server.id, 'ACTIVE')
    try:
        usage = _cli(cloud, tmp_path, 'usage', 'list')
        assert usage and all('Project' in u for u in usage), usage
        # The CLI asks detailed=True, which Nova reads as not detailed
        # (only '1' is): no server count, but the running server's hours.
        assert any(float(u['CPU Hours']) > 0 for u in usage), usage
    finally:
        cloud.sdk.compute.delete_server(server)
        helpers.wait_gone(cloud, server.id)


def _api(cloud, method, path, body=None, version='2.53'):
    import requests
    rsp = requests.request(
        method, cloud.compute_url + path, json=body, timeout=30,
        headers={'X-Auth-Token': 'admin:admin',
                 'OpenStack-API-Version': 'compute %s' % version})
    assert rsp.status_code < 300, (method, path, rsp.status_code, rsp.text)
    return rsp.json() if rsp.content else None


def _boot(cloud, name, zone):
    return _api(cloud, 'POST', '/servers', {'server': {
        'name': name, 'imageRef': cloud.image_id, 'flavorRef': '42',
        'networks': [{'uuid': cloud.network_id}],
        'availability_zone': zone}})['server']['id']


@pytest.mark.parametrize('cloud', ['sqlite'], indirect=True)
def test_zone_places_and_disabled_service_gets_no_builds(cloud):
    agg = _api(cloud, 'POST', '/os-aggregates', {'aggregate': {
        'name': 'func-agg', 'availability_zone': 'func-zone'}})['aggregate']
    svc = [s for s in _api(cloud, 'GET', '/os-services?host=compute2')[
        'services'] if s['binary'] == 'novalite-compute'][0]
    made = []
    try:
        _api(cloud, 'POST', '/os-aggregates/%d/action' % agg['id'],
             {'add_host': {'host': 'compute2'}})
        made.append(_boot(cloud, 'func-zoned', 'func-zone'))
        server = helpers.wait_status(cloud, made[-1], 'ACTIVE')
        assert server['OS-EXT-SRV-ATTR:host'] == 'compute2'
        assert server['OS-EXT-AZ:availability_zone'] == 'func-zone'
        made.append(_boot(cloud, 'func-nova', 'nova'))
        server = helpers.wait_status(cloud, made[-1], 'ACTIVE')
        assert server['OS-EXT-SRV-ATTR:host'] == 'compute1'
        _api(cloud, 'PUT', '/os-services/' + svc['id'],
             {'status': 'disabled', 'disabled_reason': 'func'})
        made.append(_boot(cloud, 'func-disabled', 'func-zone'))
        server = helpers.wait_status(cloud, made[-1], 'ERROR')
        assert 'No valid host' in server['fault']['message']
    finally:
        _api(cloud, 'PUT', '/os-services/' + svc['id'],
             {'status': 'enabled'})
        for server_id in made:
            _api(cloud, 'DELETE', '/servers/' + server_id)
        for server_id in made:
            helpers.wait_gone(cloud, server_id)
        _api(cloud, 'POST', '/os-aggregates/%d/action' % agg['id'],
             {'remove_host': {'host': 'compute2'}})
        _api(cloud, 'DELETE', '/os-aggregates/%d' % agg['id'])
