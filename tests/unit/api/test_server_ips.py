"""/servers/<id>/ips and /ips/<network label> (Nova's ips API) through the
real WSGI app and database."""

import pytest

from novalite.common.db import instances
from novalite.common.db import networks
from novalite.common import states

FLAVOR = {'id': 1, 'flavorid': '1', 'name': 'm1.tiny', 'memory_mb': 512,
          'vcpus': 1, 'root_gb': 1, 'ephemeral_gb': 0, 'swap': 0,
          'extra_specs': {}}


@pytest.fixture
def inst(db, admin):
    blue = networks.create_network(admin, 'blue', '10.61.0.0/24')
    green = networks.create_network(admin, 'green', '10.62.0.0/24')
    row = {'display_name': 'vm', 'project_id': 'p1', 'user_id': 'alice',
           'flavor': dict(FLAVOR), 'host': 'h1', 'node': 'h1',
           'vm_state': states.ACTIVE, 'task_state': None,
           'power_state': states.RUNNING}
    return instances.create_instances(admin, [row], {},
                                      [blue['uuid'], green['uuid']])[0]


def _url(inst, label=None):
    url = '/v2.1/servers/%s/ips' % inst['uuid']
    return url + '/' + label if label else url


def test_index_lists_addresses_by_network_without_extended_fields(
        client, inst):
    resp = client.get(_url(inst))
    assert resp.status_code == 200, resp.body
    assert resp.data == {'addresses': {
        'blue': [{'version': 4, 'addr': '10.61.0.2'}],
        'green': [{'version': 4, 'addr': '10.62.0.2'}]}}


def test_show_one_network(client, inst):
    resp = client.get(_url(inst, 'green'))
    assert resp.status_code == 200, resp.body
    assert resp.data == {'green': [{'version': 4, 'addr': '10.62.0.2'}]}


def test_network_the_server_is_not_on_is_404(client, inst):
    resp = client.get(_url(inst, 'red'))
    assert resp.status_code == 404
    assert resp.data['itemNotFound']['message'] == \
        'Instance is not a member of specified network'
    assert client.get(_url(inst, 'green') + '/x').status_code == 404


def test_other_project_and_missing_server_are_404(client, inst):
    assert client.get(_url(inst), token='bob:p2').status_code == 404
    resp = client.get('/v2.1/servers/%s/ips' % ('0' * 8 + '-0000-4000-8000-'
                                                + '0' * 12))
    assert resp.status_code == 404


def test_writes_are_405(client, inst):
    assert client.post(_url(inst), {}).status_code == 405
    assert client.delete(_url(inst, 'blue')).status_code == 405
