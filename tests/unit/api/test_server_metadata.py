"""/servers/<id>/metadata through the real WSGI app and database."""

import pytest

from novalite.api import policy
from novalite.common import context

from novalite.common.db import instances
from novalite.common import states

FLAVOR = {'id': 1, 'flavorid': '1', 'name': 'm1.tiny', 'memory_mb': 512,
          'vcpus': 1, 'root_gb': 1, 'ephemeral_gb': 0, 'swap': 0,
          'extra_specs': {}}


def _server(admin, project='p1', **values):
    row = {'display_name': 'vm', 'project_id': project, 'user_id': 'alice',
           'flavor': dict(FLAVOR), 'host': 'h1', 'node': 'h1',
           'vm_state': states.ACTIVE, 'task_state': None,
           'power_state': states.RUNNING, 'metadata': {'a': '1'}}
    row.update(values)
    return instances.create_instances(admin, [row], {}, [])[0]


def _url(inst, key=None):
    url = '/v2.1/servers/%s/metadata' % inst['uuid']
    return url + '/' + key if key else url


@pytest.fixture
def inst(db, admin):
    return _server(admin)


def test_list_show(client, inst):
    resp = client.get(_url(inst))
    assert resp.status_code == 200
    assert resp.data == {'metadata': {'a': '1'}}
    resp = client.get(_url(inst, 'a'))
    assert resp.data == {'meta': {'a': '1'}}
    resp = client.get(_url(inst, 'nope'))
    assert resp.status_code == 404
    assert resp.data['itemNotFound']['message'] == \
        'Metadata item was not found'


def test_create_merges_and_update_all_replaces(client, inst, admin):
    resp = client.post(_url(inst), {'metadata': {'b': '2', 'a': 'x'}})
    assert resp.status_code == 200, resp.body
    assert resp.data == {'metadata': {'a': 'x', 'b': '2'}}
    resp = client.request('PUT', _url(inst), {'metadata': {'c': '3'}})
    assert resp.status_code == 200
    assert resp.data == {'metadata': {'c': '3'}}
    assert instances.get(admin, inst['uuid'])['metadata'] == {'c': '3'}
    resp = client.get('/v2.1/servers/%s' % inst['uuid'])
    assert resp.data['server']['metadata'] == {'c': '3'}


def test_update_one_key(client, inst, admin):
    resp = client.request('PUT', _url(inst, 'k'), {'meta': {'k': 'v'}})
    assert resp.status_code == 200, resp.body
    assert resp.data == {'meta': {'k': 'v'}}
    assert instances.get(admin, inst['uuid'])['metadata'] == {
        'a': '1', 'k': 'v'}
    resp = client.request('PUT', _url(inst, 'k'), {'meta': {'other': 'v'}})
    assert resp.status_code == 400
    assert resp.data['badRequest']['message'] == \
        'Request body and URI mismatch'
    resp = client.request('PUT', _url(inst, 'k'),
                          {'meta': {'k': 'v', 'j': 'w'}})
    assert resp.status_code == 400


def test_delete(client, inst, admin):
    resp = client.delete(_url(inst, 'a'))
    assert resp.status_code == 204
    assert resp.body == b''
    assert instances.get(admin, inst['uuid'])['metadata'] == {}
    resp = client.delete(_url(inst, 'a'))
    assert resp.status_code == 404
    assert resp.data['itemNotFound']['message'] == \
        'Metadata item was not found'


@pytest.mark.parametrize('body', [
    {'metadata': {'': 'v'}}, {'metadata': {'k' * 256: 'v'}},
    {'metadata': {'k': 'v' * 256}}, {'metadata': {'k': 1}},
    {'metadata': 'x'}, {'meta': {'k': 'v'}}, {}])
def test_bad_bodies_are_400(client, inst, body):
    resp = client.post(_url(inst), body)
    assert resp.status_code == 400, resp.body


def test_limits_accepted(client, inst):
    resp = client.request('PUT', _url(inst),
                          {'metadata': {'k' * 255: 'v' * 255}})
    assert resp.status_code == 200


def test_quota_metadata_items(client, inst):
    many = {'k%d' % i: 'v' for i in range(128)}
    resp = client.request('PUT', _url(inst), {'metadata': many})
    assert resp.status_code == 200
    resp = client.post(_url(inst), {'metadata': {'one-more': 'v'}})
    assert resp.status_code == 403
    assert resp.data['forbidden']['message'] == \
        'Maximum number of metadata items exceeds 128'


def test_state_and_lock_conflicts(client, admin):
    busy = _server(admin, task_state='rebooting')
    resp = client.post(_url(busy), {'metadata': {'b': '2'}})
    assert resp.status_code == 409
    assert resp.data['conflictingRequest']['message'] == (
        "Cannot 'update metadata' instance %s while it is in task_state "
        "rebooting" % busy['uuid'])
    building = _server(admin, vm_state=states.BUILDING)
    resp = client.delete(_url(building, 'a'))
    assert resp.status_code == 409
    assert "Cannot 'delete metadata'" in \
        resp.data['conflictingRequest']['message']
    locked = _server(admin, locked=True, locked_by='owner')
    resp = client.post(_url(locked), {'metadata': {'b': '2'}})
    assert resp.status_code == 409
    assert resp.data['conflictingRequest']['message'] == \
        'Instance %s is locked' % locked['uuid']
    resp = client.post(_url(locked), {'metadata': {'b': '2'}},
                       token='admin:p1')
    assert resp.status_code == 200


def test_other_project_is_404(client, inst):
    for method, key, body in (('GET', None, None), ('GET', 'a', None),
                              ('POST', None, {'metadata': {'b': '2'}}),
                              ('DELETE', 'a', None)):
        resp = client.request(method, _url(inst, key), body,
                              token='bob:p2')
        assert resp.status_code == 404, (method, key)


def test_reader_may_not_write(db):
    ctx = context.RequestContext(user_id='r', project_id='p1',
                                 roles=['reader'])
    assert policy.check(db, ctx, 'os_compute_api:server-metadata:index',
                        {'project_id': 'p1'})
    assert not policy.check(db, ctx, 'os_compute_api:server-metadata:create',
                            {'project_id': 'p1'})
