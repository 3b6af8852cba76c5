"""accessIPv6 is stored and shown in its canonical compressed form, as
Nova does, on create, update and rebuild; what is not an IPv6 address is
a 400 (tempest's test_create_server_with_ipv6_addr_only and
test_update_access_server_address)."""

import pytest

from novalite.api import access_ip
from novalite.common.db import images
from novalite.common.db import instances
from novalite.tests.unit.api import test_server_actions as actions
from novalite.tests.unit.api import test_servers as servers

ODD = '0000:0000:0000:0000:0000:babe:220.12.22.2'
CANONICAL = '::babe:dc0c:1602'

conductor = servers.conductor
compute = actions.compute


@pytest.mark.parametrize('given, shown', [
    (ODD, CANONICAL), ('2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'),
    ('::ffff:1.2.3.4', '::ffff:1.2.3.4'), ('::1', '::1'), ('', ''),
    (None, None)])
def test_canonical_v6(given, shown):
    assert access_ip.canonical_v6(given) == shown


def test_create_stores_and_shows_the_canonical_form(client, cloud,
                                                    conductor, admin):
    resp = client.post('/v2.1/servers', servers._body(cloud,
                                                       accessIPv6=ODD))
    assert resp.status_code == 202, resp.data
    sid = resp.data['server']['id']
    assert instances.get(admin, sid)['access_ip_v6'] == CANONICAL
    shown = client.get('/v2.1/servers/' + sid).data['server']
    assert shown['accessIPv6'] == CANONICAL


def test_update_stores_and_answers_the_canonical_form(client, cloud, admin):
    inst = actions._server(admin, cloud)
    resp = client.request('PUT', '/v2.1/servers/' + inst['uuid'],
                          {'server': {'accessIPv6': ODD,
                                      'accessIPv4': '1.1.1.1'}})
    assert resp.status_code == 200, resp.data
    assert resp.data['server']['accessIPv6'] == CANONICAL
    assert instances.get(admin, inst['uuid'])['access_ip_v6'] == CANONICAL


def test_rebuild_stores_and_answers_the_canonical_form(client, cloud,
                                                       compute, admin):
    inst = actions._server(admin, cloud)
    new = images.create(admin, {'name': 'new', 'status': 'active',
                                'visibility': 'public',
                                'disk_format': 'qcow2',
                                'container_format': 'bare', 'size': 9})
    resp = actions._action(client, inst['uuid'], {'rebuild': {
        'imageRef': new['id'], 'accessIPv6': ODD}})
    assert resp.status_code == 202, resp.data
    assert resp.data['server']['accessIPv6'] == CANONICAL
    assert instances.get(admin, inst['uuid'])['access_ip_v6'] == CANONICAL


@pytest.mark.parametrize('bad', ['foo', '1.2.3.4', 'fe80::1::2',
                                 '::babe:220.12.22.256'])
def test_invalid_ipv6_is_400(client, cloud, conductor, admin, bad):
    resp = client.post('/v2.1/servers', servers._body(cloud,
                                                      accessIPv6=bad))
    assert resp.status_code == 400
    assert resp.data['badRequest']['message'].startswith(
        'Invalid input for field/attribute accessIPv6.')
    inst = actions._server(admin, cloud)
    resp = client.request('PUT', '/v2.1/servers/' + inst['uuid'],
                          {'server': {'accessIPv6': bad}})
    assert resp.status_code == 400
