"""Ports as the compute host plugs them, on libvirt's test hypervisor: the
domain's NIC (the port's MAC, the port's filter), the host's libvirt network
with a static DHCP entry per port, both gone with the server; the port
information the conductor hands the host (subnet, group rules with remote
groups expanded to members); and the refusals of bad network input."""

import base64
import uuid

import requests

from novalite.common import config
from novalite.common import context as nl_context
from novalite.conductor import rpcapi as conductor_rpcapi
from novalite.tests.functional import helpers

N = '/network/v2.0'
TOKEN = 'netuser:netproj'


def _net(cloud, method, path, expect, token=TOKEN, **kw):
    rsp = requests.request(method, cloud.endpoint + N + path,
                           headers={'X-Auth-Token': token}, timeout=30, **kw)
    assert rsp.status_code == expect, (method, path, rsp.status_code,
                                       rsp.text)
    return rsp.json() if rsp.content else None


def _network(cloud, cidr):
    net = _net(cloud, 'POST', '/networks', 201, json={
        'network': {'name': 'fn-%s' % uuid.uuid4().hex[:6]}})['network']
    _net(cloud, 'POST', '/subnets', 201, json={'subnet': {
        'network_id': net['id'], 'cidr': cidr, 'ip_version': 4}})
    return net


def _boot(cloud, networks, expect=202, token=TOKEN, **extra):
    body = {'name': 'fn-net', 'imageRef': cloud.image_id, 'flavorRef': '1',
            'networks': networks}
    body.update(extra)
    rsp = cloud.http('POST', '/servers', json={'server': body}, token=token)
    assert rsp.status_code == expect, rsp.text
    return rsp.json()['server']['id'] if expect == 202 else rsp.json()


def _guests(cloud, host):
    return helpers.compute_api(cloud).list_guests(
        nl_context.get_admin_context(), host, timeout=30)


def _port_of(cloud, server_id):
    (port,) = _net(cloud, 'GET', '/ports?device_id=' + server_id,
                   200)['ports']
    return port


def _delete(cloud, server_id):
    cloud.http('DELETE', '/servers/%s' % server_id, token=TOKEN)
    helpers.wait_gone(cloud, server_id)


def test_nic_and_dhcp_entry_follow_the_port_and_go_with_the_server(cloud):
    net = _network(cloud, '10.61.0.0/24')
    server_id = _boot(cloud, [{'uuid': net['id']}])
    server = helpers.wait_status(cloud, server_id, 'ACTIVE')
    host = server['OS-EXT-SRV-ATTR:host'] if 'OS-EXT-SRV-ATTR:host' in \
        server else helpers.instance_record(cloud, server_id)['host']
    port = _port_of(cloud, server_id)
    guests = _guests(cloud, host)
    assert guests['domains'][server_id]['nics'] == [{
        'network_id': net['id'], 'mac_address': port['mac_address'],
        'filter': 'novalite-port-' + port['id']}]
    ip = port['fixed_ips'][0]['ip_address']
    assert guests['networks'][net['id']]['dhcp_hosts'] == [
        [port['mac_address'], ip]]
    _delete(cloud, server_id)
    assert net['id'] not in _guests(cloud, host)['networks']


def test_existing_port_boots_with_its_own_mac(cloud):
    net = _network(cloud, '10.62.0.0/24')
    port = _net(cloud, 'POST', '/ports', 201, json={
        'port': {'network_id': net['id']}})['port']
    server_id = _boot(cloud, [{'port': port['id']}])
    helpers.wait_status(cloud, server_id, 'ACTIVE')
    host = helpers.instance_record(cloud, server_id)['host']
    (nic,) = _guests(cloud, host)['domains'][server_id]['nics']
    assert nic['mac_address'] == port['mac_address']
    # The same port for a second server: Nova's 409, nothing left behind.
    before = cloud.rows('SELECT COUNT(*) FROM instances WHERE deleted = 0')
    _boot(cloud, [{'port': port['id']}], expect=409)
    assert cloud.rows('SELECT COUNT(*) FROM instances WHERE deleted = 0') \
        == before
    _delete(cloud, server_id)


def test_conductor_hands_the_host_subnet_and_member_addresses(cloud):
    net = _network(cloud, '10.63.0.0/24')
    first = _boot(cloud, [{'uuid': net['id']}])
    second = _boot(cloud, [{'uuid': net['id']}])
    for server_id in (first, second):
        helpers.wait_status(cloud, server_id, 'ACTIVE')
    conf = config.parse_args(['--config-file', cloud.local.conf_file])
    conductor = conductor_rpcapi.ConductorAPI(conf)
    (port,) = conductor.get_network_info(nl_context.get_admin_context(),
                                         first)
    assert port['subnet']['cidr'] == '10.63.0.0/24'
    assert port['subnet']['gateway_ip'] == '10.63.0.1'
    (group,) = port['security_groups']
    ingress = [r for r in group['rules'] if r['direction'] == 'ingress'
               and r['ethertype'] == 'IPv4']
    (rule,) = ingress
    addresses = {_port_of(cloud, s)['fixed_ips'][0]['ip_address']
                 for s in (first, second)}
    # The project's default group admits its members, and only them.
    assert addresses <= set(rule['remote_ips'])
    for server_id in (first, second):
        _delete(cloud, server_id)


def test_network_of_another_project_is_refused(cloud):
    net = _network(cloud, '10.64.0.0/24')
    body = _boot(cloud, [{'uuid': net['id']}], expect=400,
                 token='other:otherproj')
    assert 'could not be found' in body['badRequest']['message']


def test_unknown_security_group_is_refused(cloud):
    body = _boot(cloud, [{'uuid': cloud.network_id}], expect=400,
                 security_groups=[{'name': 'no-such-group'}])
    assert 'no-such-group' in body['badRequest']['message']


def test_user_data_not_base64_or_too_big_is_refused(cloud):
    body = _boot(cloud, [{'uuid': cloud.network_id}], expect=400,
                 user_data='not base64 !!')
    assert 'user_data' in body['badRequest']['message']
    big = base64.b64encode(b'x' * (65535 + 1)).decode()
    _boot(cloud, [{'uuid': cloud.network_id}], expect=400, user_data=big)


def test_overlapping_subnet_is_refused(cloud):
    net = _network(cloud, '10.65.0.0/24')
    body = _net(cloud, 'POST', '/subnets', 400, json={'subnet': {
        'network_id': net['id'], 'cidr': '10.65.0.128/25',
        'ip_version': 4}})
    assert 'overlaps' in body['NeutronError']['message']
