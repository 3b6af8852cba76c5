"""The Neutron-shaped network API under /network through stock clients:
openstacksdk's network proxy and the `openstack` CLI (both through the
clouds.yaml `make run` writes, which points the network service at
/network), per-project isolation and the refusals Neutron and Nova give."""

import uuid

import openstack
import pytest
import requests

from novalite.tests.functional import helpers

N = '/network/v2.0'


_openstack = helpers.openstack_cli


def _net_http(cloud, method, path, token, **kw):
    return requests.request(method, cloud.endpoint + N + path,
                            headers={'X-Auth-Token': token}, timeout=30,
                            **kw)


def _name(prefix):
    return '%s-%s' % (prefix, uuid.uuid4().hex[:6])


def test_clouds_yaml_points_the_network_service_at_network(cloud):
    assert cloud.local.cloud_config()['network_endpoint_override'] == \
        cloud.endpoint + '/network'
    versions = requests.get(cloud.endpoint + '/network/', timeout=30).json()
    assert versions['versions'][0]['id'] == 'v2.0'


def test_sdk_network_proxy(cloud):
    sdk = cloud.sdk
    private = sdk.network.find_network('private', ignore_missing=False)
    assert private.id == cloud.network_id and private.is_shared
    (subnet,) = [s for s in sdk.network.subnets(network_id=private.id)]
    assert subnet.cidr == '10.0.0.0/24'
    net = sdk.network.create_network(name=_name('sdk-net'))
    try:
        sub = sdk.network.create_subnet(network_id=net.id, ip_version=4,
                                        cidr='192.168.77.0/24')
        assert sub.gateway_ip == '192.168.77.1'
        with pytest.raises(openstack.exceptions.BadRequestException) as err:
            sdk.network.create_subnet(network_id=net.id, ip_version=4,
                                      cidr='192.168.77.0/25')
        assert 'overlaps with another subnet' in str(err.value)
        port = sdk.network.create_port(network_id=net.id, name='sdk-port')
        assert port.fixed_ips == [{'subnet_id': sub.id,
                                   'ip_address': '192.168.77.2'}]
        assert [p.id for p in sdk.network.ports(network_id=net.id)] == [
            port.id]
        with pytest.raises(openstack.exceptions.ConflictException):
            sdk.network.delete_network(net)
        sdk.network.delete_port(port)
        sdk.network.delete_subnet(sub)
    finally:
        for p in sdk.network.ports(network_id=net.id):
            sdk.network.delete_port(p)
        sdk.network.delete_network(net, ignore_missing=True)
    assert sdk.network.find_network(net.id) is None
    exts = {e.alias for e in sdk.network.extensions()}
    assert 'security-group' in exts and 'router' not in exts


def test_another_projects_network_is_a_404(cloud):
    resp = _net_http(cloud, 'POST', '/networks', 'demo:demo',
                     json={'network': {'name': _name('demo-net')}})
    assert resp.status_code == 201, resp.text
    net = resp.json()['network']
    try:
        for method, path, body in (
                ('GET', '/networks/' + net['id'], None),
                ('DELETE', '/networks/' + net['id'], None),
                ('POST', '/subnets', {'subnet': {
                    'network_id': net['id'], 'cidr': '10.55.0.0/24',
                    'ip_version': 4}}),
                ('POST', '/ports', {'port': {'network_id': net['id']}})):
            resp = _net_http(cloud, method, path, 'alt:alt', json=body)
            assert resp.status_code == 404, (path, resp.text)
            assert resp.json()['NeutronError']['type'] == 'NetworkNotFound'
        listed = _net_http(cloud, 'GET', '/networks', 'alt:alt').json()
        assert net['id'] not in {n['id'] for n in listed['networks']}
    finally:
        assert _net_http(cloud, 'DELETE', '/networks/' + net['id'],
                         'demo:demo').status_code == 204


def test_unknown_security_group_on_boot_is_novas_400(cloud):
    before = cloud.count('SELECT COUNT(*) FROM instances')
    resp = cloud.http('POST', '/servers', json={'server': {
        'name': 'bad-sg', 'imageRef': cloud.image_id, 'flavorRef': '42',
        'networks': [{'uuid': cloud.network_id}],
        'security_groups': [{'name': 'no-such-group'}]}})
    assert resp.status_code == 400, resp.text
    assert 'no-such-group' in resp.json()['badRequest']['message']
    assert cloud.count('SELECT COUNT(*) FROM instances') == before


def test_cli_networks_groups_and_server_ports(cloud, tmp_path):
    nets = _openstack(cloud, tmp_path, 'network', 'list')
    assert 'private' in {n['Name'] for n in nets}
    subnets = _openstack(cloud, tmp_path, 'subnet', 'list')
    assert '10.0.0.0/24' in {s['Subnet'] for s in subnets}
    group = _name('web')
    created = _openstack(cloud, tmp_path, 'security', 'group', 'create',
                         group)
    rule = _openstack(cloud, tmp_path, 'security', 'group', 'rule',
                      'create', '--protocol', 'tcp', '--dst-port', '22',
                      group)
    assert rule['port_range_min'] == 22 and rule['direction'] == 'ingress'
    assert rule['security_group_id'] == created['id']
    server = _openstack(cloud, tmp_path, 'server', 'create', '--image',
                        cloud.image_id, '--flavor', 'm1.nano', '--network',
                        'private', '--security-group', group,
                        _name('net-cli'))
    try:
        helpers.wait_status(cloud, server['id'], 'ACTIVE')
        ports = _openstack(cloud, tmp_path, 'port', 'list', '--server',
                           server['id'])
        assert len(ports) == 1, ports
        port = _openstack(cloud, tmp_path, 'port', 'show', ports[0]['ID'])
        assert port['device_id'] == server['id']
        assert port['device_owner'].startswith('compute:')
        assert port['binding_host_id'] in ('compute1', 'compute2')
        # A port a live server uses cannot be deleted (409, kept).
        resp = _net_http(cloud, 'DELETE', '/ports/' + port['id'],
                         'admin:admin')
        assert resp.status_code == 409, resp.text
        assert resp.json()['NeutronError']['type'] == 'PortInUse'
    finally:
        cloud.sdk.compute.delete_server(server['id'])
        helpers.wait_gone(cloud, server['id'])
    _openstack(cloud, tmp_path, 'security', 'group', 'delete', group,
               ok=None)
    groups = _openstack(cloud, tmp_path, 'security', 'group', 'list')
    assert group not in {g['Name'] for g in groups}


def test_boot_an_existing_port(cloud):
    sdk = cloud.sdk
    port = sdk.network.create_port(network_id=cloud.network_id,
                                   name=_name('boot-port'))
    try:
        server = sdk.compute.create_server(
            name=_name('port-vm'), image_id=cloud.image_id, flavor_id='42',
            networks=[{'port': port.id}])
        helpers.wait_status(cloud, server.id, 'ACTIVE')
        bound = sdk.network.get_port(port.id)
        assert bound.device_id == server.id
        assert bound.binding_host_id in ('compute1', 'compute2')
        addresses = sdk.compute.get_server(server.id).addresses
        assert [a['addr'] for a in addresses['private']] == [
            port.fixed_ips[0]['ip_address']]
        resp = cloud.http('POST', '/servers', json={'server': {
            'name': 'port-taken', 'imageRef': cloud.image_id,
            'flavorRef': '42', 'networks': [{'port': port.id}]}})
        assert resp.status_code == 409, resp.text
        sdk.compute.delete_server(server)
        helpers.wait_gone(cloud, server.id)
        left = sdk.network.get_port(port.id)
        assert left.device_id == '' and left.fixed_ips == port.fixed_ips
    finally:
        sdk.network.delete_port(port, ignore_missing=True)


def test_cli_network_subnet_port_create_and_delete(cloud, tmp_path):
    name = _name('cli-net')
    net = _openstack(cloud, tmp_path, 'network', 'create', name)
    assert net['name'] == name and net['status'] == 'ACTIVE'
    try:
        sub = _openstack(cloud, tmp_path, 'subnet', 'create', '--network',
                         name, '--subnet-range', '192.168.88.0/24',
                         '--dns-nameserver', '192.168.88.53', name + '-sub')
        assert sub['cidr'] == '192.168.88.0/24'
        assert sub['gateway_ip'] == '192.168.88.1'
        out = _openstack(cloud, tmp_path, 'subnet', 'create', '--network',
                         name, '--subnet-range', '192.168.88.0/25',
                         name + '-overlap', ok=False)
        assert 'overlaps with another subnet' in out
        port = _openstack(cloud, tmp_path, 'port', 'create', '--network',
                          name, '--fixed-ip', 'ip-address=192.168.88.10',
                          name + '-port')
        assert port['fixed_ips'][0]['ip_address'] == '192.168.88.10'
        listed = _openstack(cloud, tmp_path, 'port', 'list', '--network',
                            name)
        assert [p['ID'] for p in listed] == [port['id']]
        _openstack(cloud, tmp_path, 'port', 'delete', port['id'], ok=None)
        _openstack(cloud, tmp_path, 'subnet', 'delete', sub['id'], ok=None)
    finally:
        _openstack(cloud, tmp_path, 'network', 'delete', name, ok=None)
    nets = _openstack(cloud, tmp_path, 'network', 'list')
    assert name not in {n['Name'] for n in nets}
