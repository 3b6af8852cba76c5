"""/network: the Neutron v2.0-compatible network API."""

import pytest

from novalite.common.db import instances

NET = '/network/v2.0/networks'
SUBNETS = '/network/v2.0/subnets'
PORTS = '/network/v2.0/ports'
SGS = '/network/v2.0/security-groups'
RULES = '/network/v2.0/security-group-rules'
BOB = 'bob:p2'


def _error(resp, code, type_):
    assert resp.status_code == code, resp.body
    assert set(resp.data['NeutronError']) == {'type', 'message', 'detail'}
    assert resp.data['NeutronError']['type'] == type_, resp.data


def _net(client, name='mine', token='alice:p1', cidr='192.168.5.0/24'):
    net = client.post(NET, {'network': {'name': name}}, token=token)
    assert net.status_code == 201, net.body
    net = net.data['network']
    sub = client.post(SUBNETS, {'subnet': {
        'network_id': net['id'], 'cidr': cidr, 'ip_version': 4,
        'name': name + '-sub'}}, token=token)
    assert sub.status_code == 201, sub.body
    return net, sub.data['subnet']


def test_versions_and_extensions(client):
    resp = client.get('/network/', token=None)
    assert resp.status_code == 200
    (version,) = resp.data['versions']
    assert version['id'] == 'v2.0' and version['status'] == 'CURRENT'
    assert version['links'][0]['href'].endswith('/network/v2.0/')
    exts = client.get('/network/v2.0/extensions').data['extensions']
    aliases = {e['alias'] for e in exts}
    assert {'security-group', 'binding'} <= aliases
    assert 'router' not in aliases
    assert client.get('/network/v2.0/extensions/binding').data[
        'extension']['alias'] == 'binding'
    _error(client.get('/network/v2.0/extensions/router'), 404,
           'HTTPNotFound')
    resources = client.get('/network/v2.0/').data['resources']
    assert {r['collection'] for r in resources} >= {'networks', 'ports'}


def test_default_network_is_shared_with_its_subnet(client, cloud):
    nets = client.get(NET).data['networks']
    assert [n['name'] for n in nets] == ['private']
    net = nets[0]
    assert net['id'] == cloud['network']['uuid']
    assert net['shared'] is True and net['status'] == 'ACTIVE'
    (sub_id,) = net['subnets']
    sub = client.get(SUBNETS + '/' + sub_id).data['subnet']
    assert sub['cidr'] == '10.0.0.0/24' and sub['gateway_ip'] == '10.0.0.1'
    assert sub['allocation_pools'] == [{'start': '10.0.0.2',
                                        'end': '10.0.0.254'}]
    assert client.get(NET + '?name=private').data['networks'][0][
        'id'] == net['id']
    assert client.get(NET + '?name=nope').data['networks'] == []
    only = client.get(NET + '?fields=id&fields=name').data['networks'][0]
    assert set(only) == {'id', 'name'}


def test_network_crud_and_project_isolation(client, cloud):
    net, sub = _net(client)
    assert net['project_id'] == 'p1' and net['tenant_id'] == 'p1'
    assert net['shared'] is False and net['admin_state_up'] is True
    shown = client.get(NET + '/' + net['id']).data['network']
    assert shown['subnets'] == [sub['id']]
    # Another project neither lists nor sees it: Neutron's 404.
    assert net['id'] not in {n['id'] for n in
                             client.get(NET, token=BOB).data['networks']}
    resp = client.get(NET + '/' + net['id'], token=BOB)
    _error(resp, 404, 'NetworkNotFound')
    assert resp.data['NeutronError']['message'] == (
        'Network %s could not be found.' % net['id'])
    _error(client.delete(NET + '/' + net['id'], token=BOB), 404,
           'NetworkNotFound')
    _error(client.post(SUBNETS, {'subnet': {
        'network_id': net['id'], 'cidr': '10.9.0.0/24', 'ip_version': 4}},
        token=BOB), 404, 'NetworkNotFound')
    # The admin sees everything.
    assert net['id'] in {n['id'] for n in client.get(
        NET, token='admin:admin').data['networks']}
    upd = client.request('PUT', NET + '/' + net['id'],
                         {'network': {'name': 'renamed'}})
    assert upd.status_code == 200 and upd.data['network']['name'] == 'renamed'
    _error(client.request('PUT', NET + '/' + net['id'],
                          {'network': {'shared': True}}), 403,
           'PolicyNotAuthorized')
    assert client.delete(SUBNETS + '/' + sub['id']).status_code == 204
    resp = client.delete(NET + '/' + net['id'])
    assert resp.status_code == 204 and not resp.body
    _error(client.get(NET + '/' + net['id']), 404, 'NetworkNotFound')


def test_bad_network_bodies(client, cloud):
    _error(client.post(NET, {'network': {'bogus': 1}}), 400,
           'HTTPBadRequest')
    _error(client.post(NET, {'network': {'admin_state_up': 'maybe'}}), 400,
           'InvalidInput')
    _error(client.post(NET, {'nope': {}}), 400, 'HTTPBadRequest')
    _error(client.post(NET, {'network': {'shared': True}}), 403,
           'PolicyNotAuthorized')
    resp = client.post(NET, {'network': {'name': 'pub', 'shared': True}},
                       token='admin:admin')
    assert resp.status_code == 201 and resp.data['network']['shared']
    assert 'pub' in {n['name'] for n in client.get(NET, token=BOB).data[
        'networks']}


def test_subnet_validation(client, cloud):
    net, sub = _net(client)
    resp = client.post(SUBNETS, {'subnet': {
        'network_id': net['id'], 'cidr': '192.168.5.128/25',
        'ip_version': 4}})
    _error(resp, 400, 'InvalidInput')
    assert 'overlaps with another subnet' in resp.data['NeutronError'][
        'message']
    _error(client.post(SUBNETS, {'subnet': {
        'network_id': net['id'], 'cidr': 'banana', 'ip_version': 4}}),
        400, 'InvalidInput')
    _error(client.post(SUBNETS, {'subnet': {
        'network_id': net['id'], 'cidr': '10.7.0.0/24', 'ip_version': 6}}),
        400, 'InvalidInput')
    _error(client.post(SUBNETS, {'subnet': {
        'network_id': net['id'], 'cidr': '10.7.0.0/24'}}),
        400, 'HTTPBadRequest')
    v6 = client.post(SUBNETS, {'subnet': {
        'network_id': net['id'], 'cidr': 'fd00:1::/64', 'ip_version': 6}})
    assert v6.status_code == 201 and v6.data['subnet']['ip_version'] == 6
    _error(client.get(SUBNETS + '/nope'), 404, 'SubnetNotFound')


def test_ports(client, cloud):
    net, sub = _net(client)
    resp = client.post(PORTS, {'port': {'network_id': net['id'],
                                        'name': 'p'}})
    assert resp.status_code == 201, resp.body
    port = resp.data['port']
    assert port['fixed_ips'] == [{'subnet_id': sub['id'],
                                  'ip_address': '192.168.5.2'}]
    assert port['device_id'] == '' and port['status'] == 'DOWN'
    assert port['mac_address'].startswith('fa:16:3e:')
    assert 'binding:host_id' not in port
    (default,) = port['security_groups']
    assert client.get(SGS + '/' + default).data['security_group'][
        'name'] == 'default'
    fixed = client.post(PORTS, {'port': {
        'network_id': net['id'],
        'fixed_ips': [{'ip_address': '192.168.5.9'}]}})
    assert fixed.status_code == 201
    _error(client.post(PORTS, {'port': {
        'network_id': net['id'],
        'fixed_ips': [{'ip_address': '192.168.5.9'}]}}), 409,
        'IpAddressAlreadyAllocated')
    _error(client.post(PORTS, {'port': {
        'network_id': net['id'],
        'fixed_ips': [{'ip_address': '10.1.1.1'}]}}), 400, 'InvalidInput')
    _error(client.post(PORTS, {'port': {}}), 400, 'HTTPBadRequest')
    _error(client.post(PORTS, {'port': {'network_id': net['id']}},
                       token=BOB), 404, 'NetworkNotFound')
    listed = client.get(PORTS + '?fixed_ips=ip_address=192.168.5.9').data
    assert [p['id'] for p in listed['ports']] == [fixed.data['port']['id']]
    assert client.get(PORTS, token=BOB).data['ports'] == []
    _error(client.get(PORTS + '/' + port['id'], token=BOB), 404,
           'PortNotFound')
    admin_view = client.get(PORTS + '/' + port['id'],
                            token='admin:admin').data['port']
    assert admin_view['binding:host_id'] == ''
    page = client.get(PORTS + '?limit=1').data
    assert len(page['ports']) == 1 and page['ports_links'][0]['rel'] == 'next'
    _error(client.delete(NET + '/' + net['id']), 409, 'NetworkInUse')
    _error(client.delete(SUBNETS + '/' + sub['id']), 409, 'SubnetInUse')
    assert client.delete(PORTS + '/' + port['id']).status_code == 204
    _error(client.delete(PORTS + '/' + port['id']), 404, 'PortNotFound')


def test_security_groups_and_rules(client, cloud):
    groups = client.get(SGS).data['security_groups']
    (default,) = [g for g in groups if g['name'] == 'default']
    assert default['project_id'] == 'p1'
    rules = {(r['direction'], r['ethertype'], r['remote_group_id'])
             for r in default['security_group_rules']}
    assert rules == {('egress', 'IPv4', None), ('egress', 'IPv6', None),
                     ('ingress', 'IPv4', default['id']),
                     ('ingress', 'IPv6', default['id'])}
    resp = client.post(SGS, {'security_group': {'name': 'web',
                                                'description': 'w'}})
    assert resp.status_code == 201
    web = resp.data['security_group']
    rule = client.post(RULES, {'security_group_rule': {
        'security_group_id': web['id'], 'direction': 'ingress',
        'protocol': 'tcp', 'port_range_min': 22, 'port_range_max': 22,
        'remote_ip_prefix': '0.0.0.0/0'}})
    assert rule.status_code == 201, rule.body
    rule = rule.data['security_group_rule']
    assert rule['ethertype'] == 'IPv4' and rule['protocol'] == 'tcp'
    _error(client.post(RULES, {'security_group_rule': {
        'security_group_id': web['id'], 'direction': 'ingress',
        'protocol': 'tcp', 'port_range_min': 22, 'port_range_max': 22,
        'remote_ip_prefix': '0.0.0.0/0'}}), 409, 'SecurityGroupRuleExists')
    _error(client.post(RULES, {'security_group_rule': {
        'security_group_id': web['id'], 'direction': 'ingress',
        'port_range_min': 22}}), 400,
        'SecurityGroupProtocolRequiredWithPorts')
    _error(client.post(RULES, {'security_group_rule': {
        'security_group_id': web['id'], 'direction': 'sideways'}}),
        400, 'InvalidInput')
    _error(client.post(RULES, {'security_group_rule': {
        'security_group_id': web['id'], 'direction': 'ingress',
        'ethertype': 'IPv6', 'remote_ip_prefix': '10.0.0.0/8'}}),
        400, 'SecurityGroupRuleParameterConflict')
    _error(client.get(SGS + '/' + web['id'], token=BOB), 404,
           'SecurityGroupNotFound')
    _error(client.post(RULES, {'security_group_rule': {
        'security_group_id': web['id'], 'direction': 'ingress'}},
        token=BOB), 404, 'SecurityGroupNotFound')
    listed = client.get(RULES + '?security_group_id=' + web['id']).data
    assert rule['id'] in {r['id'] for r in listed['security_group_rules']}
    assert client.delete(RULES + '/' + rule['id']).status_code == 204
    _error(client.get(RULES + '/' + rule['id']), 404,
           'SecurityGroupRuleNotFound')
    # A group a port is in cannot go.
    port = client.post(PORTS, {'port': {
        'network_id': cloud['network']['uuid'],
        'security_groups': [web['id']]}}).data['port']
    assert port['security_groups'] == [web['id']]
    _error(client.delete(SGS + '/' + web['id']), 409, 'SecurityGroupInUse')
    _error(client.delete(SGS + '/' + default['id']), 409,
           'SecurityGroupCannotRemoveDefault')
    client.delete(PORTS + '/' + port['id'])
    assert client.delete(SGS + '/' + web['id']).status_code == 204


def test_server_ports_show_device_and_refuse_delete(client, cloud):
    resp = client.post('/v2.1/servers', {'server': {
        'name': 's1', 'imageRef': cloud['image']['id'], 'flavorRef': '1'}})
    assert resp.status_code == 202, resp.body
    server_id = resp.data['server']['id']
    ports = client.get(PORTS + '?device_id=' + server_id).data['ports']
    assert len(ports) == 1
    port = ports[0]
    assert port['device_owner'].startswith('compute:')
    assert port['network_id'] == cloud['network']['uuid']
    assert port['project_id'] == 'p1'
    assert port['fixed_ips'][0]['ip_address'].startswith('10.0.0.')
    _error(client.delete(PORTS + '/' + port['id']), 409, 'PortInUse')


@pytest.mark.parametrize('path', [NET, SUBNETS, PORTS, SGS, RULES])
def test_unknown_ids_are_neutron_404s(client, cloud, path):
    resp = client.get(path + '/00000000-0000-0000-0000-000000000000')
    assert resp.status_code == 404
    assert resp.data['NeutronError']['type'].endswith('NotFound')


def _boot(client, cloud, networks, token='alice:p1', **extra):
    return client.post('/v2.1/servers', {'server': dict({
        'name': 'with-port', 'imageRef': cloud['image']['id'],
        'flavorRef': '1', 'networks': networks}, **extra)}, token=token)


def test_boot_an_existing_port(client, cloud, admin):
    port = client.post(PORTS, {'port': {
        'network_id': cloud['network']['uuid'], 'name': 'mine'}}).data['port']
    resp = _boot(client, cloud, [{'port': port['id']}])
    assert resp.status_code == 202, resp.body
    server_id = resp.data['server']['id']
    bound = client.get(PORTS + '/' + port['id']).data['port']
    assert bound['device_id'] == server_id
    assert bound['device_owner'] == 'compute:nova'
    assert client.get(PORTS + '?device_id=' + server_id).data['ports'] == [
        bound]
    # Bound: neither a second server nor a delete may take it.
    again = _boot(client, cloud, [{'port': port['id']}])
    assert again.status_code == 409, again.body
    assert again.data['conflictingRequest']['message'] == (
        'Port %s is still in use.' % port['id'])
    _error(client.delete(PORTS + '/' + port['id']), 409, 'PortInUse')
    # The server gone, the port stays, unbound, as Nova leaves it; the
    # ports a boot made go with their server.
    made = _boot(client, cloud, [{'uuid': cloud['network']['uuid']},
                                 {'port': client.post(PORTS, {'port': {
                                     'network_id': cloud['network']['uuid']
                                 }}).data['port']['id']}])
    assert made.status_code == 202, made.body
    made_id = made.data['server']['id']
    assert len(client.get(PORTS + '?device_id=' + made_id).data[
        'ports']) == 2
    instances.destroy(admin, server_id)
    instances.destroy(admin, made_id)
    left = client.get(PORTS + '/' + port['id']).data['port']
    assert left['device_id'] == '' and left['device_owner'] == ''
    assert left['fixed_ips'] == bound['fixed_ips']
    assert len(client.get(PORTS).data['ports']) == 2
    assert client.delete(PORTS + '/' + port['id']).status_code == 204


def test_boot_port_refusals(client, cloud):
    port = client.post(PORTS, {'port': {
        'network_id': cloud['network']['uuid']}}).data['port']
    other = _boot(client, cloud, [{'port': port['id']}], token=BOB)
    assert other.status_code == 400, other.body
    assert 'could not be found' in other.data['badRequest']['message']
    many = _boot(client, cloud, [{'port': port['id']}], min_count=2)
    assert many.status_code == 400, many.body
    assert 'single configured port ID' in many.data['badRequest']['message']
    assert client.get(PORTS + '/' + port['id']).data['port'][
        'device_id'] == ''


JUNK = [None, 0, -1, 2 ** 70, 1.5, True, '', 'x' * 300, [], [1], {},
        {'a': 1}, '10.0.0.0/33', '::1', '\u2603', '00000000-0000']


@pytest.mark.parametrize('path,resource,fields', [
    (NET, 'network', ('name', 'admin_state_up', 'shared', 'description')),
    (SUBNETS, 'subnet', ('network_id', 'cidr', 'ip_version', 'gateway_ip',
                         'dns_nameservers', 'enable_dhcp')),
    (PORTS, 'port', ('network_id', 'fixed_ips', 'mac_address',
                     'security_groups', 'device_id', 'admin_state_up')),
    (SGS, 'security_group', ('name', 'description', 'stateful')),
    (RULES, 'security_group_rule', ('direction', 'ethertype', 'protocol',
                                    'port_range_min', 'remote_ip_prefix',
                                    'remote_group_id')),
])
def test_junk_bodies_are_neutron_4xx(client, cloud, path, resource, fields):
    net = cloud['network']['uuid']
    base = {'network': {}, 'subnet': {'network_id': net, 'cidr':
                                      '10.77.0.0/24', 'ip_version': 4},
            'port': {'network_id': net}, 'security_group': {'name': 'j'},
            'security_group_rule': {'direction': 'ingress'}}[resource]
    for field in fields:
        for value in JUNK:
            resp = client.post(path, {resource: dict(base, **{field: value})})
            assert resp.status_code < 500, (field, value, resp.body)
            if resp.status_code >= 400:
                assert 'NeutronError' in resp.data, (field, value)
            elif resp.status_code == 201:
                item = resp.data[resource]
                client.delete(path + '/' + item['id'])
    for raw in (b'{', b'[]', b'"x"', b'{"%s": []}' % resource.encode()):
        resp = client.request('POST', path, raw=raw,
                              headers={'Content-Type': 'application/json'})
        assert resp.status_code == 400, raw
        assert 'NeutronError' in resp.data


@pytest.mark.parametrize('query', ['limit=abc', 'limit=-1', 'marker=zz',
                                   'fields=', 'name=%FF', 'sort_key=x',
                                   'shared=maybe', 'fixed_ips=junk'])
def test_junk_queries_never_500(client, cloud, query):
    for path in (NET, SUBNETS, PORTS, SGS, RULES):
        resp = client.get(path + '?' + query)
        assert resp.status_code in (200, 400), (path, query, resp.body)


def test_unknown_paths_and_methods_are_neutron_faults(client, cloud):
    _error(client.get('/network/v2.0/routers'), 404, 'HTTPNotFound')
    _error(client.request('PATCH', NET), 405, 'HTTPMethodNotAllowed')
    _error(client.get(NET + '/x/y'), 404, 'HTTPNotFound')


def test_server_ports_carry_the_servers_groups(client, cloud, admin):
    web = client.post(SGS, {'security_group': {'name': 'web'}}).data[
        'security_group']
    resp = client.post('/v2.1/servers', {'server': {
        'name': 's-web', 'imageRef': cloud['image']['id'], 'flavorRef': '1',
        'security_groups': [{'name': 'web'}]}})
    assert resp.status_code == 202, resp.body
    server_id = resp.data['server']['id']
    (port,) = client.get(PORTS + '?device_id=' + server_id).data['ports']
    assert port['security_groups'] == [web['id']]
    _error(client.delete(SGS + '/' + web['id']), 409, 'SecurityGroupInUse')
    instances.destroy(admin, server_id)
    assert client.delete(SGS + '/' + web['id']).status_code == 204


def test_rules_are_read_only_and_shared_is_checked_when_set(client, cloud):
    """Neutron's answers (found by the isolation matrix): a PUT of a
    security group rule is a 400 for everyone, before the lookup and the
    policy (it was a 500: no update policy is registered for rules); a
    member setting ``shared`` on its network is refused even when the
    value does not change."""
    default = [g for g in client.get(SGS).data['security_groups']
               if g['name'] == 'default'][0]
    rule_id = default['security_group_rules'][0]['id']
    for token in ('alice:p1', 'admin:admin', BOB):
        resp = client.request('PUT', RULES + '/' + rule_id, {
            'security_group_rule': {'direction': 'egress'}}, token=token)
        _error(resp, 400, 'HTTPBadRequest')
        assert resp.data['NeutronError']['message'] == \
            'Cannot update read-only attribute direction'
    net, _sub = _net(client)
    resp = client.request('PUT', NET + '/' + net['id'],
                          {'network': {'shared': False}})
    _error(resp, 403, 'PolicyNotAuthorized')
    resp = client.request('PUT', NET + '/' + net['id'],
                          {'network': {'shared': False}}, token='admin:admin')
    assert resp.status_code == 200, resp.body
