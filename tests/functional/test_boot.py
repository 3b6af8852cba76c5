"""Booting and deleting servers through the whole path over RabbitMQ."""



from novalite.tests.functional import helpers

# Run on SQLite, MariaDB and PostgreSQL in `make test` (conftest.py).
ALL_BACKENDS = True


def test_boot_ten_servers_spread_over_hosts_then_delete(cloud):
    sdk = cloud.sdk
    flavor = sdk.compute.find_flavor('m1.nano')
    servers = [sdk.compute.create_server(
        name='func-%d' % i, image_id=cloud.image_id, flavor_id=flavor.id,
        networks=[{'uuid': cloud.network_id}]) for i in range(10)]
    active = [sdk.compute.wait_for_server(s, status='ACTIVE', wait=60,
                                          interval=0.1) for s in servers]

    assert {s.status for s in active} == {'ACTIVE'}
    hosts = {s.compute_host for s in active}
    assert hosts == {'compute1', 'compute2'}
    for server in active:
        assert server.power_state == 1
        assert server.vm_state == 'active'
        assert server.task_state is None
        (addr,) = [a for net in server.addresses.values() for a in net]
        assert addr['addr'].startswith('10.0.0.')
        # The domain exists on the host the API names.
        diag = helpers.diagnostics(cloud, server.id)
        assert diag['state'] == 'running'
    assert len({a['addr'] for s in active
                for net in s.addresses.values() for a in net}) == 10
    assert cloud.count('SELECT COUNT(*) FROM allocations') == 10

    records = [helpers.instance_record(cloud, s.id) for s in active]
    for server in active:
        sdk.compute.delete_server(server)
    for server in active:
        sdk.compute.wait_for_delete(server, wait=60, interval=0.1)
        rsp = cloud.http('GET', '/servers/%s' % server.id)
        assert rsp.status_code == 404
        assert rsp.json()['itemNotFound']['code'] == 404
    for record in records:
        assert not helpers.domain_exists(cloud, record)
    assert cloud.count('SELECT COUNT(*) FROM allocations') == 0
    assert cloud.count('SELECT COUNT(*) FROM ports') == 0


def test_novaclient_shaped_body_over_raw_http(cloud):
    body = {'server': {
        'name': 'raw-http', 'imageRef': cloud.image_id,
        'availability_zone': 'nova', 'flavorRef': '1',
        'OS-DCF:diskConfig': 'AUTO', 'max_count': 1, 'min_count': 1,
        'networks': [{'uuid': cloud.network_id}],
        'security_groups': [{'name': 'default'}]}}
    rsp = cloud.http('POST', '/servers', json=body)
    assert rsp.status_code == 202, rsp.text
    created = rsp.json()['server']
    assert set(created) >= {'id', 'links', 'OS-DCF:diskConfig',
                            'security_groups', 'adminPass'}
    assert created['security_groups'] == [{'name': 'default'}]
    assert rsp.headers['Location'].endswith('/servers/%s' % created['id'])
    assert rsp.headers['x-openstack-request-id'].startswith('req-')

    server = helpers.wait_status(cloud, created['id'], 'ACTIVE')
    assert server['name'] == 'raw-http'
    assert server['flavor']['id'] == '1'
    assert server['image']['id'] == cloud.image_id
    assert server['OS-EXT-STS:power_state'] == 1
    assert server['OS-EXT-SRV-ATTR:host'] in ('compute1', 'compute2')
    assert cloud.http('DELETE', '/servers/%s' % created['id']).status_code == 204
    helpers.wait_gone(cloud, created['id'])


def test_min_count_boots_several(cloud):
    body = {'server': {'name': 'multi', 'imageRef': cloud.image_id,
                       'flavorRef': '42', 'min_count': 3, 'max_count': 3,
                       'networks': [{'uuid': cloud.network_id}]}}
    assert cloud.http('POST', '/servers', json=body).status_code == 202
    listing = cloud.http('GET', '/servers/detail?name=^multi').json()['servers']
    assert len(listing) == 3
    for server in listing:
        helpers.wait_status(cloud, server['id'], 'ACTIVE')
        assert cloud.http('DELETE', '/servers/%s' % server['id']).status_code == 204
    for server in listing:
        helpers.wait_gone(cloud, server['id'])
