"""/servers/<id>/os-instance-actions through the real WSGI app and db."""

import datetime

from novalite.api.views import instance_actions as view
from novalite.common import context
from novalite.common.db import instances
from novalite.common import states

FLAVOR = {'id': 1, 'flavorid': '1', 'name': 'm1.tiny', 'memory_mb': 512,
          'vcpus': 1, 'root_gb': 1, 'ephemeral_gb': 0, 'swap': 0,
          'extra_specs': {}}


def _ctx(request_id):
    ctx = context.RequestContext(user_id='alice', project_id='p1')
    ctx.request_id = request_id
    return ctx


def _server(admin):
    row = {'display_name': 'vm', 'project_id': 'p1', 'user_id': 'alice',
           'flavor': dict(FLAVOR), 'host': 'h1', 'node': 'h1',
           'vm_state': states.ACTIVE, 'task_state': None,
           'power_state': states.RUNNING}
    inst = instances.create_instances(_ctx('req-create'), [row], {}, [])[0]
    instances.action_event_start(admin, inst['uuid'], 'req-create',
                                 'compute_build_and_run_instance', host='h1')
    instances.action_event_finish(admin, inst['uuid'], 'req-create',
                                  'compute_build_and_run_instance', 'Error',
                                  traceback='Traceback...\nBoom: no disk')
    for n in range(3):
        instances.action_start(_ctx('req-stop-%d' % n), inst['uuid'], 'stop')
    return inst


def _url(inst, rid=None):
    url = '/v2.1/servers/%s/os-instance-actions' % inst['uuid']
    return url + '/' + rid if rid else url


def test_list_newest_first(client, db, admin):
    inst = _server(admin)
    resp = client.get(_url(inst))
    assert resp.status_code == 200, resp.body
    actions = resp.data['instanceActions']
    assert [a['request_id'] for a in actions] == [
        'req-stop-2', 'req-stop-1', 'req-stop-0', 'req-create']
    assert set(actions[0]) == set(view.ACTION_KEYS)
    assert actions[-1]['message'] == 'Error'
    assert actions[0]['user_id'] == 'alice'
    datetime.datetime.strptime(actions[0]['start_time'],
                               '%Y-%m-%dT%H:%M:%S.%f')
    resp = client.get(_url(inst), version='2.58')
    assert 'updated_at' in resp.data['instanceActions'][0]
    assert 'links' not in resp.data


def test_pagination_and_changes_since(client, db, admin):
    inst = _server(admin)
    resp = client.get(_url(inst) + '?limit=2', version='2.58')
    assert [a['request_id'] for a in resp.data['instanceActions']] == [
        'req-stop-2', 'req-stop-1']
    href = resp.data['links'][0]['href']
    assert resp.data['links'][0]['rel'] == 'next'
    assert 'marker=req-stop-1' in href and 'limit=2' in href
    resp = client.get(_url(inst) + '?limit=2&marker=req-stop-1',
                      version='2.58')
    assert [a['request_id'] for a in resp.data['instanceActions']] == [
        'req-stop-0', 'req-create']
    resp = client.get(_url(inst) + '?marker=nope', version='2.58')
    assert resp.status_code == 400
    assert resp.data['badRequest']['message'] == \
        'Marker nope could not be found.'
    resp = client.get(_url(inst) + '?limit=x', version='2.58')
    assert resp.status_code == 400
    resp = client.get(_url(inst) + '?changes-since=2999-01-01T00:00:00Z',
                      version='2.58')
    assert resp.data['instanceActions'] == []
    resp = client.get(_url(inst) + '?changes-before=2000-01-01T00:00:00Z',
                      version='2.66')
    assert resp.data['instanceActions'] == []
    resp = client.get(_url(inst) + '?changes-since=2001-01-01T00:00:00Z'
                      '&changes-before=2000-01-01T00:00:00Z', version='2.66')
    assert resp.status_code == 400
    assert 'changes-since must be less than or equal' in \
        resp.data['badRequest']['message']


def test_show_events_per_persona_and_version(client, db, admin):
    inst = _server(admin)
    resp = client.get(_url(inst, 'req-create'))
    assert resp.status_code == 200
    assert 'events' not in resp.data['instanceAction']
    resp = client.get(_url(inst, 'req-create'), version='2.51')
    event = resp.data['instanceAction']['events'][0]
    assert event['event'] == 'compute_build_and_run_instance'
    assert event['result'] == 'Error'
    assert 'traceback' not in event and 'host' not in event
    resp = client.get(_url(inst, 'req-create'), version='2.62')
    event = resp.data['instanceAction']['events'][0]
    assert len(event['hostId']) == 56 and 'host' not in event
    resp = client.get(_url(inst, 'req-create'), version='2.84',
                      token='admin:admin')
    event = resp.data['instanceAction']['events'][0]
    assert event['host'] == 'h1'
    assert event['traceback'].startswith('Traceback')
    assert event['details'] == 'Boom: no disk'
    assert event['hostId'] == view.host_id('h1', 'p1')
    resp = client.get(_url(inst, 'req-create'), token='admin:admin')
    event = resp.data['instanceAction']['events'][0]
    assert 'traceback' in event and 'host' not in event


def test_show_unknown_and_other_project(client, db, admin):
    inst = _server(admin)
    resp = client.get(_url(inst, 'nope'))
    assert resp.status_code == 404
    assert resp.data['itemNotFound']['message'] == 'Action nope not found'
    assert client.get(_url(inst), token='bob:p2').status_code == 404
    assert client.get(_url(inst, 'req-create'),
                      token='bob:p2').status_code == 404


def test_deleted_server_from_221(client, db, admin):
    inst = _server(admin)
    instances.destroy(admin, inst['uuid'])
    assert client.get(_url(inst), version='2.20').status_code == 404
    resp = client.get(_url(inst), version='2.21')
    assert resp.status_code == 200
    assert len(resp.data['instanceActions']) == 4
